"""The models on every installed Keras backend: same numbers, files that cross over.

Each backend (TensorFlow, JAX, PyTorch) runs in its own process (Keras picks its backend at
import), through ``tests/scripts/backend_step.py``; the backend-agnostic test modules also
run whole under JAX and torch (``make test-jax``, ``make test-torch``, part of ``make test``).
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import keras_wgan as kw

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "backend_step.py"
ALL_BACKENDS = ("tensorflow", "jax", "torch")
BACKENDS = [name for name in ALL_BACKENDS if importlib.util.find_spec(name)]
REFERENCE = "tensorflow"  # each other backend is compared with TensorFlow's numbers


def needs(*backends):
    missing = [name for name in backends if name not in BACKENDS]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} installed")


def run_script(backend, *args):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{backend}: {result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    """What each backend computes on its own, in one process per backend: its step results
    (``<backend>.npz``) and a WGAN-GP `.keras` file trained one step there with its samples
    (``<backend>.keras``, ``<backend>-samples.npz``)."""
    folder = tmp_path_factory.mktemp("produced")
    for backend in BACKENDS:
        run_script(backend, "step", folder / f"{backend}.npz",
                   "save", folder / f"{backend}.keras", folder / f"{backend}-samples.npz")
    return folder


@pytest.fixture(scope="module")
def steps(produced):
    return {backend: dict(np.load(produced / f"{backend}.npz")) for backend in BACKENDS}


OTHERS = [pytest.param(name, marks=needs(REFERENCE, name)) for name in ALL_BACKENDS[1:]]


@pytest.mark.parametrize("backend", OTHERS)
def test_losses_and_penalties_agree_on_fixed_inputs(steps, backend):
    reference, results = steps[REFERENCE], steps[backend]
    keys = [k for k in reference if k.startswith(("loss/", "penalty/"))]
    # Each registered objective's two losses; the gradient penalty (two-sided, and one-sided
    # at target 0.05, below some of the critic's input-gradient norms of about 0.1), R1, R2.
    assert len(keys) == 2 * len(kw.losses.objective_names()) + 4
    assert set(keys) == {k for k in results if k.startswith(("loss/", "penalty/"))}
    for key in keys:
        np.testing.assert_allclose(results[key], reference[key], rtol=1e-5, atol=1e-6,
                                   err_msg=key)
    assert all(float(reference[f"penalty/{name}"]) > 0 for name in ("mlp", "one_sided", "r1"))


@pytest.mark.parametrize("backend", OTHERS)
@pytest.mark.parametrize("model", [v.model_class.__name__ for v in kw.models.VARIANTS.values()])
def test_one_train_step_agrees(steps, model, backend):
    """The same logs and the same weights after one step (2 critic updates + 1 generator
    update) from the same weights, data, noise and interpolation weights."""
    reference, results = steps[REFERENCE], steps[backend]
    keys = [k for k in reference if k.startswith(model + "/")]
    assert any("/log/d_loss" in k for k in keys) and any("/weight/" in k for k in keys)
    assert set(keys) == {k for k in results if k.startswith(model + "/")}
    for key in keys:
        np.testing.assert_allclose(results[key], reference[key], rtol=1e-4, atol=1e-5,
                                   err_msg=key)
    # The step trained both networks: weights moved from the initial ones.
    moved = [not np.allclose(reference[key], reference["init/" + key.split("/")[-1]])
             for key in keys if "/weight/" in key]
    assert len(moved) == 12 and any(moved[:6]) and any(moved[6:])


@pytest.fixture(scope="module")
def loaded(produced):
    """Each backend loads every other backend's file, all in one process per backend."""
    for loader in BACKENDS:
        pairs = [(produced / f"{saver}.keras", produced / f"{saver}-on-{loader}.npz")
                 for saver in BACKENDS if saver != loader]
        if pairs:
            run_script(loader, "load", *[item for pair in pairs for item in pair])
    return produced


@pytest.mark.parametrize("saved_on, loaded_on", [
    pytest.param(a, b, marks=needs(a, b)) for a in ALL_BACKENDS for b in ALL_BACKENDS if a != b])
def test_keras_file_crosses_backends(loaded, saved_on, loaded_on):
    saved = np.load(loaded / f"{saved_on}-samples.npz")
    again = np.load(loaded / f"{saved_on}-on-{loaded_on}.npz")
    np.testing.assert_allclose(again["samples"], saved["samples"], atol=1e-5)
    assert int(again["iterations"]) == 1  # the optimizer state came along
