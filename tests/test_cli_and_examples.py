"""The command line and the example scripts, run for a few steps on tiny local data."""

import gzip
import json
import struct
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_wgan.app import cli
from tests.conftest import load_example




def write_idx_images(folder, n=40):
    """A tiny MNIST-format file: magic 0x00000803, n, 28, 28, then uint8 pixels."""
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + pixels.tobytes())
    return folder


def test_train_sample_export_eval_on_toy_data(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["train", "--model", "wgan_gp", "--data", "toy:ring8", "--epochs", "2",
                     "--steps-per-epoch", "3", "--width", "16", "--out", str(out)])
    assert code == 0
    for name in ("checkpoint.keras", "curves.png", "history.json", "samples/epoch_002.png"):
        assert (out / name).is_file(), name
    assert list((out / "tensorboard" / "train").glob("events.out.tfevents.*"))
    history = json.loads((out / "history.json").read_text())
    assert set(history) == {"d_loss", "g_loss", "wasserstein", "gradient_penalty"}
    assert all(len(v) == 2 for v in history.values())

    assert cli.main(["sample", str(out / "checkpoint.keras"), "--n", "50",
                     "--out", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 100
    assert cli.main(["eval", str(out / "checkpoint.keras"), "--data", "toy:ring8", "--n", "400"]) == 0
    table = capsys.readouterr().out
    assert "modes covered" in table and "W1 noise floor" in table
    assert cli.main(["export", str(out / "checkpoint.keras"), str(tmp_path / "saved")]) == 0
    assert (tmp_path / "saved" / "saved_model.pb").is_file()


def test_train_on_idx_folder_writes_image_grids(tmp_path):
    data = write_idx_images(tmp_path / "mnist")
    out = tmp_path / "run"
    assert cli.main(["train", "--model", "nsgan", "--data", str(data), "--epochs", "1",
                     "--batch-size", "8", "--width", "4", "--latent-dim", "8",
                     "--out", str(out)]) == 0
    grid = Image.open(out / "samples" / "epoch_001.png")
    assert grid.mode == "L" and grid.size[0] > 8 * 28  # 8x8 tiles of 28x28, upscaled
    assert list((out / "tensorboard" / "samples").glob("events.out.tfevents.*"))


def test_errors_are_one_line_without_a_traceback(tmp_path, capsys):
    assert cli.main(["train", "--data", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("keras-wgan train: error: No such file or folder") and "\n" not in err
    assert cli.main(["train", "--data", "toy:ring8"]) == 2
    assert "pass steps_per_epoch" in capsys.readouterr().err
    assert cli.main(["train", "--data", "toy:rings"]) == 2
    assert "Unknown toy distribution 'rings'" in capsys.readouterr().err
    assert cli.main(["sample", "no/such_preset"]) == 2
    assert "unknown preset 'no/such_preset'" in capsys.readouterr().err


def test_help_is_reachable_from_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "keras_wgan", "train", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "--gp-weight" in result.stdout and "toy:ring8" in result.stdout


def test_mnist_example(tmp_path):
    data = write_idx_images(tmp_path / "mnist", n=40)
    mnist = load_example("mnist")
    history = mnist.main(["--model", "wgan", "--data", str(data), "--epochs", "1",
                          "--batch-size", "4", "--width", "4", "--latent-dim", "8",
                          "--out", str(tmp_path / "run")])
    assert set(history) == {"d_loss", "g_loss", "wasserstein"}
    assert (tmp_path / "run" / "checkpoint.keras").is_file()


def test_celeba_example_on_an_image_folder(tmp_path):
    folder = tmp_path / "img_align_celeba"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        pixels = rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)  # CelebA's aligned size
        Image.fromarray(pixels).save(folder / f"{i:06d}.jpg")
    celeba = load_example("celeba")
    gan, history = celeba.run(model="gan", images=str(folder), out=str(tmp_path / "run"),
                              epochs=1, batch_size=4, width=4, latent_dim=8)
    assert gan.sample_shape == (64, 64, 3)
    assert np.isfinite(history["d_loss"][0])
    assert (tmp_path / "run" / "samples" / "epoch_001.png").is_file()


def test_toy_2d_example(tmp_path):
    toy = load_example("toy_2d")
    summary = toy.main(["--datasets", "ring8", "--models", "gan", "wgan_gp", "--steps", "8",
                        "--snapshots", "2", "--width", "16", "--out", str(tmp_path)])
    assert set(summary["ring8"]) == {"gan", "wgan_gp"}
    assert summary["ring8"]["wgan_gp"]["mean_distance_to_mode"] > 0
    assert (tmp_path / "toy_ring8.png").is_file()
    for name in ("checkpoint.keras", "curves.png", "samples/epoch_002.png"):
        assert (tmp_path / "ring8" / "wgan_gp" / name).is_file(), name
    assert list((tmp_path / "ring8" / "gan" / "tensorboard" / "train").glob("events.out.*"))
