"""Files that hold either the previous version or the new one, never part of either.

Every file a training run writes (checkpoints, sample grids, curves, history) is built in
memory, written to a temporary file beside its target and renamed over it with `os.replace`,
which is atomic within one folder. A kill at any instant leaves the previous file whole plus,
at worst, a temporary ``<name>.tmp-<pid>`` that the next run removes
(`remove_stale_temporaries`). A failed write removes its temporary and raises
`OutputWriteError`: one line naming the file, the cause and the fix.

Building in memory first is what keeps a full disk from crashing the process: h5py 3.14
(HDF5 1.14) writing a ``.weights.h5`` file straight to a full disk prints an ignored
RuntimeError for every object it closes and then dies with a segmentation fault inside
``H5Fclose`` (exit 139), which no handler can catch. Given an `io.BytesIO`, Keras's savers
write through Python into memory, so the only write that can meet a full disk is ours,
and it raises an ordinary `OSError`.
"""

import errno
import io
import os
import re
import sys

from keras_wgan import filekind

# "<target>.tmp-<pid>", plus the ending Keras's savers check (".keras", ".weights.h5").
_TEMPORARY = re.compile(r"\.tmp-(\d+)(\.keras|\.weights\.h5)?$")

FIX = "free disk space or choose another output folder, then rerun"


class OutputWriteError(OSError):
    """A file could not be written; whatever was at its path before is still there, whole."""


def write_with(path, write, ending=""):
    """Call ``write(temporary)``, then rename the temporary onto ``path``.

    The folder is created if missing. On any failure (or interrupt) the temporary is removed
    and the error raised as it came, so ``path`` keeps its previous content. ``ending`` is
    appended to the temporary's name, for writers that check it.
    """
    path = os.fspath(path)
    temporary = f"{path}.tmp-{os.getpid()}{ending}"
    _check_target(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        _remove_quietly(temporary)
        raise


class NotARegularFile(OSError):
    """The path names a folder, device, fifo or socket: renaming a file over it would replace
    it (a device node, for root), so nothing is written."""


def _check_target(path):
    """Creates the folder of ``path``; refuses a target that is not a regular file, and a
    folder path that runs through a file (makedirs would say only "File exists")."""
    kind = filekind.odd_kind(path)
    if kind not in (None, "a broken link"):  # the rename replaces a broken link: harmless
        raise NotARegularFile(errno.EEXIST, f"it is {kind}, not a regular file")
    folder = os.path.dirname(path) or "."
    try:
        os.makedirs(folder, exist_ok=True)
    except FileExistsError:
        blocker = folder
        while blocker and not os.path.exists(blocker):
            blocker = os.path.dirname(blocker)
        raise NotADirectoryError(
            errno.ENOTDIR, f"{blocker or folder} is a file, not a folder") from None


def check_writable(folder, what="output folder", flag="--out"):
    """Create ``folder`` if missing and write and remove a probe file in it, so that a run that
    cannot write its outputs fails before training, not after its first epoch (or a preset's
    whole training); the message names the setting (``flag``) to change."""
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".write-test-{os.getpid()}")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as error:
        raise OSError(
            f"Cannot write to the {what} {folder} ({error.strerror or error}): "
            f"choose a writable {flag} folder."
        ) from None


def replace(path, data):
    """Make ``path`` hold ``data`` (bytes), atomically and synced to disk."""
    write_with(path, lambda temporary: _write_synced(temporary, data))


def save(path, render, what=""):
    """Write the bytes ``render()`` returns to ``path`` atomically.

    Any failure, in rendering or on disk, raises `OutputWriteError`; ``what`` ("figure ")
    prefixes the path in its message.
    """
    try:
        replace(path, render())
    except OutputWriteError:
        raise
    except Exception as error:
        raise failure(path, error, what) from error


def save_keras_file(path, save_to, ending):
    """Atomically write the file a Keras saver makes, built in memory.

    ``save_to(target)`` is ``model.save`` (``ending=".keras"``) or ``model.save_weights``
    (``".weights.h5"``). ``target`` is an `io.BytesIO` whose ``str`` is the temporary's
    name, ending in ``ending``, from which Keras picks the format. A saver that takes only
    a path (a subclass's override that opens it) fails on the buffer with "expected str,
    bytes or os.PathLike object" and is called again with the temporary's path. Errors are
    raised as they came (see `failure`).
    """

    def write(temporary):
        target = _InMemoryFile(temporary)
        try:
            save_to(target)
        except TypeError as error:
            if "PathLike" not in str(error):
                raise
            save_to(temporary)
            with open(temporary, "rb+") as f:
                os.fsync(f.fileno())
            return
        data = target.getvalue()
        if not data:
            raise OSError(errno.EIO, f"{getattr(save_to, '__name__', 'the saver')} wrote nothing")
        _write_synced(temporary, data)

    write_with(path, write, ending)


def failure(path, error, what="", kept=None, fix=FIX):
    """The one-line `OutputWriteError` for ``error`` raised while writing ``path``.

    ``kept`` says what survived (default: the previous file, or that no partial file was
    left); the error's ``errno`` is carried over, so callers can still test for ENOSPC.
    """
    if isinstance(error, NotARegularFile):
        kept, fix = "Nothing was written", "choose the path of a file"
    elif isinstance(error, NotADirectoryError) and kept is None:
        kept, fix = "Nothing was written", "choose another output folder"
    if kept is None:
        kept = "The previous file is intact" if os.path.exists(path) else "No partial file was left"
    result = OutputWriteError(f"Could not write {what}{os.fspath(path)}: {cause(error)}. {kept}: {fix}.")
    result.errno = getattr(error, "errno", None)
    return result


def cause(error):
    """An error in a few words on one line: the OS's wording, else the type and first line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def remove_stale_temporaries(folder, prefix=""):
    """Remove the temporaries that killed processes left in ``folder``; return their paths.

    Only files named like ours (``<prefix>...tmp-<pid>``) whose process is gone: a live
    writer's temporary is kept. The folder is not searched recursively; a missing one (or
    None) is skipped.
    """
    removed = []
    if not folder or not os.path.isdir(folder):
        return removed
    for entry in os.scandir(folder):
        match = _TEMPORARY.search(entry.name)
        if (match and entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False)
                and not _alive(int(match.group(1)))):
            _remove_quietly(entry.path)
            removed.append(entry.path)
    return removed


class _InMemoryFile(io.BytesIO):
    """A buffer Keras's savers accept as a file; its ``str`` is the name they check."""

    def __init__(self, name):
        super().__init__()
        self._name = name

    def __str__(self):
        return self._name


def _write_synced(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        # Synced before the rename, so a power cut cannot leave the new name on empty blocks.
        os.fsync(f.fileno())


def _alive(pid):
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would terminate it there: never remove, to be safe
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass
