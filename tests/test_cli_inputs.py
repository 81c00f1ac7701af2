"""The command line checks its input: one line and exit status 2 for a bad value, never a
traceback, a hang or a native crash; nothing written. Unexpected errors: one line, status 1."""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.app import cli, commands

TRAIN = ["train", "--data", "toy:ring8", "--steps-per-epoch", "1", "--epochs", "1"]

# (argv after the command's required part, the flag the one-line error must name)
BAD_VALUES = [
    (TRAIN + ["--epochs", "-3"], "--epochs"),
    (TRAIN + ["--epochs", "0"], "--epochs"),
    (TRAIN + ["--steps-per-epoch", "0"], "--steps-per-epoch"),
    (TRAIN + ["--steps-per-epoch", "-1"], "--steps-per-epoch"),
    (TRAIN + ["--batch-size", "0"], "--batch-size"),
    (TRAIN + ["--batch-size", "-5"], "--batch-size"),
    (TRAIN + ["--batch-size", "2.5"], "--batch-size"),
    (TRAIN + ["--latent-dim", "0"], "--latent-dim"),
    (TRAIN + ["--width", "0"], "--width"),
    (TRAIN + ["--critic-steps", "0"], "--critic-steps"),
    (TRAIN + ["--critic-steps", "-2"], "--critic-steps"),
    (TRAIN + ["--image-size", "6"], "--image-size"),  # below the DCGAN minimum of 8
    (TRAIN + ["--image-size", "27"], "--image-size"),  # odd: cannot be halved
    (TRAIN + ["--image-size", "big"], "--image-size"),
    (TRAIN + ["--lr", "0"], "--lr"),
    (TRAIN + ["--lr", "-1e-4"], "--lr"),
    (TRAIN + ["--lr", "inf"], "--lr"),
    (TRAIN + ["--lr", "nan"], "--lr"),
    (TRAIN + ["--gp-weight", "-1"], "--gp-weight"),
    (TRAIN + ["--gp-weight", "nan"], "--gp-weight"),
    (TRAIN + ["--clip-value", "0"], "--clip-value"),
    (TRAIN + ["--clip-value", "-0.01"], "--clip-value"),
    (TRAIN + ["--clip-value", "inf"], "--clip-value"),
    (TRAIN + ["--seed", "-1"], "--seed"),
    (TRAIN + ["--jit-compile", "maybe"], "--jit-compile"),
    (TRAIN + ["--channels", "2"], "--channels"),
    (TRAIN + ["--max-steps", "0"], "--max-steps"),
    (TRAIN + ["--max-steps", "1.5"], "--max-steps"),
    (TRAIN + ["--minutes", "0"], "--minutes"),
    (TRAIN + ["--minutes", "-2"], "--minutes"),
    (TRAIN + ["--minutes", "inf"], "--minutes"),
    (["sample", "wgan_gp/grid25", "--n", "0"], "--n"),
    (["sample", "wgan_gp/grid25", "--n", "-1"], "--n"),
    (["sample", "wgan_gp/grid25", "--n", str(cli.MAX_SAMPLES + 1)], "--n"),
    (["sample", "wgan_gp/grid25", "--seed", "-1"], "--seed"),
    (["eval", "wgan_gp/grid25", "--data", "toy:grid25", "--n", "0"], "--n"),
    (["eval", "wgan_gp/grid25", "--data", "toy:grid25", "--n", "1e9"], "--n"),
    (["eval", "wgan_gp/grid25", "--data", "toy:grid25", "--seed", "-3"], "--seed"),
    (["train"], "--data"),
    # Empty strings: --data "" looked for a file named "", `sample ""` loaded the current folder.
    (["train", "--data", " "], "--data"),
    (TRAIN + ["--checkpoint-dir", ""], "--checkpoint-dir"),
    (["sample", ""], "source"),
    (["eval", "", "--data", "toy:grid25"], "source"),
    (["eval", "wgan_gp/grid25", "--data", ""], "--data"),
    (["export", "wgan_gp/grid25", ""], "out"),
    (["train", "--data", "tfds:"], "tfds:mnist"),  # "Parsing builder name string  failed."
    (TRAIN + ["--image-size", "28"], "--image-size"),  # silently ignored for toy data
    (TRAIN + ["--channels", "3"], "--channels"),
]


@pytest.mark.parametrize("argv,flag", BAD_VALUES, ids=lambda v: " ".join(v[-2:]) if isinstance(v, list) else v)
def test_bad_values_are_refused_in_one_line(argv, flag, tmp_path, capsys):
    out = tmp_path / "out"
    argv = argv + (["--out", str(out)] if argv[0] in ("train", "sample") else [])
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and flag in err, err
    assert err.startswith(f"keras-wgan {argv[0]}: error: "), err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nothing written


def test_an_empty_output_folder_is_refused(tmp_path, capsys):
    assert cli.main(TRAIN + ["--out", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("keras-wgan train: error: argument --out: must not be empty"), err


def test_the_range_checks_accept_the_edges():
    count, side, rate = cli.COUNT, cli.IMAGE_SIDE, cli.number(above=0)
    assert (count("1"), side("8"), side("28"), side("64"), rate("1e-4")) == (1, 8, 28, 64, 1e-4)
    assert cli.number(minimum=0)("0") == 0.0 and cli.SEED("0") == 0
    assert cli.integer(1, cli.MAX_SAMPLES)(str(cli.MAX_SAMPLES)) == cli.MAX_SAMPLES


def test_the_examples_shared_flags_are_range_checked_too(capsys):
    import argparse

    from keras_wgan import training

    assert training.add_run_arguments is cli.add_run_arguments  # the examples' public path
    examples = cli.add_run_arguments(cli.Parser(prog="mnist.py"), out="runs/x", epochs=1)
    assert examples.parse_args(["--epochs", "3"]).epochs == 3
    for flag in ("--epochs", "--steps-per-epoch", "--batch-size", "--width", "--latent-dim"):
        with pytest.raises(SystemExit) as exit_:
            examples.parse_args([flag, "0"])
        assert exit_.value.code == 2 and flag in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.add_run_arguments(argparse.ArgumentParser(), "o", 1).parse_args(["--seed", "-1"])


def test_debug_shows_the_traceback_before_or_after_the_command(tmp_path, capsys):
    missing = str(tmp_path / "missing")
    assert cli.main(["train", "--data", missing]) == 2
    assert "Traceback" not in capsys.readouterr().err
    for argv in (["--debug", "train", "--data", missing], ["train", "--data", missing, "--debug"]):
        with pytest.raises(FileNotFoundError, match="No such file or folder"):
            cli.main(argv)


def raising(error):
    def command(args):
        raise error

    return command


@pytest.mark.parametrize("error,status,words", [
    (kw.resume.TrainingDiverged("'d_loss' became non-finite at generator step 3: lower the "
                                "learning rate"), 1, ["became non-finite"]),
    (RuntimeError("the backend broke\nsecond line"), 1,
     ["RuntimeError: the backend broke", "run with --debug for the traceback"]),
    (AttributeError("'NoneType' object has no attribute 'shape'"), 1,
     ["AttributeError: 'NoneType'", "--debug"]),
    (kw.hub.HubError("a hub error"), 2, ["a hub error"]),
    (kw.hub.UnknownPresetError("unknown preset 'x/y'"), 2, ["unknown preset"]),
    (FileExistsError("out exists"), 2, ["out exists"]),
    (KeyError("no such key"), 2, ["no such key"]),
])
def test_every_error_becomes_one_line_and_an_exit_status(monkeypatch, capsys, error, status, words):
    monkeypatch.setattr(commands, "sample", raising(error))
    assert cli.main(["sample", "anything"]) == status
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("keras-wgan sample: error: "), err
    assert all(w in err for w in words), err
    with pytest.raises(type(error)):
        cli.main(["sample", "anything", "--debug"])


def test_tensorflow_and_pil_errors_are_one_line(monkeypatch, capsys):
    import tensorflow as tf
    from PIL import Image

    errors = [tf.errors.InvalidArgumentError(None, None, "{{node X}} bad\n\t [[{{node Y}}]]"),
              Image.DecompressionBombError("Image size (400000000 pixels) exceeds limit")]
    for error in errors:
        monkeypatch.setattr(commands, "sample", raising(error))
        assert cli.main(["sample", "anything"]) == 1
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and type(error).__name__ in err and "--debug" in err, err


def test_interrupt_exits_130_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(commands, "sample", raising(KeyboardInterrupt()))
    assert cli.main(["sample", "anything"]) == 130
    assert capsys.readouterr().err.strip() == "keras-wgan sample: interrupted"


def test_a_progress_line_cut_short_is_ended_before_the_error(monkeypatch, capsys):
    def half_a_line(args):
        sys.stdout.write("\r1/30 ━━━━ d_loss: 1.2")
        raise kw.resume.TrainingDiverged("'g_loss' became non-finite")

    monkeypatch.setattr(commands, "sample", half_a_line)
    assert cli.main(["sample", "anything"]) == 1
    assert capsys.readouterr().out.endswith("d_loss: 1.2\n")
    assert sys.stdout is not None and not isinstance(sys.stdout, cli._LineTracker)


@pytest.fixture(scope="module")
def toy_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy") / "run"
    assert cli.main(["train", "--model", "gan", "--data", "toy:ring8", "--epochs", "1",
                     "--steps-per-epoch", "2", "--width", "8", "--latent-dim", "2",
                     "--out", str(out)]) == 0
    return out / "checkpoint.keras"


def test_eval_refuses_data_of_another_kind_naming_both_shapes(toy_checkpoint, tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(4):
        Image.new("L", (28, 28), 10 * i).save(folder / f"{i}.png")
    assert cli.main(["eval", str(toy_checkpoint), "--data", str(folder), "--n", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "(2,)" in err and "toy:NAME" in err, err
    assert cli.main(["eval", "wgan_gp/mnist", "--data", "toy:ring8", "--n", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "(28, 28, 1)" in err and "(2,)" in err, err


def test_sample_and_eval_refuse_a_model_that_is_not_a_generator(tmp_path, capsys):
    from tests.conftest import tiny_image_pair

    _, critic = tiny_image_pair()
    critic.save(tmp_path / "critic.keras")
    for argv in (["sample", str(tmp_path / "critic.keras"), "--out", str(tmp_path / "s.png")],
                 ["eval", str(tmp_path / "critic.keras"), "--data", "toy:ring8"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "Traceback" not in err, err
    assert not (tmp_path / "s.png").exists()


def test_export_refuses_a_file_and_a_full_folder(toy_checkpoint, tmp_path, capsys):
    a_file = tmp_path / "model.txt"
    a_file.write_text("keep me")
    assert cli.main(["export", str(toy_checkpoint), str(a_file)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "is a file" in err, err
    assert a_file.read_text() == "keep me"
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("keep me too")
    assert cli.main(["export", str(toy_checkpoint), str(full)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--overwrite" in err, err
    assert [p.name for p in full.iterdir()] == ["notes.txt"]
    assert cli.main(["export", str(toy_checkpoint), str(full), "--overwrite"]) == 0
    assert (full / "saved_model.pb").is_file() and not (full / "notes.txt").exists()


def test_too_few_images_are_told_in_the_flags_of_the_command(tmp_path, capsys):
    # Was "batch_size=320 is larger than the 10 images ...: use batch_size <= 10", a batch size
    # nobody passed (critic steps x --batch-size), and for eval one it has no flag for.
    from PIL import Image

    folder = tmp_path / "ten"
    folder.mkdir()
    for i in range(10):
        Image.new("L", (28, 28), 10 * i).save(folder / f"{i}.png")
    expected = {
        ("--batch-size", "64"): "holds 10 images, fewer than one training step reads (critic_steps "
                                "5 x batch_size 64 = 320): lower batch_size (--batch-size) to at most 2.",
        ("--critic-steps", "11"): "(critic_steps 11 x batch_size 64 = 704): add images (at least "
                                  "11) or lower critic_steps (--critic-steps).",
    }
    for flag, words in expected.items():
        assert cli.main(["train", "--data", str(folder), *flag, "--out", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("keras-wgan train: error: ") and err.endswith(words), err
    assert not (tmp_path / "r").exists()
    assert cli.main(["eval", "wgan_gp/mnist", "--data", str(folder), "--n", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("ten holds 10 images; eval compares against at least 100 real ones: "
                        "point --data at more"), err


def test_train_names_a_damaged_image_met_while_training(tmp_path, capsys):
    from tests.test_data_folders import damaged_jpeg, jpeg_bytes

    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(7):
        (folder / f"{i}.jpg").write_bytes(jpeg_bytes(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)))
    damaged_jpeg(folder / "4b.jpg")
    assert cli.main(["train", "--model", "gan", "--data", str(folder), "--image-size", "8",
                     "--epochs", "1", "--batch-size", "4", "--width", "2", "--latent-dim", "2",
                     "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # libjpeg writes its own line first
    assert err.startswith("keras-wgan train: error: ") and "4b.jpg cannot be decoded" in err, err
    assert "delete or replace it" in err


def run_module(*args, env=None):
    return subprocess.run([sys.executable, "-m", "keras_wgan", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_python_dash_m_refuses_latent_dim_zero_without_a_traceback(tmp_path):
    result = run_module("train", "--data", "toy:ring8", "--steps-per-epoch", "1",
                        "--latent-dim", "0", "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("keras-wgan train: error: argument --latent-dim"), result.stderr
    assert not (tmp_path / "out").exists()


def test_python_dash_m_prints_no_tensorflow_start_up_lines(tmp_path):
    # Measured at 82aa814 with TF_CPP_MIN_LOG_LEVEL unset: 6 lines (absl's pre-init warning and
    # oneDNN's notice twice, the CPU-instructions notice on two lines); 4 with it at 2 or 3.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = run_module("sample", "wgan_gp/grid25", "--n", "4", "--out", str(tmp_path / "s.png"),
                        env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert result.stdout.strip() == f"wrote 4 samples to {tmp_path / 's.png'}"
