"""The WGAN-GP critic's Wasserstein estimate falls with the samples' exact W1 over a run."""

import json
import math

import numpy as np
import pytest
from tests.conftest import load_example


def test_correlations_on_known_sequences():
    from keras_wgan.experiments.critic_tracks_quality import correlations

    assert correlations([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx((1.0, 1.0))
    pearson, spearman = correlations([1, 2, 3, 4], [1, 8, 27, 64])
    assert pearson < 1.0 and spearman == pytest.approx(1.0)
    assert all(math.isnan(v) for v in correlations([1, 2], [2, 1]))


def test_estimate_tracks_w1(tmp_path, capsys):
    result = load_example("critic_tracks_quality").main(
        ["--epochs", "5", "--steps-per-epoch", "25", "--width", "64", "--out", str(tmp_path)]
    )
    rows = result["epochs"]
    assert len(rows) == 5
    # Samples improve (W1 to real data falls) and the critic's estimate falls with them.
    assert rows[-1]["w1"] < rows[0]["w1"]
    assert rows[-1]["estimate"] < rows[0]["estimate"]
    assert all(row["estimate"] > 0 for row in rows)
    assert result["pearson"] > 0.5 and result["spearman"] > 0.5
    saved = json.loads((tmp_path / "critic_tracks_quality.json").read_text())
    assert saved["pearson"] == pytest.approx(result["pearson"])
    assert (tmp_path / "critic_tracks_quality.png").stat().st_size > 0
    assert "Pearson" in capsys.readouterr().out


def test_mnist_run_scores_samples_by_classifier_fid(mnist_dir, tmp_path, capsys):
    result = load_example("critic_tracks_quality").main(
        ["--dataset", "mnist", "--mnist-dir", str(mnist_dir), "--n-images", "512", "--epochs",
         "3", "--steps-per-epoch", "3", "--width", "8", "--eval-size", "200", "--warmup-steps",
         "5", "--critic-lr", "5e-4", "--out", str(tmp_path)])
    rows = result["epochs"]
    assert [r["epoch"] for r in rows] == [1, 2, 3] and result["quality_metric"] == "classifier_fid"
    # After its warm-up the critic tells real digits from an untrained generator's noise, and
    # the classifier-FID of that noise is far above real-vs-real.
    assert all(r["estimate"] > 0 for r in rows)
    assert all(r["classifier_fid"] > 10 * result["real_fid"] for r in rows)
    saved = json.loads((tmp_path / "critic_tracks_quality.json").read_text())
    assert saved["n_images"] == 512 and len(saved["epochs"]) == 3
    assert saved["warmup_steps"] == 5
    assert saved["critic_learning_rate"] == pytest.approx(5e-4)
    assert saved["learning_rate"] == pytest.approx(2e-4)
    assert (tmp_path / "critic_tracks_quality.png").stat().st_size > 0
    assert "real-data FID" in capsys.readouterr().out


@pytest.mark.parametrize("images,message", [
    (np.zeros((4, 32, 32, 3), "float32"), r"\(N, 28, 28, 1\)"),
    (np.full((4, 28, 28), 255.0, "float32"), r"\[-1, 1\]"),
])
def test_mnist_run_rejects_bad_images_before_training(images, message):
    from keras_wgan.experiments.critic_tracks_quality import run_mnist

    with pytest.raises(ValueError, match=message):
        run_mnist(images)


@pytest.mark.slow
def test_mnist_estimate_falls_with_classifier_fid(mnist_dir, tmp_path):
    """The README's MNIST row at its defaults (about 5 minutes on 2 CPU cores)."""
    result = load_example("critic_tracks_quality").main(
        ["--dataset", "mnist", "--mnist-dir", str(mnist_dir), "--out", str(tmp_path)])
    rows = result["epochs"]
    # Measured: estimate 8.85 -> 2.51, FID 191.6 -> 21.4; Pearson 0.87, Spearman 0.99.
    assert rows[-1]["classifier_fid"] < 0.5 * rows[1]["classifier_fid"]
    assert rows[-1]["estimate"] < rows[1]["estimate"]
    assert result["pearson"] > 0.6 and result["spearman"] > 0.8
