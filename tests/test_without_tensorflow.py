"""`import keras_wgan`, `fit` and `kw.hub.load` on JAX and PyTorch with TensorFlow absent.

Each backend runs ``tests/scripts/without_tensorflow.py`` in its own process, where TensorFlow
cannot be imported (as if it were not installed).
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "without_tensorflow.py"


@pytest.mark.parametrize("backend", [
    pytest.param(name, marks=pytest.mark.skipif(importlib.util.find_spec(name) is None,
                                                reason=f"{name} is not installed"))
    for name in ("jax", "torch")])
def test_trains_saves_and_loads_without_tensorflow(backend, tmp_path):
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend and not report["tensorflow_imported"]
    sources = {"numpy", "python"} | ({"torch-dataloader"} if backend == "torch" else set())
    assert set(report["losses"]) == sources
    assert all(np.all(np.isfinite(losses)) for losses in report["losses"].values())
    assert report["generator_steps"] == 2 + 2 + (2 if backend == "torch" else 0)
    assert report["keras_file_gap"] < 1e-6 and report["preset_gap"] < 1e-6
    assert report["recipe_build"] == {"steps": 3, "n_modes": 8, "loads": 2}
