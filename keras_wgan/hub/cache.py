"""The download cache: atomic, locked, sha256-checked, bounded, with an offline switch.

Layout under `cache_root()` (`$KERAS_WGAN_CACHE`, default `~/.keras/keras_wgan`)::

    entries/<key>/     one complete preset folder (or `model.keras`) per handle, plus
                       `.source.json` recording the handle and the sha256 it came from
    locks/<key>.lock   `flock` target: one process fetches a handle while others wait (at most
                       `KERAS_WGAN_LOCK_TIMEOUT` seconds); holds the holder's pid and host
    tmp/<key>.<rand>/  staging for a fetch in progress; removed whatever happens

`<key>` is a readable slug of the handle plus 16 hex digits of its sha256. An entry only ever
appears by `os.replace` of a staged folder that was downloaded (with timeouts and a size cap,
see `hub.download`), hash-checked and extracted completely (see `hub.archive`), so a reader
sees a whole entry or none; the staging folder lives on the same file system (under the cache
root) so the rename is atomic. Staging left by a killed process is removed by the next fetch:
its own handle's at once (under the lock), any other handle's once that handle's lock is free.
Locks are POSIX (`fcntl`) only.
"""

import contextlib
import errno
import hashlib
import json
import os
import pathlib
import re
import shutil
import tempfile
import time
import urllib.parse

from keras_wgan import filekind, jsonfile
from keras_wgan.hub import locking
from keras_wgan.hub.archive import check_zip, safe_extract
from keras_wgan.hub.download import REMOTE_SCHEMES, fetch_to
from keras_wgan.hub.errors import IntegrityError, OfflineError, PresetFormatError
from keras_wgan.hub.preset import is_preset_dir, sha256_file, verify_preset

SOURCE_FILE = ".source.json"
KERAS_FILE = "model.keras"
#: Age after which a staging entry whose handle cannot be told from its name is removed.
STALE_SECONDS = 600


def cache_root(cache_dir=None):
    """The cache folder: `cache_dir`, else `$KERAS_WGAN_CACHE`, else `~/.keras/keras_wgan`."""
    root = cache_dir or os.environ.get("KERAS_WGAN_CACHE") or "~/.keras/keras_wgan"
    return pathlib.Path(root).expanduser()


def usable_root(cache_dir=None):
    """`cache_root`, created if need be; an OSError naming the setting to fix when it is a
    file (`KERAS_WGAN_CACHE=/dev/null`) or cannot be written."""
    root = cache_root(cache_dir)
    setting = "cache_dir=" if cache_dir else (
        "KERAS_WGAN_CACHE" if os.environ.get("KERAS_WGAN_CACHE") else "the default cache")
    try:
        if root.exists() and not root.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "Permission denied")
    except OSError as error:
        raise OSError(f"cannot keep presets in {root} ({setting}): "
                      f"{error.strerror or error}; point KERAS_WGAN_CACHE (or cache_dir=) at a "
                      "writable folder") from None
    return root


def is_offline():
    """True when `$KERAS_WGAN_OFFLINE` is `1`/`true`/`yes`/`on`: no network access at all;
    False when unset, empty or `0`/`false`/`no`/`off`. Anything else is a one-line ValueError
    (``maybe`` meant online before, silently)."""
    value = os.environ.get("KERAS_WGAN_OFFLINE", "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"KERAS_WGAN_OFFLINE must be 1 (use only the cache) or 0, got "
                     f"{os.environ['KERAS_WGAN_OFFLINE']!r}; fix or unset it")


def cache_key(handle):
    """A file name for `handle`: a readable tail of it plus 16 hex digits of its sha256."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(handle)).strip("._")[-48:] or "handle"
    return f"{slug}-{hashlib.sha256(str(handle).encode()).hexdigest()[:16]}"


def handle_lock(root, key, *, timeout=None, label=None):
    """Holds the exclusive lock `<root>/locks/<key>.lock`, waiting at most `timeout` seconds."""
    lock_dir = root / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    return locking.held(lock_dir / f"{key}.lock", timeout=timeout, label=label)


def sweep_staging(root, own_key=None):
    """Removes staging left in `<root>/tmp` by killed processes.

    An entry `<key>.<rand>` goes once nobody holds `<key>`'s lock (a live fetch always does);
    one whose name names no lock goes once it is `STALE_SECONDS` old. `own_key`'s entries are
    left to its lock holder.
    """
    tmp = root / "tmp"
    if not tmp.is_dir():
        return
    for path in tmp.iterdir():
        key = path.name.rsplit(".", 1)[0]
        if key == own_key:
            continue
        with locking.free(root / "locks" / f"{key}.lock") as free:
            if free is None:
                try:
                    free = time.time() - path.lstat().st_mtime > STALE_SECONDS
                except FileNotFoundError:
                    continue
            if free:
                _remove(path)


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _read_source(entry):
    try:
        return jsonfile.load(entry / SOURCE_FILE)
    except (OSError, ValueError):  # JsonFileError and JSONDecodeError included
        return {}


def _content_root(folder, label):
    """The preset inside an extracted archive: its top level, or its one top-level folder."""
    if is_preset_dir(folder):
        return folder
    children = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(children) == 1 and is_preset_dir(children[0]):
        return children[0]
    raise PresetFormatError(
        f"archive {label} holds no preset: expected config.json, model.weights.h5 and "
        "metadata.json at its top level or inside one folder; pack a folder written by save_preset"
    )


def _stage(handle, source, expected, staging, root, label, options):
    """Downloads/extracts into `staging`; returns the folder that becomes the cache entry."""
    note = f"the cache ({root}) was left clean"
    path, got = fetch_to(source, staging, timeout=options.get("download_timeout"),
                         max_bytes=options.get("max_download_bytes"), note=note)
    if expected and got != expected:
        raise IntegrityError(
            f"sha256 mismatch for {label}: expected {expected}, got {got}; the file is corrupt or "
            f"was tampered with, so {note}; check the registered sha256 against the file the "
            "server has"
        )
    content = staging / "content"
    content.mkdir()
    if path.name.endswith(".keras"):
        check_zip(path, label=label)
        os.replace(path, content / KERAS_FILE)
        entry = content
    else:
        safe_extract(path, content, label=label)
        path.unlink()
        entry = _content_root(content, label)
        try:
            verify_preset(entry)
        except IntegrityError as e:
            raise IntegrityError(f"{e} ({note})") from None
    with open(entry / SOURCE_FILE, "w", encoding="utf-8") as f:
        json.dump({"handle": handle, "source": source, "sha256": got}, f)
    return entry


def fetch(source, *, sha256=None, handle=None, cache_dir=None, download_timeout=None,
          max_download_bytes=None, lock_timeout=None):
    """Returns the cache entry (a folder) for an archive or `.keras` file, fetching it if needed.

    Args:
        source: a URL (`http://`, `https://`, `file://`) or a local path of an archive
            (`.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, `.tar`, `.zip`) or a `.keras` file.
        sha256: expected hex digest of that file. A cached entry made from a different digest
            is replaced. For local paths the file's current digest is used when not given.
        handle: the name the user asked for (the cache key and error messages use it);
            defaults to `source`.
        cache_dir: cache root, see `cache_root`.
        download_timeout: seconds for the connection and each read (`hub.download`).
        max_download_bytes: bound on the downloaded file (`hub.download`).
        lock_timeout: seconds to wait for another process fetching the same handle
            (`hub.locking`).

    With `KERAS_WGAN_OFFLINE=1`, an `http(s)` source that is not already cached raises
    `OfflineError` instead of touching the network. Any failure leaves the cache as it was.
    """
    source = str(source)
    handle = str(handle or source)
    root = usable_root(cache_dir)
    remote = urllib.parse.urlsplit(source).scheme in REMOTE_SCHEMES
    offline = is_offline()  # read for every source, so a mistyped setting is named at once
    expected = sha256.lower() if sha256 else None
    if expected is None and "://" not in source:
        refusal = filekind.not_a_file(source)
        if refusal:  # a device or fifo would never end, or never start
            raise PresetFormatError(f"{refusal}; point at the archive itself")
        expected = sha256_file(source)
    label = handle if handle == source else f"{handle!r} ({source})"
    key = cache_key(handle)
    entry = root / "entries" / key
    options = {"download_timeout": download_timeout, "max_download_bytes": max_download_bytes}
    sweep_staging(root, own_key=key)
    with handle_lock(root, key, timeout=lock_timeout, label=label):
        if entry.is_dir():
            recorded = _read_source(entry).get("sha256")
            if expected is None or recorded == expected:
                return entry
            if remote and offline:
                raise OfflineError(
                    f"KERAS_WGAN_OFFLINE=1 and the cached copy of {label} ({entry}) has sha256 "
                    f"{recorded}, not the expected {expected}; "
                    "unset KERAS_WGAN_OFFLINE to update it"
                )
        elif remote and offline:
            raise OfflineError(
                f"KERAS_WGAN_OFFLINE=1 and {label} is not in the cache (looked for {entry}); "
                "unset KERAS_WGAN_OFFLINE to download it once, or load a local preset folder"
            )
        tmp = root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for stale in tmp.iterdir():  # a killed process's staging: we hold the key's lock
            if stale.name.rsplit(".", 1)[0] == key:
                _remove(stale)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=f"{key}.", dir=tmp))
        staging.chmod(0o755)  # mkdtemp makes it private; the result is shared
        try:
            staged = _stage(handle, source, expected, staging, root, label, options)
            if entry.exists():
                shutil.rmtree(entry)
            entry.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return entry

