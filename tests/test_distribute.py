"""tf.distribute: a step on 2 replicas equals a step on one device with the same global batch."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "mirrored_step.py"


@pytest.mark.parametrize("model", ["wgan_gp", "nsgan"])
def test_mirrored_step_matches_single_device(model):
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(SCRIPT), model], capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["moved"] > 1e-3  # the step really changed the weights...
    assert report["max_weight_diff"] < 1e-5  # ...identically on 1 and on 2 replicas
    for name, values in report["single"].items():
        np.testing.assert_allclose(report["mirrored"][name], values, rtol=1e-4, atol=1e-5)
