"""The public figure helpers: `pyplot` (headless Matplotlib, or one line naming the fix) and
`save_toy_figure` (the one-panel figure of 2-D samples every toy output draws)."""

import sys

import numpy as np
import pytest
from PIL import Image

from keras_wgan import architectures, plotting

pytestmark = pytest.mark.all_backends


def test_pyplot_draws_off_screen():
    assert plotting.pyplot().get_backend().lower() == "agg"


def test_without_matplotlib_pyplot_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what `import` sees when it is absent
    with pytest.raises(ImportError) as raised:
        plotting.pyplot()
    message = str(raised.value)
    assert "\n" not in message and message.endswith("pip install matplotlib")


def _pixels(path):
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"), dtype="int16")


def test_save_toy_figure_draws_points_labels_and_contours_at_100_dpi(tmp_path):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 2)).astype("float32")
    fake = rng.normal(size=(64, 2)).astype("float32")
    plain = plotting.save_toy_figure(tmp_path / "plain.png", real, fake, title="epoch 1")
    alone = plotting.save_toy_figure(tmp_path / "alone.png", real[:0], fake)
    by_class = plotting.save_toy_figure(tmp_path / "classes.png", real, fake,
                                        labels=np.arange(64) % 8, size=3.0)
    contours = plotting.save_toy_figure(tmp_path / "critic.png", real, fake,
                                        critic=architectures.mlp_critic(2, 8))
    assert _pixels(plain).shape == (400, 400, 3) and _pixels(by_class).shape == (300, 300, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.png", "classes.png",
                                                           "critic.png", "plain.png"]
    # Each option changes the picture: real points, a critic's filled contours.
    assert np.abs(_pixels(plain) - _pixels(alone)).max() > 0
    assert (np.abs(_pixels(plain) - _pixels(contours)).sum(-1) > 0).mean() > 0.2
