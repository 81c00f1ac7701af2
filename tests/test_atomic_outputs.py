"""Every training output is written atomically.

A failed write (a full disk, h5py, PIL or Matplotlib) keeps the previous file byte for byte,
leaves no temporary and ends training with one line; a kill -9 in the middle of a write
keeps the previous file, and the next run removes the temporary; a resumed run's history
holds every epoch; rerunning a finished run changes nothing.
"""

import errno
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan import atomic, plotting, training
from keras_wgan.training import callbacks
from keras_wgan.training.resume import ResumableCheckpoint
from tests.conftest import tiny_toy_pair

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

SCRIPTS = pathlib.Path(__file__).parent / "scripts"
TOY_RUN = dict(model="wgan_gp", data="toy:ring8", steps_per_epoch=2, batch_size=16,
               latent_dim=2, width=8, seed=0, verbose=0)
CLI_TRAIN = [sys.executable, "-m", "keras_wgan", "train", "--data", "toy:ring8",
             "--steps-per-epoch", "2", "--batch-size", "16", "--latent-dim", "2", "--width", "8"]


def snapshot(*folders):
    """``{path: bytes}`` of every file under ``folders`` but TensorBoard's event files."""
    return {str(p): p.read_bytes() for folder in folders for p in sorted(pathlib.Path(folder).rglob("*"))
            if p.is_file() and "tensorboard" not in p.parts}


def temporaries(*folders):
    return [str(p) for folder in folders for p in pathlib.Path(folder).rglob("*.tmp-*")]


def disk_full_after_half(path, data):
    """Stands in for the file write when the disk fills half way through it."""
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def gan():
    generator, critic = tiny_toy_pair(width=8)
    model = kw.WGANGP(generator=generator, critic=critic, latent_dim=2, seed=0)
    model.compile()
    model.fit(kw.data.sample("ring8", 80, seed=0), batch_size=80, epochs=1, verbose=0)
    return model


def write_image_grid(folder, gan):
    return plotting.save_image_grid(np.zeros((4, 8, 8, 1)), folder / "grid.png")


def write_toy_samples(folder, gan):
    grid = callbacks.SampleGrid(folder / "samples", n=16, real=kw.data.sample("ring8", 16))
    grid.set_model(gan)
    grid.on_epoch_end(0)
    return grid.paths[-1]


def write_curves_and_history(folder, gan):
    plot = callbacks.HistoryPlot(folder / "curves.png", json_path=folder / "history.json")
    plot.on_epoch_end(0, {"d_loss": 1.0, "g_loss": 2.0})
    return folder / "history.json"  # written first, so the disk fills on it


def write_model_file(folder, gan):
    model_file = callbacks.ModelFile(folder / "checkpoint.keras")
    model_file.set_model(gan)
    model_file.on_epoch_end(0)
    return model_file.path


def write_resumable_checkpoint(folder, gan):
    checkpoint = ResumableCheckpoint(folder / "ckpt")
    checkpoint.set_model(gan)
    checkpoint._current_epoch = 1  # the same file each time, as when a failed epoch is redone
    checkpoint._save_model()
    return folder / "ckpt" / "epoch-00001.weights.h5"


WRITERS = [write_image_grid, write_toy_samples, write_curves_and_history, write_model_file,
           write_resumable_checkpoint]


@pytest.mark.parametrize("write", WRITERS, ids=[w.__name__[6:] for w in WRITERS])
def test_a_full_disk_keeps_the_previous_file_and_raises_one_line(write, gan, tmp_path, monkeypatch):
    path = write(tmp_path, gan)
    before = snapshot(tmp_path)
    assert before[str(path)]

    monkeypatch.setattr(atomic, "_write_synced", disk_full_after_half)
    with pytest.raises(atomic.OutputWriteError) as raised:
        write(tmp_path, gan)
    message = str(raised.value)
    assert "\n" not in message and os.path.basename(path) in message
    assert "No space left on device" in message and "free disk space" in message
    assert raised.value.errno == errno.ENOSPC and isinstance(raised.value, OSError)
    assert snapshot(tmp_path) == before  # the same files, byte for byte
    assert temporaries(tmp_path) == []


# What h5py raises when the disk fills under it: a RuntimeError over several lines.
H5PY_ERROR = RuntimeError(
    "Can't decrement id ref count (file write failed: time = Mon Nov 30 09:52:48 2026\n"
    ", filename = 'x.weights.h5', file descriptor = 4, errno = 28, error message = "
    "'No space left on device', buf = 0x5598, total write size = 256)")


@pytest.mark.parametrize("write,saver", [(write_model_file, "save"),
                                         (write_resumable_checkpoint, "save_weights")])
def test_any_error_from_a_keras_saver_keeps_the_previous_file(write, saver, gan, tmp_path, monkeypatch):
    path = write(tmp_path, gan)
    before = snapshot(tmp_path)

    def failing_saver(target, *args, **kwargs):
        with open(target, "wb") as f:  # a saver that writes the path itself, then fails
            f.write(b"half a file")
        raise H5PY_ERROR

    monkeypatch.setattr(gan, saver, failing_saver)
    with pytest.raises(atomic.OutputWriteError, match=r"RuntimeError: Can't decrement id ref count") as raised:
        write(tmp_path, gan)
    assert "\n" not in str(raised.value) and os.path.basename(path) in str(raised.value)
    assert snapshot(tmp_path) == before and temporaries(tmp_path) == []


def draw_grid(path):
    return plotting.save_image_grid(np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)), path)


def draw_curves(path):
    return plotting.plot_history({"d_loss": list(np.random.default_rng(0).normal(size=3))}, path)


@pytest.mark.parametrize("draw,target,error", [
    (draw_grid, "PIL.Image.Image.save", OSError("cannot write mode P as PNG")),
    (draw_curves, "matplotlib.figure.Figure.savefig",
     ValueError("Image size of 400x9000000 pixels is too large")),
], ids=["pil", "matplotlib"])
def test_a_failed_render_keeps_the_previous_picture(draw, target, error, tmp_path, monkeypatch):
    path = draw(tmp_path / "picture.png")
    before = snapshot(tmp_path)

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(target, fail)
    with pytest.raises(atomic.OutputWriteError, match=re.escape(str(error))) as raised:
        draw(path)
    assert "\n" not in str(raised.value) and "picture.png" in str(raised.value)
    assert snapshot(tmp_path) == before and temporaries(tmp_path) == []


def test_a_picture_keeps_the_format_its_name_asks_for(tmp_path):
    plotting.save_image_grid(np.zeros((4, 8, 8, 3)), tmp_path / "grid.jpg")
    plotting.save_image_grid(np.zeros((4, 8, 8, 3)), tmp_path / "grid.png")
    assert (tmp_path / "grid.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


def dead_pid():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_a_run_removes_the_temporaries_killed_runs_left_and_nothing_else(tmp_path):
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    dead, alive = dead_pid(), writer.pid
    stale = [out / f"checkpoint.keras.tmp-{dead}.keras", out / f"curves.png.tmp-{dead}",
             out / f"history.json.tmp-{dead}", out / "samples" / f"epoch_002.png.tmp-{dead}",
             ckpt / f"epoch-00003.weights.h5.tmp-{dead}.weights.h5",
             ckpt / f"training_metadata.json.tmp-{dead}"]
    kept = [out / f"curves.png.tmp-{alive}",  # another live process's
            out / "notes.txt", out / "samples" / f"mine.tmp-{dead}.txt"]  # not ours
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")

    try:
        training.run(out=str(out), epochs=1, checkpoint_dir=str(ckpt), **TOY_RUN)
    finally:
        writer.kill()
        writer.wait()
    assert [p for p in stale if p.exists()] == []
    assert all(p.read_bytes() == b"left behind" for p in kept)
    assert (out / "checkpoint.keras").is_file() and (ckpt / "training_metadata.json").is_file()


@pytest.mark.slow_on_jax  # 54 s there; make test runs it on TensorFlow and PyTorch
def test_a_resumed_run_keeps_the_history_of_every_epoch_and_a_fresh_one_replaces_it(tmp_path, monkeypatch):
    straight = training.run(out=str(tmp_path / "straight"), epochs=3, **TOY_RUN)[1]

    first = training.run(out=str(tmp_path / "run"), epochs=1, checkpoint_dir=str(tmp_path / "ckpt"),
                         **TOY_RUN)[1]
    drawn = []
    draw = plotting.plot_history

    def record_and_draw(history, *args, **kwargs):
        drawn.append({name: list(values) for name, values in history.items()})
        return draw(history, *args, **kwargs)

    monkeypatch.setattr(plotting, "plot_history", record_and_draw)
    resumed = training.run(out=str(tmp_path / "run"), epochs=3, checkpoint_dir=str(tmp_path / "ckpt"),
                           **TOY_RUN)[1]

    saved = json.loads((tmp_path / "run" / "history.json").read_text())
    assert saved == resumed
    assert set(saved) == set(straight) == {"d_loss", "g_loss", "wasserstein", "gradient_penalty"}
    assert all(len(saved[name]) == len(straight[name]) == 3 for name in saved)
    assert all(saved[name][:1] == first[name] for name in saved)  # epoch 1 as first logged
    assert all(len(values) == 3 for values in drawn[-1].values())  # curves.png: all epochs

    # Without a checkpoint folder a rerun starts afresh, and its history replaces the old one.
    training.run(out=str(tmp_path / "straight"), epochs=1, **TOY_RUN)
    history = json.loads((tmp_path / "straight" / "history.json").read_text())
    assert all(len(values) == 1 for values in history.values())


def test_rerunning_a_finished_run_changes_nothing_and_says_so(tmp_path, capsys):
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    gan, history = training.run(out=str(out), epochs=2, checkpoint_dir=str(ckpt), **TOY_RUN)
    samples = gan.generate(8, seed=1)
    files = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in [*out.rglob("*"), *ckpt.rglob("*")]
             if p.is_file()}
    capsys.readouterr()

    again, logs = training.run(out=str(out), epochs=2, checkpoint_dir=str(ckpt), **TOY_RUN)
    assert "nothing to do: all 2 epochs were already trained" in capsys.readouterr().out
    assert logs == history == json.loads((out / "history.json").read_text())
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in [*out.rglob("*"), *ckpt.rglob("*")]
             if p.is_file()}
    assert after == files  # same files, bytes and modification times
    np.testing.assert_array_equal(again.generate(8, seed=1), samples)  # the trained state


def cli(*args, preexec_fn=None):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([*CLI_TRAIN, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=300, preexec_fn=preexec_fn)


def error_lines(stderr):
    """stderr without TensorFlow's start-up chatter (absl's "I0000 ..." lines and its warning)."""
    return [line for line in stderr.splitlines()
            if line.strip() and not re.match(r"([IWE]\d{4} |WARNING: All log messages before absl)", line)]


def assert_one_line_write_error(result):
    assert result.returncode == 2, result.stderr[-3000:]  # not 139/-11: no native crash
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith("keras-wgan train: error: Could not write "), lines[0]


@pytest.mark.slow_on_jax  # 26-38 s there; make test runs it on TensorFlow and PyTorch
def test_a_file_size_limit_ends_training_with_one_line_and_keeps_every_file(tmp_path):
    """RLIMIT_FSIZE makes writes past 40 kB fail with EFBIG, as a full disk would (no root
    needed). Before, h5py's write of the checkpoint crashed the process (exit -11)."""
    out, ckpt = tmp_path / "out", tmp_path / "ckpt"
    training.run(out=str(out), epochs=1, checkpoint_dir=str(ckpt), **TOY_RUN)
    before = snapshot(out, ckpt)

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    limited = cli("--epochs", 2, "--out", out, "--checkpoint-dir", ckpt, preexec_fn=limit_file_size)
    assert_one_line_write_error(limited)
    assert "File too large" in limited.stderr and "epoch 1) is intact" in limited.stderr
    assert snapshot(out, ckpt) == before
    assert temporaries(out, ckpt) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: a disk that really fills. Needs root and a mount the system allows."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs root to mount a tmpfs (the RLIMIT_FSIZE test covers it)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk, leave_kb):
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave_kb * 1024))


@pytest.mark.slow_on_jax  # 26-38 s there; make test runs it on TensorFlow and PyTorch
def test_a_full_disk_ends_training_with_one_line_keeps_every_file_and_resumes(small_disk):
    out, ckpt = small_disk / "out", small_disk / "ckpt"
    training.run(out=str(out), epochs=1, checkpoint_dir=str(ckpt), **TOY_RUN)
    before = snapshot(out, ckpt)

    fill(small_disk, leave_kb=24)  # room for TensorBoard's first events, not a checkpoint
    full = cli("--epochs", 3, "--out", out, "--checkpoint-dir", ckpt)
    assert_one_line_write_error(full)
    assert "No space left on device" in full.stderr
    assert snapshot(out, ckpt) == before
    assert temporaries(out, ckpt) == []

    (small_disk / "filler").unlink()
    training.run(out=str(out), epochs=3, checkpoint_dir=str(ckpt), **TOY_RUN)
    history = json.loads((out / "history.json").read_text())
    assert all(len(values) == 3 for values in history.values())


def run_blocked(log, *args):
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")
    with open(log, "w") as stderr:  # a file, not a pipe that could fill and stall the run
        return subprocess.Popen([sys.executable, str(SCRIPTS / "blocked_write_run.py"),
                                 *map(str, args)], env=env, stdout=subprocess.DEVNULL, stderr=stderr)


@pytest.mark.parametrize("name,folder", [
    pytest.param("checkpoint.keras", "out", marks=pytest.mark.slow_on_jax),  # 42 s there
    pytest.param("training_metadata.json", "ckpt", marks=pytest.mark.slow_on_jax),  # 24 s there
])
def test_a_kill_during_a_write_keeps_the_previous_file(name, folder, tmp_path):
    out, ckpt, ready, log = tmp_path / "out", tmp_path / "ckpt", tmp_path / "ready", tmp_path / "log"
    process = run_blocked(log, out, ckpt, "--block", name, "--ready", ready)
    deadline = time.monotonic() + 300
    while not ready.exists():
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the run never reached the blocked write"
        time.sleep(0.2)
    before = snapshot(out, ckpt)
    process.send_signal(signal.SIGKILL)  # in the middle of epoch 2's write, like kill -9
    process.wait(timeout=60)

    assert snapshot(out, ckpt) == before  # nothing moved: the temporary is all the kill left
    left = temporaries(tmp_path / folder)
    assert [pathlib.Path(p).name.split(".tmp-")[0] for p in left] == [name]
    if name == "checkpoint.keras":
        keras.saving.load_model(out / name)  # epoch 1's file, whole
    else:
        assert ResumableCheckpoint(ckpt).latest()["epoch"] == 1  # the last commit holds

    training.run(out=str(out), epochs=3, checkpoint_dir=str(ckpt), **TOY_RUN)  # as the script
    assert temporaries(out, ckpt) == []
    keras.saving.load_model(out / "checkpoint.keras")
    assert ResumableCheckpoint(ckpt).latest()["epoch"] == 3
    history = json.loads((out / "history.json").read_text())
    assert all(len(values) == 3 for values in history.values())
