"""Vanishing gradients: the minimax generator gradient dies against a trained D, the critic's does not."""

import json

import numpy as np

from tests.conftest import load_example


def test_line_generator_is_the_papers_g_theta():
    from keras_wgan.experiments.vanishing_gradients import line_generator

    z = np.array([[0.0], [0.25], [1.0]], "float32")
    points = np.asarray(line_generator(0.7)(z))
    np.testing.assert_allclose(points, [[0.7, 0.0], [0.7, 0.25], [0.7, 1.0]], atol=1e-6)


def test_default_schedule():
    from keras_wgan.experiments.vanishing_gradients import default_schedule

    assert default_schedule(1000) == [0, 1, 3, 10, 30, 100, 300, 1000]
    assert default_schedule(50) == [0, 1, 3, 10, 30, 50]


def test_minimax_gradient_vanishes_and_the_critics_does_not(tmp_path, capsys):
    result = load_example("vanishing_gradients").main(
        ["--steps", "200", "--learning-rate", "2e-3", "--out", str(tmp_path)]
    )
    assert result["k"][-1] == 200
    # D approaches D*: it rejects the generator's samples with near certainty ...
    assert result["d_fake"][-1] < 1e-2
    # ... so log(1 - D(G(z))) gives the generator a gradient orders of magnitude below its peak,
    assert result["minimax_drop"] > 100
    # while the critic's gradient stays within a factor of a few of its peak, near 1 (GP),
    assert result["wasserstein_drop"] < 3
    assert 0.3 < result["wasserstein"][-1] < 3
    # and -log D's does not vanish either (it grows: Arjovsky & Bottou 2017, Thm. 2.6).
    assert result["non_saturating"][-1] > 100 * result["minimax"][-1]
    saved = json.loads((tmp_path / "vanishing_gradients.json").read_text())
    assert saved["minimax"] == result["minimax"]
    assert (tmp_path / "vanishing_gradients.png").stat().st_size > 0
    assert "peak / final" in capsys.readouterr().out
