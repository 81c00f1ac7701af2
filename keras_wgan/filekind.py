"""What a path names when it is not the regular file a reader or writer expects.

Every place that opens a user's path asks here first: a fifo blocks the first read forever,
``/dev/zero`` never ends, and an atomic rename over a device node replaces it (as root). The
caller words the fix, since only it knows what the path was for; this module says what the
path *is*, one way for all of them.
"""

import os
import stat


def odd_kind(path):
    """How to name ``path`` when it exists but is not (a link to) a regular file, else None.

    Returns:
        ``"a folder"``, ``"a fifo"``, ``"a device"``, ``"a socket"``, ``"a broken link"`` or
        ``"an unusual file"``;
        ``None`` for a regular file, a link to one, nothing at all (a missing path is the
        caller's own case: it may be about to be written), or a path that cannot be looked at
        (no permission, a loop of links: opening it fails with that reason, never blocks).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "a broken link" if os.path.islink(path) else None
    except OSError:
        return None
    return mode_kind(mode)


def mode_kind(mode):
    """`odd_kind` for a caller that has already called ``os.stat`` (its ``st_mode``)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a fifo"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "an unusual file"  # a kind some systems add (a door, a whiteout): never opened


def not_regular(path):
    """The start of a refusal: ``"<path> is a fifo, not a regular file"``, or None when
    ``path`` is a regular file (or a link to one) or does not exist."""
    kind = odd_kind(path)
    if kind is None:
        return None
    return f"{os.fspath(path)} is {kind}, not a regular file"


def not_a_file(path):
    """`not_regular`'s refusal, or for a path that is not there or cannot be looked at (no
    permission, a loop of links) one saying which; None for a regular file (or a link to one).
    For a path that must already exist, such as an archive about to be read."""
    refusal = not_regular(path)
    if refusal or os.path.isfile(path):
        return refusal
    if os.path.lexists(path):
        return f"{os.fspath(path)} cannot be read (no permission, or a loop of links)"
    return f"{os.fspath(path)} does not exist"
