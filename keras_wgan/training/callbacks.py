"""Keras callbacks that let a user watch a GAN learn: sample grids, curves, TensorBoard images.

Every file they write is written atomically (`keras_wgan.atomic`): a kill or a full disk
leaves the previous version whole, a failed write stops training with one
`atomic.OutputWriteError`, and each callback removes, when training begins, the temporaries
a killed run left in its folder.
"""

import contextlib
import json
import os
import signal
import threading
import time

import keras
import numpy as np

from keras_wgan import atomic, plotting
from keras_wgan.checks import check_int


class SampleGrid(keras.callbacks.Callback):
    """After every ``every`` epochs, write ``directory/epoch_XXX.png`` from fixed noise.

    The noise is the same at every epoch (``seed``), so the grids show one set of samples
    evolving. Image models get an image grid; 2-D models a scatter plot against ``real``. A
    class-conditional model's grid has one class per row (`plotting.class_rows`: the first
    ``min(num_classes, n)`` classes, ``n // rows`` samples each); its 2-D samples are coloured
    by class, without the critic's contours (they depend on the class).

    Args:
        directory: where the PNGs go (created if missing).
        n: number of samples (a square number tiles best).
        seed: the fixed noise seed.
        every: epoch interval.
        real: for 2-D models, real points drawn under the samples.
    """

    def __init__(self, directory, n=64, seed=0, every=1, real=None):
        super().__init__()
        n, every = check_int(n, "n (samples per grid)"), check_int(every, "every (epochs)")
        self.directory, self.n, self.seed, self.every, self.real = directory, n, seed, every, real
        self.paths = []

    def on_train_begin(self, logs=None):
        atomic.remove_stale_temporaries(self.directory, prefix="epoch_")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        samples, labels, columns = plotting.model_samples(self.model, self.n, self.seed)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        if samples.ndim == 4:
            plotting.save_image_grid(samples, path, columns=columns)
        else:
            real = self.real if self.real is not None else samples[:0]
            critic = self.model.discriminator if labels is None else None
            plotting.save_toy_figure(path, real, samples, critic, title=f"epoch {epoch + 1}",
                                     labels=labels)
        self.paths.append(path)


class HistoryPlot(keras.callbacks.Callback):
    """Write the logs to ``json_path`` every epoch and redraw the curves to ``path`` at most
    every ``redraw_every`` seconds, and always when training ends.

    The JSON costs milliseconds; a Matplotlib redraw of every panel about 0.15-0.9 s, which
    an epoch of a few seconds should not pay each time.

    Args:
        path: the figure (PNG).
        title: its title.
        earlier: logs of the epochs trained before (a resumed run's), drawn first; the
            epochs of every `fit` this callback sees are appended after them.
        json_path: if given, the numbers are also written there as JSON each epoch.
        redraw_every: the least seconds between two redraws (0: every epoch). The first
            epoch is always drawn, so a run shows its curves early.
    """

    def __init__(self, path, title=None, earlier=None, json_path=None, redraw_every=30.0):
        super().__init__()
        self.path, self.title, self.json_path = path, title, json_path
        self.redraw_every = float(redraw_every)
        self.history = {name: list(values) for name, values in (earlier or {}).items()}
        self._drawn_at = None  # time.monotonic() of the last redraw; None: never drawn
        self._stale = False  # epochs logged since the last redraw

    def on_train_begin(self, logs=None):
        for path in filter(None, (self.path, self.json_path)):
            _remove_stale_temporaries_of(path)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if self.json_path:
            atomic.save(self.json_path, lambda: json.dumps(self.history, indent=2).encode(),
                        what="history ")
        self._stale = True
        if self._drawn_at is None or time.monotonic() - self._drawn_at >= self.redraw_every:
            self.draw()

    def on_train_end(self, logs=None):
        self.finish()

    def finish(self):
        """Draw the epochs logged since the last redraw (nothing if there are none)."""
        if self._stale:
            self.draw()

    def draw(self):
        plotting.plot_history(self.history, self.path, self.title)
        self._drawn_at, self._stale = time.monotonic(), False


class StopAtStepBoundary(keras.callbacks.Callback):
    """End `fit` at a step boundary on a step budget, a time budget, SIGINT or SIGTERM.

    Keras ends the epoch loop when ``model.stop_training`` is set after a batch, and still
    calls ``on_epoch_end``: the per-epoch outputs are written once for the cut-short epoch
    (`resume.ResumableCheckpoint` does not commit it as complete). Signals are handled only
    while `signals()` is entered: the first SIGINT or SIGTERM asks for the stop; a second
    one raises `Interrupted` at once.

    Args:
        max_steps: stop once this many generator steps are done (None: no limit), counting
            ``steps_done`` already taken (a resumed checkpoint's).
        minutes: stop at the first step boundary after this many minutes of `fit` (None: no
            limit).
        steps_done: generator steps trained before this `fit`.
    """

    def __init__(self, max_steps=None, minutes=None, steps_done=0):
        super().__init__()
        self.max_steps, self.minutes = max_steps, minutes
        self.steps = int(steps_done)  # generator steps, this fit's and earlier ones
        self.epoch = 0  # 1-based epoch of the last step
        self.reason = None  # "max_steps", "minutes", "SIGINT", "SIGTERM" once stopped
        self.cut_short = False  # whether the stop came before the epoch's last step
        self._deadline = None
        self._signal = None

    def on_train_begin(self, logs=None):
        if self.minutes is not None:
            self._deadline = time.monotonic() + 60.0 * self.minutes

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self._epoch_steps = epoch + 1, 0

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution, ``batch`` is the last step of the execution.
        self.steps += batch + 1 - self._epoch_steps
        self._epoch_steps = batch + 1
        reason = self._signal
        if reason is None and self.max_steps is not None and self.steps >= self.max_steps:
            reason = "max_steps"
        if reason is None and self._deadline is not None and time.monotonic() >= self._deadline:
            reason = "minutes"
        if reason is not None and self.reason is None:
            self.reason = reason
            planned = self.params.get("steps") if self.params else None
            self.cut_short = planned is None or self._epoch_steps < planned
            self.model.stop_training = True

    @property
    def stopped_by(self):
        """Why `fit` stopped early (None if it ran its epochs): a signal's name, "max_steps"
        or "minutes". A signal met after the last step of an epoch ends `fit` after that
        epoch (``cut_short`` stays False)."""
        return self.reason or self._signal

    @contextlib.contextmanager
    def signals(self):
        """Handle SIGINT and SIGTERM as a stop request inside the block (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
        previous = {s: signal.getsignal(s) for s in wanted}
        for number in wanted:
            signal.signal(number, self._on_signal)
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _on_signal(self, number, frame):
        name = signal.Signals(number).name
        if self._signal is not None:
            raise Interrupted(f"interrupted by a second {name}", 128 + number)
        self._signal = name
        if self.model is not None:  # a signal during a step: stop after it
            self.model.stop_training = True


class Interrupted(KeyboardInterrupt):
    """Training ended by a signal; ``exit_status`` is the shell's (128 + its number)."""

    def __init__(self, message, exit_status, history=None):
        super().__init__(message)
        self.exit_status, self.history = exit_status, history


class ModelFile(keras.callbacks.Callback):
    """Save the whole model to ``path`` (a ``.keras`` file) after every epoch, atomically.

    Keras's `ModelCheckpoint` writes straight onto the file, so a kill during the write leaves
    it truncated (0 bytes when caught early). Here the previous file stays until the new one
    is complete.
    """

    def __init__(self, path):
        super().__init__()
        self.path = os.fspath(path)

    def on_train_begin(self, logs=None):
        _remove_stale_temporaries_of(self.path)

    def on_epoch_end(self, epoch, logs=None):
        try:
            atomic.save_keras_file(self.path, self.model.save, ".keras")
        except Exception as error:
            raise atomic.failure(self.path, error, what="model ") from error


class TensorBoardSamples(keras.callbacks.Callback):
    """Log a grid of samples from fixed noise as a TensorBoard image every epoch.

    Use beside `keras.callbacks.TensorBoard(log_dir)` (which logs the scalars).
    """

    def __init__(self, log_dir, n=16, seed=0):
        super().__init__()
        self.log_dir, self.n, self.seed = log_dir, n, seed
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        samples, _, columns = plotting.model_samples(self.model, self.n, self.seed)
        if samples.ndim != 4:
            return
        grid = plotting.image_grid(samples, columns)[None].astype("float32") / 255.0
        with _tensorboard_writes(self.log_dir):
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with _tensorboard_writes(self.log_dir):
                writer.close()


class TensorBoard(keras.callbacks.TensorBoard):
    """Keras's `TensorBoard`, whose failed writes (a full disk) end training with one
    `atomic.OutputWriteError` instead of a TensorFlow traceback.

    Event files are appended to, not replaced, so a failure keeps the events written so far.
    """

    def set_model(self, model):
        with _tensorboard_writes(self.log_dir):  # opens the event file
            super().set_model(model)

    def on_train_begin(self, logs=None):
        with _tensorboard_writes(self.log_dir):
            super().on_train_begin(logs)

    def on_train_batch_end(self, batch, logs=None):
        with _tensorboard_writes(self.log_dir):  # the graph, after the first batch
            super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        with _tensorboard_writes(self.log_dir):
            super().on_epoch_end(epoch, logs)

    def on_test_end(self, logs=None):
        with _tensorboard_writes(self.log_dir):
            super().on_test_end(logs)

    def on_train_end(self, logs=None):
        with _tensorboard_writes(self.log_dir):
            super().on_train_end(logs)


@contextlib.contextmanager
def _tensorboard_writes(log_dir):
    import tensorflow as tf

    try:
        yield
    except tf.errors.OpError as error:
        # TensorFlow words it "{{function_node ...}} <event file>; <reason>" over several lines.
        reason = (error.message or type(error).__name__).strip().splitlines()[0].rsplit("; ", 1)[-1]
        raise atomic.OutputWriteError(
            f"Could not write TensorBoard logs in {log_dir}: {reason}. The events written so "
            f"far are kept: {atomic.FIX}."
        ) from error


def _remove_stale_temporaries_of(path):
    folder, name = os.path.split(os.fspath(path))
    atomic.remove_stale_temporaries(folder or ".", prefix=name + ".tmp-")
