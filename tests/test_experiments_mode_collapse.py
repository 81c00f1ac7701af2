"""Mode collapse experiment: the scoring on constructed samples, and a tiny run end to end."""

import json

import numpy as np

from tests.conftest import load_example


def test_score_real_and_collapsed_samples():
    from keras_wgan import data
    from keras_wgan.experiments.mode_collapse import score

    real = score(data.sample("ring8", 800, seed=5), "ring8")
    assert real["modes"] == real["n_modes"] == 8
    assert real["hq_rate"] > 0.95
    assert real["w1"] < 2 * real["noise_floor"]
    centres, std = data.mixture_modes("ring8")
    one_mode = centres[3] + std * np.random.default_rng(0).standard_normal((800, 2))
    collapsed = score(one_mode.astype("float32"), "ring8")
    assert collapsed["modes"] == 1
    assert collapsed["hq_rate"] > 0.95
    assert collapsed["w1"] > 10 * collapsed["noise_floor"]


def test_tiny_run_writes_tracks(tmp_path, capsys):
    result = load_example("mode_collapse").main(
        ["--datasets", "ring8", "--models", "gan", "wgan_gp", "--steps", "20",
         "--snapshots", "2", "--width", "16", "--out", str(tmp_path)]
    )
    for name in ("gan", "wgan_gp"):
        track = result["ring8"][name]
        assert [t["step"] for t in track] == [10, 20]
        assert all(0 <= t["modes"] <= 8 and 0.0 <= t["hq_rate"] <= 1.0 for t in track)
    saved = json.loads((tmp_path / "mode_collapse.json").read_text())
    assert saved["ring8"]["gan"] == result["ring8"]["gan"]
    assert (tmp_path / "mode_collapse.png").stat().st_size > 0
    assert "wgan_gp" in capsys.readouterr().out
