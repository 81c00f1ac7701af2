"""Extraction of preset archives that trusts nothing inside them.

A preset is three regular files, perhaps in a folder, so that is all an archive may hold:
every symbolic link, hard link, device, fifo or sparse member is refused outright, whatever it
points at. Nothing here goes through `TarFile.extractall` or tarfile's `filter="data"`
(PEP 706): that filter checks links with `os.path.realpath`, which silently stops resolving
once a path passes PATH_MAX, so on Python before 3.11.13/3.12.11/3.13.4 an archive of long
nested names and symlinks (CVE-2025-4517) passes it and writes outside the target. Instead:

- every name is checked component by component: no empty, `.` or `..` component (a leading
  `./`, as `tar -C folder .` writes, is dropped), no absolute path, drive letter, backslash or
  NUL, no component over 255 bytes and no name over 1024;
- each member is written by `hub.members.Writer` into a fresh staging folder: folders are
  created with `mkdir` and opened with `O_DIRECTORY | O_NOFOLLOW` relative to their parent
  (`dir_fd`), files with `O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing is ever written through a
  link and a name given twice is refused;
- a tar is read as a stream (`r|`), one member at a time, never `getmembers()` (which
  decompresses the whole archive first); each member's size is checked against the byte
  budget before its data is read, and a reader under tarfile counts the decompressed bytes it
  really reads (data plus a small allowance per header), so a bomb declaring 16 GiB is refused
  at its first header;
- a zip's member count and declared sizes come from its central directory before anything is
  decompressed, and the bytes really decompressed are counted while copying;
- the member count is bounded too (10,000 by default), so 100,000 empty files are refused.

Only when the whole archive passed are the staged entries moved into the target; on any
refusal the staging folder is removed and the target is left as it was. Limits come from
`KERAS_WGAN_MAX_ARCHIVE_BYTES` and `KERAS_WGAN_MAX_ARCHIVE_MEMBERS` or keywords.
"""

import bz2
import contextlib
import gzip
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib

from keras_wgan.hub.errors import HubError, UnsafeArchiveError
from keras_wgan.hub.members import (  # noqa: F401 (max_archive_*, positive_env: public here)
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_MEMBERS,
    DIR_FLAGS,
    Limits,
    Writer,
    max_archive_bytes,
    max_archive_members,
    member_parts,
    positive_env,
)

#: Decompressed bytes a tar may spend per member on its header and pax/GNU long-name records.
HEADER_ALLOWANCE = 8 * 1024
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar", ".zip")
_CHUNK = 1 << 20
# Errors a damaged compressed stream raises on read (gzip's BadGzipFile is an OSError).
_STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def is_archive(path):
    """True if `path` names an archive by its suffix (`.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`,
    `.tar`, `.zip` and the short forms `.tbz2`, `.txz`)."""
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


class _CountingReader:
    """Reads a decompressed tar stream, refusing it once it passes its byte allowance.

    tarfile itself reads header blocks and pax/GNU long-name records (a hostile one could
    declare gigabytes), so the count covers everything it reads, not only member data.
    """

    def __init__(self, stream, limits):
        self.stream = stream
        self.limits = limits
        self.count = 0
        self.allowed = 2 * HEADER_ALLOWANCE

    def read(self, size=-1):
        room = self.allowed - self.count
        if size is None or size < 0 or size > room + 1:
            size = room + 1
        try:
            data = self.stream.read(size)
        except _STREAM_ERRORS as error:
            self.limits.damaged(error)
        self.count += len(data)
        if self.count > self.allowed:
            self.limits.too_large(self.count)
        return data


def _short(text, limit=80):
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _member_kind(member):
    if member.issym():
        return f"is a symbolic link (to {_short(member.linkname)})"
    if member.islnk():
        return f"is a hard link (to {_short(member.linkname)})"
    if member.ischr() or member.isblk():
        return "is a device"
    if member.isfifo():
        return "is a fifo"
    if member.issparse():
        return "is a sparse file"
    return f"has the unsupported tar type {member.type!r}"


def _extract_tar(stream, writer, limits):
    reader = _CountingReader(stream, limits)
    declared = 0
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for count, member in enumerate(tar, 1):
                if count > limits.max_members:
                    limits.too_many(count)
                # Every member's declared size is what tarfile will read (or skip) for it.
                declared += max(member.size, 0)
                if declared > limits.max_bytes:
                    limits.too_large(declared)
                blocks = -(-max(member.size, 0) // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE
                reader.allowed += blocks + HEADER_ALLOWANCE
                parts = member_parts(member.name, limits)
                if member.isdir():
                    if parts:
                        os.close(writer.folder(parts, member.name))
                elif member.type in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE):
                    if not parts:
                        limits.refuse(member.name, "is a file named like the root folder")
                    data = tar.extractfile(member)
                    writer.file(parts, member.name, iter(lambda: data.read(_CHUNK), b""))
                else:
                    limits.refuse(member.name, _member_kind(member))
    except (tarfile.TarError, EOFError, zlib.error) as error:
        limits.damaged(error)


def _zip_kind(info):
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if info.flag_bits & 0x1:
        return "is encrypted"
    if kind in (0, stat.S_IFREG, stat.S_IFDIR):
        return None
    if kind == stat.S_IFLNK:
        return "is a symbolic link"
    if kind in (stat.S_IFCHR, stat.S_IFBLK):
        return "is a device"
    if kind == stat.S_IFIFO:
        return "is a fifo"
    return f"has the unsupported file type {oct(kind)}"


def _zip_plan(archive, limits):
    """Checks a zip's central directory: member count, names, types and declared sizes."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        limits.too_many(len(infos))
    declared = 0
    for info in infos:
        kind = _zip_kind(info)
        if kind:
            limits.refuse(info.filename, kind)
        declared += info.file_size
        if declared > limits.max_bytes:
            limits.too_large(declared)
    return infos


def _copy_zip_member(archive, info, limits, budget):
    """Yields the member's bytes, counting what is really decompressed against the budget."""
    try:
        with archive.open(info) as member:
            while True:
                chunk = member.read(_CHUNK)
                if not chunk:
                    return
                budget[0] += len(chunk)
                if budget[0] > limits.max_bytes:
                    limits.too_large(budget[0])
                yield chunk
    except HubError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, *_STREAM_ERRORS) as error:
        limits.damaged(error)


def _open_zip(source, limits):
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, NotImplementedError, *_STREAM_ERRORS) as error:
        limits.damaged(error)


def _extract_zip(source, writer, limits):
    with _open_zip(source, limits) as archive:
        infos = _zip_plan(archive, limits)
        budget = [0]
        for info in infos:
            parts = member_parts(info.filename, limits)
            if info.is_dir() or stat.S_ISDIR(info.external_attr >> 16):
                if parts:
                    os.close(writer.folder(parts, info.filename))
            elif not parts:
                limits.refuse(info.filename, "is a file named like the root folder")
            else:
                writer.file(parts, info.filename, _copy_zip_member(archive, info, limits, budget))


def check_zip(path, *, max_bytes=None, max_members=None, label=None):
    """Refuses a zip (such as a `.keras` file) that is damaged, holds links or devices, or
    whose central directory declares more members or bytes than the bounds allow."""
    limits = Limits(label or repr(os.fspath(path)), max_bytes, max_members)
    with _open_zip(path, limits) as archive:
        _zip_plan(archive, limits)


#: How each tar compression is undone, by the name `sniff` gives it.
DECOMPRESSORS = {
    "gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    "bzip2": bz2.BZ2File,
    "xz": lzma.LZMAFile,
    "tar": contextlib.nullcontext,
}


def sniff(fileobj):
    """`"zip"`, a key of `DECOMPRESSORS` for a tar, or None, from the file's first bytes."""
    head = fileobj.read(512)
    fileobj.seek(0)
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    zipped = head.startswith((b"PK\x03\x04", b"PK\x05\x06")) or zipfile.is_zipfile(fileobj)
    fileobj.seek(0)
    if zipped:
        return "zip"
    try:
        tarfile.TarInfo.frombuf(head, "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return None
    return "tar"


@contextlib.contextmanager
def _opened(archive):
    """A path opened for binary reading, or an open file object passed through unclosed."""
    if isinstance(archive, (str, os.PathLike)):
        with open(archive, "rb") as fileobj:
            yield fileobj
    else:
        yield archive


def _move_into(staging, target, limits):
    names = sorted(os.listdir(staging))
    clashes = [name for name in names if os.path.lexists(os.path.join(target, name))]
    if clashes:
        raise FileExistsError(
            f"cannot extract {limits.label} into {os.fspath(target)!r}: it already holds "
            f"{clashes[0]!r}; extract into an empty folder"
        )
    for name in names:
        os.rename(os.path.join(staging, name), os.path.join(target, name))


def safe_extract(archive, target, *, max_bytes=None, max_members=None, label=None):
    """Extracts `archive` into the existing folder `target`, or refuses it whole.

    Args:
        archive: path of a tar (plain, gzip, bzip2 or xz; recognised by content) or zip
            archive, or a seekable binary file object holding one.
        target: an existing folder; the archive's entries appear in it only if all passed.
        max_bytes: bound on the bytes the archive expands to (default `max_archive_bytes()`).
        max_members: bound on its member count (default `max_archive_members()`).
        label: how messages name the archive (default: its path).

    Raises:
        UnsafeArchiveError: a link, device, fifo or sparse member, a name that is absolute,
            climbs with `..` or is not plain, a name given twice, more than `max_members`
            members or more than `max_bytes` bytes, or neither a tar nor a zip.
        PresetFormatError: a damaged archive (bad CRC, truncated, corrupt compression).
    """
    if label is None:
        label = repr(os.fspath(archive)) if isinstance(archive, (str, os.PathLike)) else "archive"
    limits = Limits(label, max_bytes, max_members)
    with _opened(archive) as fileobj:
        kind = sniff(fileobj)
        if kind is None:
            raise UnsafeArchiveError(
                f"{label} is neither a tar nor a zip archive; "
                "pack the preset folder with `tar czf` or `zip -r`"
            )
        staging = tempfile.mkdtemp(prefix=".extracting-", dir=target)
        try:
            root_fd = os.open(staging, DIR_FLAGS)
            try:
                writer = Writer(root_fd, limits)
                if kind == "zip":
                    _extract_zip(fileobj, writer, limits)
                else:
                    with DECOMPRESSORS[kind](fileobj) as stream:
                        _extract_tar(stream, writer, limits)
            finally:
                os.close(root_fd)
            _move_into(staging, target, limits)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
