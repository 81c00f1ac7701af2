"""Safe extraction of preset archives (`.tar`, `.tar.gz`, `.tgz`, `.zip`).

Keras' own `extract_archive` *skips* unsafe members with a warning; a preset that silently
loses a file is worse than one refused, so every member is checked first and the whole archive
is refused if any member would escape the target folder. Tar extraction then still goes through
Python's `filter="data"` (PEP 706) as a second line of defence; zip needs the checks by hand
because `zipfile` has no filters (it rewrites `..` and absolute names instead of refusing them).
"""

import os
import posixpath
import stat
import tarfile
import zipfile

from keras_wgan.hub.errors import UnsafeArchiveError

#: Default bound on the total uncompressed size of an archive (presets are a few MB).
DEFAULT_MAX_BYTES = 1 << 30
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


def is_archive(path):
    """True if `path` names an archive by its suffix (`.tar.gz`, `.tgz`, `.tar`, `.zip`)."""
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def max_archive_bytes():
    """The size bound: `$KERAS_WGAN_MAX_ARCHIVE_BYTES` if set, else `DEFAULT_MAX_BYTES`."""
    return int(os.environ.get("KERAS_WGAN_MAX_ARCHIVE_BYTES", DEFAULT_MAX_BYTES))


def _refuse(archive, member, why):
    raise UnsafeArchiveError(
        f"refusing to extract {os.fspath(archive)!r}: member {member!r} {why}; "
        "rebuild the archive with relative paths inside one folder and no links leaving it"
    )


def _check_name(archive, name):
    """Refuse absolute names, drive letters and any name that climbs out with `..`."""
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        _refuse(archive, name, "has an absolute path")
    normalized = posixpath.normpath(name.replace("\\", "/"))
    if normalized.startswith("../") or ".." in name.replace("\\", "/").split("/"):
        _refuse(archive, name, "uses '..' to leave the target folder")
    return normalized


def _check_link(archive, name, target, hard):
    """A link's target must resolve inside the folder (hard links are relative to its root)."""
    if target.startswith(("/", "\\")):
        _refuse(archive, name, f"is a link to the absolute path {target!r}")
    base = "" if hard else posixpath.dirname(posixpath.normpath(name))
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        _refuse(archive, name, f"is a link to {target!r}, outside the target folder")


def _check_total(archive, total, max_bytes):
    if total > max_bytes:
        raise UnsafeArchiveError(
            f"refusing to extract {os.fspath(archive)!r}: it expands to {total} bytes, over the "
            f"bound of {max_bytes}; raise KERAS_WGAN_MAX_ARCHIVE_BYTES if you trust it"
        )


def _extract_tar(path, target, max_bytes):
    with tarfile.open(path, "r:*") as tar:
        members = tar.getmembers()
        total = 0
        for member in members:
            _check_name(path, member.name)
            if member.issym() or member.islnk():
                _check_link(path, member.name, member.linkname, hard=member.islnk())
            elif member.ischr() or member.isblk() or member.isfifo() or member.isdev():
                _refuse(path, member.name, "is a device or fifo")
            total += max(member.size, 0)
            _check_total(path, total, max_bytes)
        try:
            tar.extractall(target, members=members, filter="data")
        except tarfile.FilterError as e:  # what our checks missed, the PEP 706 filter catches
            _refuse(path, e.tarinfo.name, f"was refused by tarfile's 'data' filter ({e})")


def _extract_zip(path, target, max_bytes):
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        total = 0
        for info in infos:
            _check_name(path, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                _check_link(path, info.filename, archive.read(info).decode(), hard=False)
                _refuse(path, info.filename, "is a symlink (zip presets must hold plain files)")
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode):
                _refuse(path, info.filename, "is a device or fifo")
            # ZipExtFile never yields more than `file_size` bytes, so the declared sizes bound
            # what extraction writes even for a lying header.
            total += info.file_size
            _check_total(path, total, max_bytes)
        archive.extractall(target, members=infos)


def safe_extract(path, target, *, max_bytes=None):
    """Extracts the archive at `path` into the existing folder `target`, or refuses it whole.

    Refused (with `UnsafeArchiveError`, before anything is written): absolute member names,
    names with `..`, symbolic or hard links whose target leaves `target`, devices and fifos, zip
    symlinks, and archives whose members add up to more than `max_bytes` uncompressed
    (default `max_archive_bytes()`).
    """
    max_bytes = max_archive_bytes() if max_bytes is None else max_bytes
    if tarfile.is_tarfile(path):
        _extract_tar(path, target, max_bytes)
    elif zipfile.is_zipfile(path):
        _extract_zip(path, target, max_bytes)
    else:
        raise UnsafeArchiveError(
            f"{os.fspath(path)!r} is neither a tar nor a zip archive; "
            "pack the preset folder with `tar czf` or `zip -r`"
        )
