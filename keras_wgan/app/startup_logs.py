"""Quiet command start-up: TensorFlow's native banner held back, every other line kept.

Importing TensorFlow 2.21 writes, from C++ straight to file descriptor 2, about six lines
before a command prints anything of its own: absl's "All log messages before
absl::InitializeLog() is called are written to STDERR" (twice: two shared libraries each
carry absl), the oneDNN notice (twice) and the CPU-instructions notice. ``TF_CPP_MIN_LOG_LEVEL``
does not reach the lines absl writes before it is initialised, and Python's ``sys.stderr``
never sees any of them, so `filtered_stderr` points descriptor 2 at a temporary file for the
duration of the import and then writes back every line that is not one of those notices.

The package runs `quiet_startup` on import only when it is itself the command
(``python -m keras_wgan...`` or the ``keras-wgan`` script), never when a program imports it
as a library. ``KERAS_WGAN_STARTUP_LOGS=1`` keeps everything.
"""

import contextlib
import os
import re
import sys
import tempfile

# Informational lines TensorFlow/XLA builds print at import, one regex per line.
STARTUP_NOISE = tuple(re.compile(p) for p in (
    rb"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\s*$",
    rb"\] oneDNN custom operations are on\. ",
    rb"cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized to use available CPU instructions",
    rb"^To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags\.\s*$",
    # GPU builds: the CUDA plugins register twice (once per shared library).
    rb"Unable to register cu(DNN|FFT|BLAS) factory: Attempting to register factory for plugin",
    rb"computation_placer\.cc:\d+\] computation placer already registered",
))
_ABSL_LEVELS = {"0": "info", "1": "warning", "2": "error", "3": "fatal"}


def _truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def run_as_command():
    """True when this process is ``python -m keras_wgan[.<module>]`` or the ``keras-wgan`` script."""
    argv = list(getattr(sys, "orig_argv", []))
    for i, arg in enumerate(argv):
        if arg == "-m" and i + 1 < len(argv):
            return argv[i + 1].split(".")[0] == "keras_wgan"
        if arg.startswith("-m") and len(arg) > 2:
            return arg[2:].split(".")[0] == "keras_wgan"
    script = getattr(sys, "argv", [""])[0] if getattr(sys, "argv", None) else ""
    return os.path.basename(script) == "keras-wgan"


def _kept(text, noise):
    return b"".join(line for line in text.splitlines(keepends=True)
                    if not any(p.search(line) for p in noise))


@contextlib.contextmanager
def filtered_stderr(noise=STARTUP_NOISE):
    """Hold back whatever reaches file descriptor 2 in the block; then write it out minus ``noise``.

    Native (C/C++) and Python writes alike; the kept lines come out in order when the block
    ends, also when it raises. Where descriptor 2 cannot be duplicated, nothing is filtered.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    held = tempfile.TemporaryFile()
    try:
        os.dup2(held.fileno(), 2)
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        held.seek(0)
        kept = memoryview(_kept(held.read(), noise))
        held.close()
        while kept:
            kept = kept[os.write(2, kept):]


def _quiet_absl_python():
    """absl-py (TensorFlow's Python logger) drops what ``TF_CPP_MIN_LOG_LEVEL`` drops in C++."""
    try:
        from absl import logging as absl_logging
    except ImportError:
        return
    absl_logging.set_verbosity(_ABSL_LEVELS.get(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2").strip(), "error"))


def quiet_startup(tensorflow=False):
    """Import Keras (and so its backend), and TensorFlow if ``tensorflow``, with the banner held back.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless already set (it hides TensorFlow's C++ INFO and
    WARNING lines once absl is initialised) and absl-py's verbosity to match, first.
    Idempotent; does nothing with ``KERAS_WGAN_STARTUP_LOGS=1``.
    """
    if _truthy(os.environ.get("KERAS_WGAN_STARTUP_LOGS", "")):
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _quiet_absl_python()
    if "keras" in sys.modules and (not tensorflow or "tensorflow" in sys.modules):
        return
    with filtered_stderr():
        import keras  # noqa: F401 -- imports the backend (TensorFlow by default)

        if tensorflow:
            with contextlib.suppress(ImportError):
                import tensorflow  # noqa: F401
