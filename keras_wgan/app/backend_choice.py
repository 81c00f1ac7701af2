"""Which Keras backend a command will run on, checked before Keras is imported.

Keras picks its backend on first import: ``KERAS_BACKEND``, else the ``"backend"`` of
``keras.json`` in ``KERAS_HOME`` (default ``~/.keras``), else TensorFlow. A backend keras_wgan
does not run on (``numpy``, a typo) or one that is not installed used to fail inside that
import, with a traceback, before the command line could say a word; `exit_if_unusable` says
it in one line instead, with exit status 2 (bad input).
"""

import importlib.util
import json
import os
import sys

#: The backends keras_wgan's training step is written for (`keras_wgan.backend.<name>`).
SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")


def chosen_backend():
    """``(name, where it was set)`` as Keras will read it."""
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name, "KERAS_BACKEND"
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    path = os.path.join(home, "keras.json")
    if os.path.isfile(path):  # never a fifo: that read would block
        try:
            with open(path) as f:
                name = json.load(f).get("backend")
        except (OSError, ValueError, AttributeError):
            name = None
        if name:
            return name, path
    return "tensorflow", "Keras's default"


def problem():
    """None if the chosen backend is supported and installed, else the one-line reason."""
    name, origin = chosen_backend()
    if name not in SUPPORTED_BACKENDS:
        return (f"the Keras backend {name!r} (from {origin}) is not one keras_wgan runs on: set "
                f"KERAS_BACKEND to {', '.join(SUPPORTED_BACKENDS[:-1])} or "
                f"{SUPPORTED_BACKENDS[-1]}")
    if importlib.util.find_spec(name) is None:
        installed = [b for b in SUPPORTED_BACKENDS if importlib.util.find_spec(b) is not None]
        return (f"the Keras backend {name!r} (from {origin}) is not installed: pip install "
                f"{name}, or set KERAS_BACKEND to one that is "
                f"({', '.join(installed) if installed else 'none of ' + ', '.join(SUPPORTED_BACKENDS)})")
    return None


def command_name():
    """``python -m <module>`` when run so (``keras_wgan.demo``...), else ``keras-wgan``."""
    argv = list(getattr(sys, "orig_argv", []))
    for i, arg in enumerate(argv):
        module = argv[i + 1] if arg == "-m" and i + 1 < len(argv) else arg[2:] if arg.startswith("-m") else ""
        if module:
            return "keras-wgan" if module == "keras_wgan" else f"python -m {module}"
    return "keras-wgan"


def exit_if_unusable():
    """Exit with status 2 and one line on stderr when the chosen backend cannot run."""
    why = problem()
    if why is not None:
        print(f"{command_name()}: error: {why}", file=sys.stderr)
        sys.exit(2)
