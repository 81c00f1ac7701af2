"""Reading a JSON settings file (a recipe, a preset's config or metadata, a checkpoint's
record) as hostile input: a regular file, of bounded size, not nested past Python's stack.

A fifo named ``recipe.json`` blocked its first read forever; ``/dev/zero`` was read until the
process was killed for memory; ``[[[...]]]`` 100,000 deep raised a RecursionError traceback.
"""

import json
import os

from keras_wgan import filekind

# No recipe, config or metadata file comes near this (the largest bundled one is ~20 KB).
MAX_JSON_BYTES = 16 * 2**20


class JsonFileError(ValueError):
    """Why a file is not read as JSON settings, worded to follow its path."""


def load(path, max_bytes=MAX_JSON_BYTES):
    """The parsed JSON of the file ``path``.

    Raises:
        JsonFileError: not a regular file, over ``max_bytes``, or nested too deeply.
        json.JSONDecodeError, UnicodeDecodeError: not JSON, not UTF-8 (callers name the
            position); OSError: missing or unreadable.
    """
    mode = os.stat(path).st_mode  # a missing or unreadable file: the caller's OSError
    kind = filekind.mode_kind(mode)
    if kind:  # a fifo or device would never end
        raise JsonFileError(f"is {kind}, not a regular file")
    with open(path, "rb") as f:
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise JsonFileError(f"is over {max_bytes:,} bytes, far more than a JSON settings file "
                            "holds")
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise JsonFileError("nests its arrays or objects too deeply to be read") from None
