"""Per-handle cache locks: `fcntl.flock` with a bounded wait and a note of who holds them.

One process fetches a handle while the others wait; a wait that would outlast
`KERAS_WGAN_LOCK_TIMEOUT` seconds (default 300) ends in `LockTimeoutError`, whose message names
the holder: after acquiring a lock its holder writes its pid, host and start time into the
lock file. The kernel drops an `flock` when its process dies, so a killed process never leaves
a lock held. Locks are POSIX only.
"""

import contextlib
import datetime
import fcntl
import json
import os
import socket
import time

from keras_wgan.hub.archive import positive_env
from keras_wgan.hub.errors import LockTimeoutError

DEFAULT_LOCK_TIMEOUT = 300.0
_NOTE_BYTES = 4096


def lock_timeout():
    """Seconds to wait for a lock: `$KERAS_WGAN_LOCK_TIMEOUT`, else `DEFAULT_LOCK_TIMEOUT`."""
    return positive_env("KERAS_WGAN_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT, float)


def _open(path):
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _try_lock(fd):
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def holder_note():
    """What a lock holder writes into its lock file: pid, host and start time (UTC)."""
    since = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return {"pid": os.getpid(), "host": socket.gethostname(), "since": since}


def describe_holder(fd):
    """`pid 123 on host h since ...`, read from an open lock file; a vaguer phrase if unreadable."""
    try:
        note = json.loads(os.pread(fd, _NOTE_BYTES, 0).decode("utf-8"))
        return f"pid {int(note['pid'])} on host {note['host']} since {note['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (it has not recorded its pid yet)"


@contextlib.contextmanager
def held(path, *, timeout=None, label=None):
    """Holds an exclusive lock on the file `path`, waiting at most `timeout` seconds for it.

    Raises:
        LockTimeoutError: the lock stayed held for `timeout` seconds (default `lock_timeout()`);
            the message names the holder.
    """
    timeout = lock_timeout() if timeout is None else float(timeout)
    fd = _open(path)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.01
        while not _try_lock(fd):
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockTimeoutError(
                    f"waited {timeout:g} s for the cache lock {os.fspath(path)} of "
                    f"{label or 'this handle'}, held by {describe_holder(fd)}; wait for that "
                    "process to finish (or stop it), or raise KERAS_WGAN_LOCK_TIMEOUT"
                )
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.25)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder_note()).encode("utf-8"), 0)
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def free(path):
    """Tries the lock `path` without waiting: yields True while holding it, False if another
    holds it, None if there is no such lock file."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        yield None
        return
    try:
        if not _try_lock(fd):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
