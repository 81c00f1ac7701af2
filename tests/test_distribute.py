"""Data parallelism: a step on 2 replicas (tf.distribute on TensorFlow, keras.distribution on
JAX) equals a step on one device with the same global batch."""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "mirrored_step.py"


# nsgan with EMA makes every step nsgan alone makes and more: plain nsgan runs in make test-slow
# (16-22 s each on 2 cores).
DATA_PARALLEL_MODELS = [pytest.param(["wgan_gp"], id="wgan_gp"),
                        pytest.param(["nsgan"], id="nsgan", marks=pytest.mark.slow),
                        pytest.param(["nsgan", "0.5"], id="nsgan-ema")]


@pytest.mark.parametrize("model", DATA_PARALLEL_MODELS)
def test_mirrored_step_matches_single_device(model):
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(SCRIPT), *model], capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["moved"] > 1e-3  # the step really changed the weights...
    assert report["max_weight_diff"] < 1e-5  # ...identically on 1 and on 2 replicas
    for name, values in report["single"].items():
        np.testing.assert_allclose(report["mirrored"][name], values, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="needs JAX installed")
@pytest.mark.parametrize("model", DATA_PARALLEL_MODELS)
def test_jax_data_parallel_step_matches_single_device(model):
    """`keras.distribution.DataParallel` over 2 CPU devices (XLA's forced host device count):
    no TensorFlow strategy involved."""
    script = pathlib.Path(__file__).parent / "scripts" / "data_parallel_step.py"
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(script), *model], capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # The weights live on both devices and each batch is split over them along axis 0.
    assert report["weight_devices"] == 2 and report["mesh"] == {"batch": 2}
    assert report["data_layout"][0] == "batch"
    assert report["moved"] > 1e-3  # the step really changed the weights...
    assert report["max_weight_diff"] < 1e-5  # ...identically on 1 and on 2 devices
    for name, values in report["single"].items():
        np.testing.assert_allclose(report["parallel"][name], values, rtol=1e-4, atol=1e-5)


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("model", ["wgan_gp", "nsgan"])
def test_multi_worker_step_matches_single_device(model, tmp_path):
    script = pathlib.Path(__file__).parent / "scripts" / "multiworker_step.py"
    cluster = {"worker": [f"127.0.0.1:{_free_port()}" for _ in range(2)]}
    base = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    workers = []
    for index in range(2):
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = dict(base, TF_CONFIG=json.dumps(config))
        workers.append(subprocess.Popen(
            [sys.executable, str(script), model, str(tmp_path / f"worker{index}.npz")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
    single = subprocess.run([sys.executable, str(script), model, str(tmp_path / "single.npz"),
                             "--single"], env=base, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-2000:]
    reference = np.load(tmp_path / "single.npz")
    for index in range(2):
        result = np.load(tmp_path / f"worker{index}.npz")
        assert result.files == reference.files
        for key in reference.files:
            np.testing.assert_allclose(result[key], reference[key], rtol=1e-4, atol=1e-5, err_msg=key)
