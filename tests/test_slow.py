"""Slow checks, run with `make test-slow` (not in `make test`)."""

import pytest

from keras_wgan.app import demo

pytestmark = pytest.mark.slow


def test_demo_writes_every_figure(tmp_path, mnist_dir):
    demo.main(["--out", str(tmp_path), "--mnist", str(mnist_dir)])
    for name in ("toy_ring8.png", "toy_ring8.json", "mnist_curves.png", "mnist_wgan_gp.keras",
                 "mnist_samples/epoch_001.png"):
        assert (tmp_path / name).is_file(), name
