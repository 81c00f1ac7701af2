"""The models on every installed Keras backend: same numbers, files that cross over.

Each backend runs in its own process (Keras picks its backend at import), through
``tests/scripts/backend_step.py``; the backend-agnostic test modules also run whole under
JAX (``make test-jax``, part of ``make test``).
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
BACKENDS = [name for name in ("tensorflow", "jax") if importlib.util.find_spec(name)]
needs_two = pytest.mark.skipif(len(BACKENDS) < 2, reason="needs TensorFlow and JAX installed")


def run_script(backend, *args):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{backend}: {result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("steps")
    results = {}
    for backend in BACKENDS:
        run_script(backend, "step", folder / f"{backend}.npz")
        results[backend] = dict(np.load(folder / f"{backend}.npz"))
    return results


@needs_two
def test_losses_and_penalty_agree_on_fixed_inputs(steps):
    tf_results, jax_results = steps["tensorflow"], steps["jax"]
    keys = [k for k in tf_results if k.startswith(("loss/", "penalty/"))]
    # Each registered objective's two losses, and the gradient penalty.
    assert len(keys) == 2 * len(kw.losses.objective_names()) + 1
    for key in keys:
        np.testing.assert_allclose(jax_results[key], tf_results[key], rtol=1e-5, atol=1e-6,
                                   err_msg=key)


@needs_two
@pytest.mark.parametrize("model", [v.model_class.__name__ for v in kw.models.VARIANTS.values()])
def test_one_train_step_agrees(steps, model):
    """The same logs and the same weights after one step (2 critic updates + 1 generator
    update) from the same weights, data, noise and interpolation weights."""
    tf_results, jax_results = steps["tensorflow"], steps["jax"]
    keys = [k for k in tf_results if k.startswith(model + "/")]
    assert any("/log/d_loss" in k for k in keys) and any("/weight/" in k for k in keys)
    assert set(keys) == {k for k in jax_results if k.startswith(model + "/")}
    for key in keys:
        np.testing.assert_allclose(jax_results[key], tf_results[key], rtol=1e-4, atol=1e-5,
                                   err_msg=key)
    # The step trained both networks: weights moved from the initial ones.
    moved = [not np.allclose(tf_results[key], tf_results["init/" + key.split("/")[-1]])
             for key in keys if "/weight/" in key]
    assert len(moved) == 12 and any(moved[:6]) and any(moved[6:])


@needs_two
@pytest.mark.parametrize("saved_on, loaded_on", [("jax", "tensorflow"), ("tensorflow", "jax")])
def test_keras_file_crosses_backends(tmp_path, saved_on, loaded_on):
    path = tmp_path / "model.keras"
    run_script(saved_on, "save", path, tmp_path / "saved.npz")
    run_script(loaded_on, "load", path, tmp_path / "loaded.npz")
    saved, loaded = np.load(tmp_path / "saved.npz"), np.load(tmp_path / "loaded.npz")
    np.testing.assert_allclose(loaded["samples"], saved["samples"], atol=1e-5)
    assert int(loaded["iterations"]) == 1  # the optimizer state came along
