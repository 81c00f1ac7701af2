"""Vanishing gradients: the minimax generator gradient dies against a trained D, the critic's does not."""

import json
import tempfile

import keras
import numpy as np
import pytest

from tests.conftest import load_example
from tests.margins import assert_within, seed_params

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

SEEDS = range(5)

# Measured by `make test-margins` over seeds 0-9 on TF, JAX, TF with oneDNN off and TF with
# oneDNN at AVX2 (40 runs): see each line. With D and the critic untrained (`--ablations`,
# learning rate 0; seeds 0-2 on TF and JAX) d_fake is 0.44-0.54, nothing drops (ratios 1.0), the
# critic's gradient is 0.11-0.26 and -log D's is no larger than minimax's (0.84-1.27 of it).
VANISHING_GRADIENTS_BOUNDS = {
    # D approaches D*: it rejects the generator's samples with near certainty ...
    "d_fake": ("<", 1e-2),  # measured 1.1e-6 to 5.0e-6
    # ... so log(1 - D(G(z))) gives the generator a gradient orders of magnitude below its peak,
    "minimax_drop": (">", 100),  # measured 4.4e3 to 1.1e4
    # while the critic's gradient stays within a factor of a few of its peak, near 1 (GP),
    "wasserstein_drop": ("<", 3),  # measured 1.00-1.04
    "wasserstein_final": ("in", (0.3, 3)),  # measured 1.13-1.23
    # and -log D's does not vanish either (it grows: Arjovsky & Bottou 2017, Thm. 2.6).
    "non_saturating_over_minimax": (">", 100),  # measured 2.3e5 to 7.9e5
}


def vanishing_gradients_statistics(seed, learning_rate=2e-3, steps=200, out_dir=None):
    """The generator's gradient norms after ``steps`` updates of D and of the critic."""
    from keras_wgan.experiments import vanishing_gradients

    with tempfile.TemporaryDirectory() as scratch:
        result = vanishing_gradients.run(steps=steps, learning_rate=learning_rate, seed=seed,
                                         out_dir=out_dir or scratch)
    return {"d_fake": result["d_fake"][-1], "minimax_drop": result["minimax_drop"],
            "wasserstein_drop": result["wasserstein_drop"],
            "wasserstein_final": result["wasserstein"][-1],
            "non_saturating_over_minimax": result["non_saturating"][-1] / result["minimax"][-1]}


def test_line_generator_is_the_papers_g_theta():
    from keras_wgan.experiments.vanishing_gradients import line_generator

    z = np.array([[0.0], [0.25], [1.0]], "float32")
    # predict: NumPy out on every backend (a torch output that requires grad has no .numpy()).
    points = line_generator(0.7).predict(z, verbose=0)
    np.testing.assert_allclose(points, [[0.7, 0.0], [0.7, 0.25], [0.7, 1.0]], atol=1e-6)


def test_default_schedule():
    from keras_wgan.experiments.vanishing_gradients import default_schedule

    assert default_schedule(1000) == [0, 1, 3, 10, 30, 100, 300, 1000]
    assert default_schedule(50) == [0, 1, 3, 10, 30, 50]


@pytest.mark.parametrize("seed", seed_params(SEEDS))
def test_minimax_gradient_vanishes_and_the_critics_does_not(seed):
    assert_within(vanishing_gradients_statistics(seed), VANISHING_GRADIENTS_BOUNDS)


def test_example_writes_the_norms(tmp_path, capsys):
    result = load_example("vanishing_gradients").main(
        ["--steps", "3", "--seed", "1", "--out", str(tmp_path)])
    assert result["k"] == [0, 1, 3]
    saved = json.loads((tmp_path / "vanishing_gradients.json").read_text())
    assert saved["minimax"] == result["minimax"]
    assert (tmp_path / "vanishing_gradients.png").stat().st_size > 0
    assert "peak / final" in capsys.readouterr().out
