"""`resumable_run.py`'s run with Keras's public ``BackupAndRestore(double_checkpoint=True)`` in
place of `ResumableCheckpoint`, SIGKILLed at one instant of its second save (end of epoch 2).

    python keras_backup_run.py CHECKPOINT_DIR RESULT.npz [--kill weights-written|mid-metadata]

``weights-written``: after ``save_weights`` returned, before the metadata is written;
``mid-metadata``: after ``training_metadata.json`` was opened for writing (truncated), before
the write. Rerunning without ``--kill`` resumes; a failed resume prints ``RESUME FAILED: ...``
and exits 3. Prints ``steps N`` (generator steps trained in all) on success.
"""

import argparse
import os
import signal

import keras
from keras.src.utils import file_utils  # what BackupAndRestore writes its metadata through

from resumable_run import fit_and_save, seeded_run  # the script's folder is on sys.path


def kill_on_second(calls):
    calls["n"] += 1
    if calls["n"] == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: like kill -9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint_dir")
    parser.add_argument("result")
    parser.add_argument("--kill", choices=["weights-written", "mid-metadata"])
    args = parser.parse_args()

    gan, points = seeded_run()
    backup = keras.callbacks.BackupAndRestore(args.checkpoint_dir, double_checkpoint=True,
                                              delete_checkpoint=False)
    calls = {"n": 0}
    if args.kill == "weights-written":
        save_weights = gan.save_weights

        def save_then_die(*a, **k):
            save_weights(*a, **k)
            kill_on_second(calls)

        gan.save_weights = save_then_die
    elif args.kill == "mid-metadata":
        open_file = file_utils.File

        def open_then_die(path, mode="r"):
            handle = open_file(path, mode)
            if "w" in mode and os.fspath(path).endswith("training_metadata.json"):
                kill_on_second(calls)
            return handle

        file_utils.File = open_then_die
    try:
        fit_and_save(gan, points, [backup], args.result)
    except Exception as error:  # noqa: BLE001 -- reported to the test in one line
        print(f"RESUME FAILED: {type(error).__name__}: {error}")
        raise SystemExit(3) from None
    print(f"steps {int(gan.generator_optimizer.iterations.numpy())}")


if __name__ == "__main__":
    main()
