"""Crash-safe training: kill -9 then resume equals a straight run; atomic saves; NaN guard."""

import json
import os
import pathlib
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.training.resume import NonFiniteGuard, ResumableCheckpoint, TrainingDiverged
from tests.conftest import tiny_toy_pair

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

SCRIPT = pathlib.Path(__file__).parent / "scripts" / "resumable_run.py"


def run_script(*args):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=300)


# 51 s on JAX (three processes, each compiling): make test runs it on TensorFlow and PyTorch.
@pytest.mark.slow_on_jax
def test_killed_run_resumes_to_the_same_weights_as_a_straight_run(tmp_path):
    straight = run_script(tmp_path / "a", tmp_path / "straight.npz")
    assert straight.returncode == 0, straight.stderr[-2000:]

    killed = run_script(tmp_path / "b", tmp_path / "resumed.npz", "--kill-at-batch", 15)
    assert killed.returncode == -signal.SIGKILL  # died mid-epoch 3 (6 batches an epoch)
    metadata = json.loads((tmp_path / "b" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 2 and metadata["generator_steps"] == 12
    resumed = run_script(tmp_path / "b", tmp_path / "resumed.npz")
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    a, b = np.load(tmp_path / "straight.npz"), np.load(tmp_path / "resumed.npz")
    assert int(a["steps"]) == int(b["steps"]) == 24
    assert len(a.files) == len(b.files) > 10
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("kill,failure", [
    # The weights of epoch 2 under the metadata of epoch 1: epoch 2 is trained twice.
    ("weights-written", "steps 30"),
    # An empty metadata file is a JSONDecodeError; the .bkp fallback only catches OSError.
    ("mid-metadata", "RESUME FAILED: JSONDecodeError"),
])
def test_keras_public_backup_and_restore_still_loses_a_kill_during_its_save(kill, failure,
                                                                           tmp_path):
    # Why ResumableCheckpoint overrides _save_model/_load_model: the pinned Keras's
    # BackupAndRestore(double_checkpoint=True) writes the weights and then the metadata in
    # place. When this fails, Keras keeps the guarantee itself and the overrides can shrink.
    script = SCRIPT.with_name("keras_backup_run.py")
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")

    def run(*args):
        return subprocess.run([sys.executable, str(script), tmp_path / "ckpt",
                               tmp_path / "out.npz", *args], env=env, capture_output=True,
                              text=True, timeout=300)

    killed = run("--kill", kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = run()
    assert failure in resumed.stdout, (resumed.stdout + resumed.stderr)[-2000:]


def _fitted(tmp_path, epochs=1, callbacks=()):
    generator, critic = tiny_toy_pair()
    gan = kw.WGANGP(generator=generator, critic=critic, latent_dim=2, seed=0)
    gan.compile()
    checkpoint = ResumableCheckpoint(tmp_path / "ckpt")
    points = kw.data.sample("ring8", 5 * 8 * 2, seed=0)
    gan.fit(points, batch_size=40, epochs=epochs, callbacks=[*callbacks, checkpoint], verbose=0)
    return gan, checkpoint, points


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    gan, checkpoint, points = _fitted(tmp_path)
    before = sorted(os.listdir(tmp_path / "ckpt"))
    assert checkpoint.latest()["epoch"] == 1

    def disk_full(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gan, "save_weights", disk_full)
    with pytest.raises(OSError, match=r"No space left on device\. The previous checkpoint \(epoch 1\) is intact"):
        gan.fit(points, batch_size=40, epochs=2, callbacks=[checkpoint], verbose=0)
    assert sorted(os.listdir(tmp_path / "ckpt")) == before  # no half-written file left
    assert checkpoint.latest()["epoch"] == 1


def test_an_h5py_error_keeps_the_previous_checkpoint_and_reads_as_one_line(tmp_path, monkeypatch):
    gan, checkpoint, points = _fitted(tmp_path)
    before = {p.name: p.read_bytes() for p in (tmp_path / "ckpt").iterdir()}

    def h5py_failure(target, *args, **kwargs):
        raise RuntimeError("Can't decrement id ref count (file write failed: time = Mon Nov 30\n"
                           ", filename = 'x.weights.h5', errno = 28, error message = 'No space')")

    monkeypatch.setattr(gan, "save_weights", h5py_failure)
    with pytest.raises(OSError, match=r"RuntimeError: Can't decrement id ref count \(file write "
                       r"failed: time = Mon Nov 30\. The previous checkpoint \(epoch 1\) is intact") as raised:
        gan.fit(points, batch_size=40, epochs=2, callbacks=[checkpoint], verbose=0)
    assert "\n" not in str(raised.value)
    assert {p.name: p.read_bytes() for p in (tmp_path / "ckpt").iterdir()} == before


def test_the_checkpoint_keeps_the_logs_of_every_epoch_across_resumes(tmp_path):
    gan, checkpoint, points = _fitted(tmp_path, epochs=2)
    first = checkpoint.saved_history()
    assert set(first) >= {"d_loss", "g_loss"} and all(len(v) == 2 for v in first.values())
    gan.fit(points, batch_size=40, epochs=3, callbacks=[checkpoint], verbose=0)  # resumes at 2
    history = ResumableCheckpoint(tmp_path / "ckpt").saved_history()
    assert all(len(v) == 3 and v[:2] == first[name] for name, v in history.items())


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_checkpoint_from_another_architecture_is_refused_in_one_line(tmp_path, recwarn):
    _fitted(tmp_path)
    before = _snapshot(tmp_path / "ckpt")
    generator = kw.architectures.mlp_generator(2, 2, 32, 2)
    critic = kw.architectures.mlp_critic(2, 32, 2)
    other = kw.WGANGP(generator=generator, critic=critic, latent_dim=2)
    other.compile()
    with pytest.raises(ValueError) as refused:
        other.fit(kw.data.sample("ring8", 40), batch_size=40,
                  callbacks=[ResumableCheckpoint(tmp_path / "ckpt")], verbose=0)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(
        f"{tmp_path / 'ckpt'} holds the checkpoint of a WGANGP with networks of other sizes "
        "(generator's hidden0/kernel is (2, 16) there, (2, 32) here): resume with the same "
        "model and sizes"), message
    assert int(other.generator_optimizer.iterations) == 0  # refused before any step
    assert _snapshot(tmp_path / "ckpt") == before
    # Keras's per-layer warnings of a failed load (16 lines on the command line) are not shown.
    assert not [w for w in recwarn if "could not be loaded" in str(w.message)
                or "Skipping" in str(w.message)]


def test_checkpoint_of_another_model_class_is_refused_even_where_its_weights_would_fit(tmp_path):
    """A GAN has the same variables as a WGAN-GP of the same networks: Keras would load the one
    into the other without a word, and train a GAN from a critic's weights."""
    _fitted(tmp_path)
    before = _snapshot(tmp_path / "ckpt")
    generator, critic = tiny_toy_pair()
    gan = kw.GAN(generator=generator, discriminator=critic, latent_dim=2, seed=0)
    gan.compile()
    with pytest.raises(ValueError, match=f"^{tmp_path / 'ckpt'} holds the checkpoint of a WGANGP "
                       "model, and this run trains a GAN: resume with the same model"):
        gan.fit(kw.data.sample("ring8", 40), batch_size=40,
                callbacks=[ResumableCheckpoint(tmp_path / "ckpt")], verbose=0)
    assert _snapshot(tmp_path / "ckpt") == before


def test_a_checkpoint_written_before_signatures_were_recorded_still_resumes(tmp_path, recwarn):
    gan, checkpoint, points = _fitted(tmp_path)
    metadata_path = tmp_path / "ckpt" / "training_metadata.json"
    metadata = json.loads(metadata_path.read_text())
    assert metadata.pop("model") == {"class": "WGANGP",
                                     "shapes": [list(v.shape) for v in gan.weights]}
    metadata_path.write_text(json.dumps(metadata))
    # Other sizes then fail inside Keras's load: one line still, without its warnings.
    other = kw.WGANGP(generator=kw.architectures.mlp_generator(2, 2, 32, 2),
                      critic=kw.architectures.mlp_critic(2, 32, 2), latent_dim=2)
    other.compile()
    with pytest.raises(ValueError, match="Cannot resume from .*different model or is damaged"):
        other.fit(points, batch_size=40, callbacks=[ResumableCheckpoint(tmp_path / "ckpt")],
                  verbose=0)
    assert not [w for w in recwarn if "Skipping" in str(w.message)
                or "could not be loaded" in str(w.message)], [str(w.message) for w in recwarn]
    gan.fit(points, batch_size=40, epochs=2, callbacks=[ResumableCheckpoint(tmp_path / "ckpt")],
            verbose=0)
    assert ResumableCheckpoint(tmp_path / "ckpt").latest()["epoch"] == 2


@keras.saving.register_keras_serializable(package="keras_wgan_tests")
class NaNAfterCalls(keras.layers.Layer):
    """Passes scores through, then returns NaN once it has been called `calls` times."""

    def __init__(self, calls, **kwargs):
        super().__init__(**kwargs)
        self.calls = calls
        self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x, training=False):
        if training:
            self.counter.assign_add(1.0)
        # Added, not multiplied, so gradients stay finite until the NaN appears.
        return x + keras.ops.where(self.counter > self.calls, np.nan, 0.0)


def test_non_finite_loss_stops_training_and_keeps_the_good_checkpoint(tmp_path):
    generator, _ = tiny_toy_pair()
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(1), NaNAfterCalls(60)])
    gan = kw.WGAN(generator=generator, critic=critic, latent_dim=2)
    gan.compile()
    checkpoint = ResumableCheckpoint(tmp_path / "ckpt")
    points = kw.data.sample("ring8", 5 * 8 * 2, seed=0)
    # 2 batches an epoch, each ~5 critic steps x 2 calls + 1 generator call: NaN in epoch 3.
    with pytest.raises(TrainingDiverged, match=r"'d_loss' became non-finite at generator step \d+"):
        gan.fit(points, batch_size=40, epochs=10, verbose=0,
                callbacks=[NonFiniteGuard(), checkpoint])
    epoch = checkpoint.latest()["epoch"]
    assert 1 <= epoch < 10
    # The kept checkpoint loads and is finite.
    gan.load_weights(tmp_path / "ckpt" / checkpoint.latest()["weights"])
    assert all(np.all(np.isfinite(v.numpy())) for v in gan.trainable_variables)


@pytest.mark.slow_on_jax  # 27 s there; make test runs it on TensorFlow and PyTorch
def test_cli_resumes_a_toy_run_from_its_checkpoint_folder(tmp_path):
    from keras_wgan.app import cli

    common = ["train", "--model", "wgan_gp", "--data", "toy:ring8", "--steps-per-epoch", "3",
              "--width", "8", "--checkpoint-dir", str(tmp_path / "ckpt")]
    assert cli.main(common + ["--epochs", "2", "--out", str(tmp_path / "first")]) == 0
    assert ResumableCheckpoint(tmp_path / "ckpt").latest()["epoch"] == 2
    assert cli.main(common + ["--epochs", "3", "--out", str(tmp_path / "second")]) == 0
    assert ResumableCheckpoint(tmp_path / "ckpt").latest()["generator_steps"] == 9
    # Only the third epoch ran, but the history holds all three, the first two as logged.
    first = json.loads((tmp_path / "first" / "history.json").read_text())
    history = json.loads((tmp_path / "second" / "history.json").read_text())
    assert set(history) == set(first) and all(len(v) == 3 for v in history.values())
    assert all(history[name][:2] == first[name] for name in first)


def test_cli_refuses_to_resume_another_models_checkpoint_in_one_line(tmp_path, capsys):
    from keras_wgan.app import cli

    common = ["train", "--data", "toy:ring8", "--steps-per-epoch", "2", "--width", "8",
              "--checkpoint-dir", str(tmp_path / "ckpt")]
    assert cli.main(common + ["--epochs", "1", "--out", str(tmp_path / "first")]) == 0
    before = _snapshot(tmp_path / "ckpt")
    capsys.readouterr()
    for changed, wanted in ((["--model", "gan"], "holds the checkpoint of a WGANGP model, and "
                                                 "this run trains a GAN"),
                            (["--width", "16"], "holds the checkpoint of a WGANGP with networks "
                                                "of other sizes (generator's hidden0/kernel is "
                                                "(128, 8) there, (128, 16) here)")):
        code = cli.main(common + changed + ["--epochs", "2", "--out", str(tmp_path / "again")])
        err = capsys.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1 and wanted in err, err
        assert err.rstrip().endswith("or start in a new checkpoint folder (--checkpoint-dir)")
    assert _snapshot(tmp_path / "ckpt") == before
    assert not (tmp_path / "again").exists()  # refused before any output was written


def test_cli_rerun_of_a_finished_run_says_so_and_claims_no_training(tmp_path, capsys):
    from keras_wgan.app import cli

    command = ["train", "--model", "wgan_gp", "--data", "toy:ring8", "--steps-per-epoch", "2",
               "--width", "8", "--epochs", "1", "--checkpoint-dir", str(tmp_path / "ckpt"),
               "--out", str(tmp_path / "out")]
    assert cli.main(command) == 0
    assert "trained wgan_gp for 1 epochs" in capsys.readouterr().out
    history = (tmp_path / "out" / "history.json").read_bytes()
    assert cli.main(command) == 0
    out = capsys.readouterr().out
    assert "nothing to do: all 1 epochs were already trained" in out
    assert "trained wgan_gp" not in out
    assert (tmp_path / "out" / "history.json").read_bytes() == history
