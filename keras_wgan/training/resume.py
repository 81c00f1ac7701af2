"""Training that survives `kill -9`: atomic checkpoints, resume, and a guard against NaN/Inf.

`ResumableCheckpoint` is Keras's `BackupAndRestore` with crash-safe writes. Each save writes
the whole training state (both networks, both optimizers' slots and iteration counts, the
noise and penalty seed-generator states) to ``epoch-NNNNN.weights.h5`` through a temporary
file and `os.replace` (`keras_wgan.atomic`), then commits it by atomically replacing
``training_metadata.json``, which names the file and the epoch and keeps the logs of every
completed epoch and the model's class and variable shapes (`model_signature`: another model is
refused before it loads a thing, `check_same_model`). A kill at any instant leaves the
metadata pointing at a complete file; `fit` with the same callback resumes from it. A failed
write (a full disk) raises one `atomic.OutputWriteError` and keeps the previous checkpoint.

`NonFiniteGuard` stops training the moment a logged loss, the penalty or a weight stops
being finite, naming the quantity and the step; placed before the checkpoint callback, it
keeps the bad state from ever being saved.
"""

import contextlib
import glob
import json
import os
import warnings

import keras
import numpy as np

from keras_wgan import atomic, jsonfile

METADATA = "training_metadata.json"


class TrainingDiverged(RuntimeError):
    """Raised by `NonFiniteGuard` when a loss, the penalty or a weight turns NaN/Inf."""


class ResumableCheckpoint(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` whose saves are atomic, so a crash never corrupts the last checkpoint.

    The metadata also keeps every completed epoch's logs (`history`), so a resumed run can
    report and plot the whole training, not only its own epochs.

    Args:
        backup_dir: the checkpoint folder (created).
        save_freq: ``"epoch"`` or every N batches (resuming restarts the interrupted epoch).
        delete_checkpoint: remove the folder when training ends (default False, so rerunning a
            finished command is a no-op rather than a fresh start).
        keep: how many older checkpoint files to keep beside the current one.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=False, keep=1):
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=delete_checkpoint)
        self.keep = int(keep)
        self._metadata_path = os.path.join(backup_dir, METADATA)
        self.history = {}

    def latest(self):
        """The committed metadata dict, or None when there is no checkpoint yet."""
        if not os.path.exists(self._metadata_path):
            return None
        try:
            return jsonfile.load(self._metadata_path)
        except jsonfile.JsonFileError as error:
            raise ValueError(f"{self._metadata_path} {error}: use a new checkpoint folder or "
                             "delete this one.") from None

    def saved_history(self):
        """The logs of the epochs the committed checkpoint has trained (``{}`` if none)."""
        return completed_history(self.latest())

    def on_train_begin(self, logs=None):
        atomic.remove_stale_temporaries(self.backup_dir)
        self.history = {}
        self._load_model()

    def on_epoch_begin(self, epoch, logs=None):
        self._steps_this_epoch, self._unfinished = 0, False

    def on_train_batch_end(self, batch, logs=None):
        self._steps_this_epoch = batch + 1  # the last step's index + 1 (steps_per_execution)
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._unfinished = self._cut_short()
        if self._unfinished:
            # Stopped mid-epoch (a step budget, Ctrl-C): Keras still ends the epoch, but
            # committing it would make a rerun skip the steps it never trained. The last
            # complete epoch stays the checkpoint; a rerun redoes this one.
            return
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        super().on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        # With delete_checkpoint, a run stopped mid-epoch keeps its checkpoint to resume from.
        if not getattr(self, "_unfinished", False):
            super().on_train_end(logs)

    def _cut_short(self):
        """Whether `fit` stopped this epoch before its last step (unknown length: assumed)."""
        if not getattr(self.model, "stop_training", False):
            return False
        planned = (self.params or {}).get("steps")
        return planned is None or getattr(self, "_steps_this_epoch", 0) < planned

    # Why `_load_model` and `_save_model` (private hooks of `BackupAndRestore`) are overridden
    # rather than using the public ``BackupAndRestore(double_checkpoint=True)`` of the pinned
    # Keras (3.15.1): it writes ``latest.weights.h5`` and then ``training_metadata.json`` in
    # place, so a kill -9 between the two writes resumes epoch N+1's weights as epoch N (that
    # epoch is trained twice: 30 generator steps instead of 24 in
    # tests/scripts/keras_backup_run.py), and a kill inside the metadata write leaves an empty
    # file that fails the resume with a JSONDecodeError (its ``.bkp`` fallback catches only
    # OSError). tests/test_resume.py checks both, so a Keras that fixes them shows:
    # `test_keras_public_backup_and_restore_still_loses_a_kill_during_its_save`. Here the
    # weights go to a new file, the metadata naming it is the atomic commit, and it also keeps
    # the history and generator steps. `_current_epoch`, `_last_batch_seen`: the parent's counters.
    def _load_model(self):
        metadata = self.latest()
        if metadata is None:
            return
        check_same_model(metadata.get("model"), self.model, self.backup_dir)
        path = os.path.join(self.backup_dir, metadata["weights"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.model.load_weights(path)
            except Exception as error:
                # Keras warns once per layer it could not match before it fails (16 lines for
                # a width change): the error below says it all.
                raise ValueError(
                    f"Cannot resume from {path} ({type(error).__name__}: "
                    f"{str(error).splitlines()[0] if str(error) else ''}): it was written by "
                    "a different model or is damaged; use a new checkpoint folder or delete "
                    "this one."
                ) from None
        for warning in caught:  # a load that worked keeps what Keras had to say
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        self.model._initial_epoch = int(metadata["epoch"])
        self.history = completed_history(metadata)

    def _save_model(self):
        # A mid-epoch save gets its own file: overwriting the committed one would leave the
        # metadata naming a file whose content changed under it.
        name = f"epoch-{self._current_epoch:05d}"
        if self.save_freq != "epoch" and self._last_batch_seen:
            name += f"-batch-{self._last_batch_seen:06d}"
        name += ".weights.h5"
        path = os.path.join(self.backup_dir, name)
        previous = self.latest()
        metadata = {
            "epoch": self._current_epoch,
            "batch": self._last_batch_seen,
            "weights": name,
            "generator_steps": _steps(self.model),
            "history": self.history,
            "model": model_signature(self.model),
        }
        try:
            atomic.save_keras_file(path, self.model.save_weights, ".weights.h5")
            atomic.replace(self._metadata_path, json.dumps(metadata).encode())
        except Exception as error:
            # Any error, not only OSError: h5py reports failed writes as RuntimeError.
            if previous is None or previous["weights"] != name:
                with contextlib.suppress(OSError):
                    os.remove(path)  # written, but never committed
            kept = (f"The previous checkpoint (epoch {previous['epoch']}) is intact" if previous
                    else "No partial checkpoint was left")
            raise atomic.failure(
                path, error, what="checkpoint ", kept=kept,
                fix="free disk space or choose another folder, then rerun to resume",
            ) from error
        self._remove_old(name)

    def _remove_old(self, current):
        files = glob.glob(os.path.join(self.backup_dir, "epoch-*.weights.h5"))
        older = sorted((f for f in files if os.path.basename(f) != current),
                       key=lambda f: (os.path.getmtime(f), f))
        for f in older[: max(0, len(older) - self.keep)]:
            os.remove(f)


def model_signature(model):
    """What a checkpoint's weights fit: the model's class and its variables' shapes, in the
    order `load_weights` matches them (names are not compared: Keras numbers unnamed layers
    per process)."""
    return {"class": type(model).__name__,
            "shapes": [list(map(int, variable.shape)) for variable in model.weights]}


def check_same_model(saved, model, backup_dir):
    """A one-line ValueError when checkpoint metadata's `model_signature` (``saved``; None for a
    checkpoint written before it was recorded) is not ``model``'s: another model class would
    load without complaint when its variables have the same shapes (a WGAN-GP's weights into
    a GAN), and other sizes fail inside Keras."""
    if saved is None:
        return
    here = model_signature(model)
    fix = ("resume with the same model and sizes (--model, --width, --latent-dim, "
           "--image-size...), or start in a new checkpoint folder (--checkpoint-dir)")
    if saved["class"] != here["class"]:
        raise ValueError(f"{backup_dir} holds the checkpoint of a {saved['class']} model, and "
                         f"this run trains a {here['class']}: {fix}")
    if saved["shapes"] != here["shapes"]:
        networks = [getattr(model, name, None) for name in ("generator", "discriminator")]
        owner = {id(variable): f"{network.name}'s " for network in networks if network is not None
                 for variable in network.weights}
        differ = [(owner.get(id(variable), "") + variable.path, tuple(there),
                   tuple(variable.shape))
                  for variable, there in zip(model.weights, saved["shapes"])
                  if list(there) != list(variable.shape)]
        detail = (f"{differ[0][0]} is {differ[0][1]} there, {differ[0][2]} here" if differ else
                  f"{len(saved['shapes'])} variables there, {len(here['shapes'])} here")
        raise ValueError(f"{backup_dir} holds the checkpoint of a {saved['class']} with networks "
                         f"of other sizes ({detail}): {fix}")


def completed_history(metadata):
    """The per-epoch logs recorded in checkpoint ``metadata``, cut to its completed epochs.

    Checkpoints written before the history was recorded give ``{}``.
    """
    if not metadata:
        return {}
    epochs = int(metadata["epoch"])
    return {name: list(values[:epochs]) for name, values in metadata.get("history", {}).items()}


def _steps(model):
    optimizer = getattr(model, "generator_optimizer", None)
    return int(optimizer.iterations.numpy()) if optimizer is not None else None


class NonFiniteGuard(keras.callbacks.Callback):
    """Stop training with `TrainingDiverged` when a logged quantity or a weight is NaN/Inf.

    Logged quantities (``d_loss``, ``g_loss``, ``gradient_penalty``, ...) are checked after
    every batch; the weights of both networks every ``weights_every`` batches and at each
    epoch end. Put it *before* checkpoint callbacks so a diverged state is never saved.
    """

    def __init__(self, weights_every=50):
        super().__init__()
        self.weights_every = int(weights_every)

    def _fail(self, what):
        step = _steps(self.model)
        raise TrainingDiverged(
            f"{what} became non-finite at generator step {step}: training stopped and the "
            "last good checkpoint is kept; lower the learning rate or check the data."
        )

    def _check_logs(self, logs):
        for name, value in (logs or {}).items():
            if not np.all(np.isfinite(np.asarray(value, dtype="float64"))):
                self._fail(f"'{name}'")

    def _check_weights(self):
        for variable in self.model.trainable_variables:
            if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
                self._fail(f"weight '{variable.path}'")

    def on_train_batch_end(self, batch, logs=None):
        self._check_logs(logs)
        if self.weights_every and (batch + 1) % self.weights_every == 0:
            self._check_weights()

    def on_epoch_end(self, epoch, logs=None):
        self._check_logs(logs)
        self._check_weights()
