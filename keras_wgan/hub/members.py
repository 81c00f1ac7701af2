"""What a preset archive member may be called, and how it is written: never through a link.

`member_parts` checks a name component by component; `Writer` creates folders with `mkdir`,
opens them with `O_DIRECTORY | O_NOFOLLOW` relative to their parent (`dir_fd`), and files with
`O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing is ever written through a link (whoever made it)
and a name given twice is refused. `Limits` holds one extraction's bounds and words its
one-line refusals. Used by `hub.archive`.
"""

import os
import re

from keras_wgan.hub.errors import PresetFormatError, UnsafeArchiveError

#: Default bound on the total uncompressed size of an archive (presets are a few MB).
DEFAULT_MAX_BYTES = 1 << 30
#: Default bound on the number of members (a preset has three files).
DEFAULT_MAX_MEMBERS = 10_000
#: Longest path component and longest member name, in bytes (NAME_MAX, and far above any
#: name a preset uses but far below PATH_MAX).
MAX_COMPONENT_BYTES = 255
MAX_NAME_BYTES = 1024
#: How folders are opened: never through a symbolic link.
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_DRIVE = re.compile(r"^[A-Za-z]:")


def positive_env(name, default, cast=int):
    """`$name` parsed with `cast` if set, else `default`; one clear line if it is not positive."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = cast(raw)
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {raw!r}; fix or unset it")
    return value


def max_archive_bytes():
    """The size bound: `$KERAS_WGAN_MAX_ARCHIVE_BYTES` if set, else `DEFAULT_MAX_BYTES`."""
    return positive_env("KERAS_WGAN_MAX_ARCHIVE_BYTES", DEFAULT_MAX_BYTES)


def max_archive_members():
    """The member bound: `$KERAS_WGAN_MAX_ARCHIVE_MEMBERS` if set, else `DEFAULT_MAX_MEMBERS`."""
    return positive_env("KERAS_WGAN_MAX_ARCHIVE_MEMBERS", DEFAULT_MAX_MEMBERS)


class Limits:
    """The bounds of one extraction and the one-line refusals that name them."""

    def __init__(self, label, max_bytes, max_members):
        self.label = label
        self.max_bytes = max_archive_bytes() if max_bytes is None else int(max_bytes)
        self.max_members = max_archive_members() if max_members is None else int(max_members)

    def refuse(self, member, why):
        raise UnsafeArchiveError(
            f"refusing to extract {self.label}: member {member!r} {why}; a preset archive holds "
            "only regular files and folders with plain relative names, so rebuild it from the "
            "preset folder (tar czf / zip -r)"
        )

    def too_large(self, at_least):
        raise UnsafeArchiveError(
            f"refusing to extract {self.label}: it expands to at least {at_least} bytes, over "
            f"the bound of {self.max_bytes}; raise KERAS_WGAN_MAX_ARCHIVE_BYTES if you trust it"
        )

    def too_many(self, at_least):
        raise UnsafeArchiveError(
            f"refusing to extract {self.label}: it holds at least {at_least} members, over the "
            f"bound of {self.max_members}; raise KERAS_WGAN_MAX_ARCHIVE_MEMBERS if you trust it"
        )

    def damaged(self, error):
        detail = str(error).splitlines()[0] if str(error) else ""
        raise PresetFormatError(
            f"{self.label} is a damaged archive ({type(error).__name__}: {detail}); "
            "download or pack it again"
        ) from None


def member_parts(name, limits):
    """The path components of member `name`, refusing any name that is not plain and relative.

    Returns `[]` for the archive's root folder (`.` or `./`).
    """
    if not isinstance(name, str) or name == "":
        limits.refuse(name, "has an empty name")
    if "\0" in name:
        limits.refuse(name, "contains a NUL byte")
    if "\\" in name:
        limits.refuse(name, "contains a backslash (a Windows path separator)")
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > MAX_NAME_BYTES:
        limits.refuse(name[:80] + "...", f"has a {size}-byte name, over {MAX_NAME_BYTES}")
    if name.startswith("/"):
        limits.refuse(name, "has an absolute path")
    if _DRIVE.match(name):
        limits.refuse(name, "has an absolute path (a drive letter)")
    parts = name.split("/")
    while len(parts) > 1 and parts[0] == ".":  # "./config.json", as `tar -C dir .` writes
        parts.pop(0)
    if parts[-1] == "":  # "folder/" names a folder
        parts.pop()
    if parts == ["."]:
        return []
    for part in parts:
        if part == "..":
            limits.refuse(name, "uses '..' to leave the target folder")
        if part in ("", "."):
            limits.refuse(name, "has an empty or '.' path component")
        if len(part.encode("utf-8", "surrogateescape")) > MAX_COMPONENT_BYTES:
            limits.refuse(name[:80] + "...", f"has a component over {MAX_COMPONENT_BYTES} bytes")
    return parts


class Writer:
    """Creates folders and files below one staging folder without ever following a link."""

    def __init__(self, root_fd, limits):
        self.root_fd = root_fd
        self.limits = limits

    def folder(self, parts, name):
        """An open descriptor of the folder `parts`, created as needed (caller closes it)."""
        fd = os.dup(self.root_fd)
        try:
            for part in parts:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                try:
                    child = os.open(part, DIR_FLAGS, dir_fd=fd)
                except OSError:  # ENOTDIR: a file of that name; ELOOP: a link
                    self.limits.refuse(name, f"needs {part!r} to be a folder, but the archive "
                                       "already made it a file")
                os.close(fd)
                fd = child
        except BaseException:
            os.close(fd)
            raise
        return fd

    def file(self, parts, name, chunks):
        """Writes the bytes of `chunks` to a new file `parts`; refuses a name given twice."""
        parent = self.folder(parts[:-1], name)
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, 0o644, dir_fd=parent)
        except FileExistsError:
            self.limits.refuse(name, "appears twice (or names both a file and a folder)")
        finally:
            os.close(parent)
        with open(fd, "wb", closefd=True) as out:
            for chunk in chunks:
                out.write(chunk)
