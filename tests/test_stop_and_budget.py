"""A run's budget (--max-steps, --minutes) and its clean stop on SIGINT/SIGTERM: it ends at a
step boundary, writes history.json, the sample grid, curves.png and checkpoint.keras, and a
cut-short epoch is never committed to the resumable checkpoint as complete."""

import json
import os
import signal
import subprocess
import sys
import time

import keras
import pytest

from keras_wgan import training
from keras_wgan.app import cli
from keras_wgan.training import callbacks

TOY_RUN = dict(model="wgan_gp", data="toy:ring8", batch_size=16, latent_dim=2, width=8, seed=0,
               verbose=0)
CLI_TRAIN = [sys.executable, "-m", "keras_wgan", "train", "--data", "toy:ring8",
             "--batch-size", "16", "--latent-dim", "2", "--width", "8"]


def read_history(folder):
    return json.loads((folder / "history.json").read_text())


def metadata(checkpoint_dir):
    return json.loads((checkpoint_dir / "training_metadata.json").read_text())


def test_max_steps_ends_mid_epoch_writes_every_output_and_commits_only_complete_epochs(tmp_path):
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    gan, logs = training.run(out=str(out), epochs=5, steps_per_epoch=3, max_steps=4,
                             checkpoint_dir=str(ckpt), **TOY_RUN)
    assert int(gan.generator_optimizer.iterations.numpy()) == 4
    assert (logs.stopped_by, logs.generator_steps, logs.epoch, logs.cut_short) == (
        "max_steps", 4, 2, True)
    # Epoch 2 ran one of its 3 steps: its outputs are written once, its logs included...
    assert read_history(out) == logs and all(len(v) == 2 for v in logs.values())
    assert (out / "samples" / "epoch_002.png").is_file() and (out / "curves.png").is_file()
    keras.saving.load_model(out / "checkpoint.keras")  # whole and loadable
    # ...but the checkpoint keeps epoch 1, the last complete one, with its 3 steps.
    saved = metadata(ckpt)
    assert (saved["epoch"], saved["generator_steps"]) == (1, 3)
    assert all(len(v) == 1 for v in saved["history"].values())

    # A rerun with the same budget redoes epoch 2 from step 3 and stops at step 4 again.
    gan, logs = training.run(out=str(out), epochs=5, steps_per_epoch=3, max_steps=4,
                             checkpoint_dir=str(ckpt), **TOY_RUN)
    assert int(gan.generator_optimizer.iterations.numpy()) == 4
    assert logs.generator_steps == 4 and metadata(ckpt)["epoch"] == 1

    # A budget that ends on an epoch boundary commits that epoch; then nothing is left to do.
    training.run(out=str(out), epochs=5, steps_per_epoch=3, max_steps=6,
                 checkpoint_dir=str(ckpt), **TOY_RUN)
    assert (metadata(ckpt)["epoch"], metadata(ckpt)["generator_steps"]) == (2, 6)
    assert training.finished(str(ckpt), epochs=5, max_steps=6)
    assert not training.finished(str(ckpt), epochs=5, max_steps=7)
    before = (out / "history.json").read_bytes()
    gan, logs = training.run(out=str(out), epochs=5, steps_per_epoch=3, max_steps=6,
                             checkpoint_dir=str(ckpt), **TOY_RUN)
    assert int(gan.generator_optimizer.iterations.numpy()) == 6  # restored, not trained
    assert (out / "history.json").read_bytes() == before


def test_a_time_budget_stops_after_at_least_one_step(tmp_path):
    gan, logs = training.run(out=str(tmp_path), epochs=50, steps_per_epoch=4, minutes=0.001,
                             **TOY_RUN)
    steps = int(gan.generator_optimizer.iterations.numpy())
    assert logs.stopped_by == "minutes" and 1 <= steps == logs.generator_steps < 200
    assert len(read_history(tmp_path)["d_loss"]) == logs.epoch < 50


def test_without_a_budget_every_epoch_runs(tmp_path):
    gan, logs = training.run(out=str(tmp_path), epochs=2, steps_per_epoch=2, **TOY_RUN)
    assert logs.stopped_by is None and logs.generator_steps == 4 and not logs.cut_short
    assert int(gan.generator_optimizer.iterations.numpy()) == 4


@pytest.mark.parametrize("bad,error", [(dict(max_steps=0), ValueError),
                                       (dict(max_steps=2.5), ValueError),
                                       (dict(minutes=0), ValueError),
                                       (dict(minutes="5"), TypeError)])
def test_bad_budgets_are_refused_before_anything_is_written(bad, error, tmp_path):
    with pytest.raises(error, match=next(iter(bad))) as raised:
        training.run(out=str(tmp_path / "out"), epochs=1, steps_per_epoch=1, **TOY_RUN, **bad)
    assert "\n" not in str(raised.value) and not (tmp_path / "out").exists()


def test_a_signal_stops_at_the_next_step_and_a_second_one_at_once(tmp_path):
    out = tmp_path / "out"

    class SignalAtStep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if self.model.generator_optimizer.iterations.numpy() == 4:
                os.kill(os.getpid(), signal.SIGINT)  # handled between two bytecodes

    gan = training.build_model("wgan_gp", (2,), latent_dim=2, width=8, seed=0)
    training.compile_model(gan)
    from keras_wgan import data

    dataset = data.toy_dataset("ring8", 16 * 5, seed=0)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(callbacks.Interrupted) as raised:
        training.train(gan, dataset, str(out), epochs=5, steps_per_epoch=3, verbose=0,
                       extra_callbacks=[SignalAtStep()])
    assert signal.getsignal(signal.SIGINT) is before  # restored
    assert raised.value.exit_status == 130
    assert str(raised.value) == (f"stopped by SIGINT at generator step 5 (epoch 2): outputs "
                                 f"written to {out}/")
    assert int(gan.generator_optimizer.iterations.numpy()) == 5
    assert read_history(out) == raised.value.history and (out / "checkpoint.keras").is_file()

    stop = callbacks.StopAtStepBoundary()
    with stop.signals():
        stop._on_signal(signal.SIGTERM, None)
        assert stop.stopped_by == "SIGTERM"
        with pytest.raises(callbacks.Interrupted) as raised:
            stop._on_signal(signal.SIGINT, None)
    assert raised.value.exit_status == 130 and "second SIGINT" in str(raised.value)


def wait_for(path, process, seconds=240):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


@pytest.mark.parametrize("signal_name,status", [("SIGINT", 130), ("SIGTERM", 143)])
def test_the_command_line_stops_cleanly_on_a_signal(signal_name, status, tmp_path):
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen(
        CLI_TRAIN + ["--epochs", "1000", "--steps-per-epoch", "5", "--out", str(out),
                     "--checkpoint-dir", str(ckpt)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for(out / "history.json", process)  # the first epoch is written
        process.send_signal(getattr(signal, signal_name))
        stdout, stderr = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("keras-wgan train:")]
    assert "Traceback" not in stderr and len(lines) == 1, stderr
    assert lines[0].startswith(f"keras-wgan train: stopped by {signal_name} at generator step ")
    assert lines[0].endswith(f"outputs written to {out}/")
    history = read_history(out)
    assert set(history) >= {"d_loss", "g_loss"} and 1 <= len(history["d_loss"]) < 1000
    keras.saving.load_model(out / "checkpoint.keras")
    committed = metadata(ckpt)
    # Only complete epochs are committed: 5 steps each, and no more than history.json shows.
    assert committed["generator_steps"] == 5 * committed["epoch"]
    assert 1 <= committed["epoch"] <= len(history["d_loss"])


def test_a_step_budget_on_the_command_line_says_where_it_stopped(tmp_path, capsys):
    status = cli.main(["train", "--data", "toy:ring8", "--batch-size", "16", "--latent-dim",
                       "2", "--width", "8", "--epochs", "4", "--steps-per-epoch", "2",
                       "--max-steps", "3", "--out", str(tmp_path)])
    assert status == 0
    stdout = capsys.readouterr().out
    assert "stopped wgan_gp at generator step 3 (--max-steps 3, epoch 2)" in stdout
    assert len(read_history(tmp_path)["d_loss"]) == 2


def test_a_checkpoint_deleted_at_the_end_is_kept_when_the_run_stopped_mid_epoch(tmp_path):
    from keras_wgan import data
    from keras_wgan.training.resume import ResumableCheckpoint

    def fit(max_steps):
        gan = training.compile_model(training.build_model("wgan_gp", (2,), latent_dim=2,
                                                          width=8, seed=0))
        gan.fit(data.toy_dataset("ring8", 16 * 5, seed=0), epochs=2, steps_per_epoch=2,
                verbose=0, callbacks=[callbacks.StopAtStepBoundary(max_steps=max_steps),
                                      ResumableCheckpoint(tmp_path / "ckpt",
                                                          delete_checkpoint=True)])

    fit(max_steps=3)  # epoch 1 committed, epoch 2 cut short after 1 of its 2 steps
    assert metadata(tmp_path / "ckpt")["epoch"] == 1
    fit(max_steps=4)  # resumes, finishes epoch 2: the run is complete and the folder goes
    assert not (tmp_path / "ckpt").exists()
