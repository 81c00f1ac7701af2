"""Parallel lines (WGAN paper, Example 1): JS estimate at log 2 off theta = 0, W estimate at |theta|."""

import json
import math

import numpy as np
import pytest
from tests.conftest import load_example

LOG2 = math.log(2.0)


def test_closed_forms():
    from keras_wgan.experiments.parallel_lines import closed_forms

    assert closed_forms(0.0) == (0.0, 0.0)
    assert closed_forms(-0.3) == pytest.approx((LOG2, 0.3))


def test_estimates_match_the_closed_forms(tmp_path, capsys):
    result = load_example("parallel_lines").main(
        ["--thetas", "0", "0.5", "-1", "--steps", "100", "--out", str(tmp_path)]
    )
    points = {p["theta"]: p for p in result["points"]}
    for theta in (0.5, -1.0):
        # A strong discriminator: L_D near 0, so log 2 - L_D / 2 is within 5% of log 2.
        assert points[theta]["js"] == pytest.approx(LOG2, rel=0.05)
        assert points[theta]["w"] == pytest.approx(abs(theta), rel=0.10)
        # The gradient-penalised critic's slope exceeds 1 on a translation (1 + |theta| / 20).
        assert points[theta]["critic_slope"] > 1.0
    # At theta = 0 the two lines coincide: no discriminator beats chance, no critic finds a gap.
    assert abs(points[0.0]["js"]) < 0.05
    assert abs(points[0.0]["w"]) < 0.05
    # W separates the thetas, JS does not: the whole point of Example 1.
    assert points[-1.0]["w"] > 1.5 * points[0.5]["w"]
    assert abs(points[-1.0]["js"] - points[0.5]["js"]) < 0.05 * LOG2
    saved = json.loads((tmp_path / "parallel_lines.json").read_text())
    assert np.allclose([p["js"] for p in saved["points"]], [p["js"] for p in result["points"]])
    assert (tmp_path / "parallel_lines.png").stat().st_size > 0
    assert "max_w_rel_error" in capsys.readouterr().out
