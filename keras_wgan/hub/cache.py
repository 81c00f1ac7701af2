"""The download cache: atomic, locked, sha256-checked, with an offline switch.

Layout under `cache_root()` (`$KERAS_WGAN_CACHE`, default `~/.keras/keras_wgan`)::

    entries/<key>/     one complete preset folder (or `model.keras`) per handle, plus
                       `.source.json` recording the handle and the sha256 it came from
    locks/<key>.lock   `fcntl.flock` target: one process fetches a handle while others wait
    tmp/<key>.<rand>/  staging for a fetch in progress; removed whatever happens

`<key>` is a readable slug of the handle plus 16 hex digits of its sha256. An entry only ever
appears by `os.replace` of a staged folder that was downloaded, hash-checked and extracted
completely, so a reader sees a whole entry or none; the staging folder lives on the same file
system (under the cache root) so the rename is atomic. Locks are POSIX (`fcntl`) only.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import re
import shutil
import tempfile
import urllib.parse

import keras

from keras_wgan.hub.archive import safe_extract
from keras_wgan.hub.errors import (
    DownloadError,
    IntegrityError,
    OfflineError,
    PresetFormatError,
)
from keras_wgan.hub.preset import is_preset_dir, sha256_file, verify_preset

SOURCE_FILE = ".source.json"
KERAS_FILE = "model.keras"
REMOTE_SCHEMES = ("http", "https")


def cache_root(cache_dir=None):
    """The cache folder: `cache_dir`, else `$KERAS_WGAN_CACHE`, else `~/.keras/keras_wgan`."""
    root = cache_dir or os.environ.get("KERAS_WGAN_CACHE") or "~/.keras/keras_wgan"
    return pathlib.Path(root).expanduser()


def is_offline():
    """True when `$KERAS_WGAN_OFFLINE` is `1`/`true`/`yes`/`on`: no network access at all."""
    return os.environ.get("KERAS_WGAN_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def cache_key(handle):
    """A file name for `handle`: a readable tail of it plus 16 hex digits of its sha256."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", str(handle)).strip("._")[-48:] or "handle"
    return f"{slug}-{hashlib.sha256(str(handle).encode()).hexdigest()[:16]}"


@contextlib.contextmanager
def handle_lock(root, key):
    """Holds an exclusive `flock` on `<root>/locks/<key>.lock` (blocks until it is free)."""
    lock_dir = root / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{key}.lock", "a+b") as lock_file:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _read_source(entry):
    try:
        with open(entry / SOURCE_FILE, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _download(url, staging, expected, root):
    """Fetches `url` into `staging` with `keras.utils.get_file`; returns the file's path."""
    name = os.path.basename(urllib.parse.urlsplit(url).path) or "download"
    target = staging / "download" / name
    try:
        return pathlib.Path(keras.utils.get_file(
            fname=name, origin=url, file_hash=expected, hash_algorithm="sha256",
            cache_dir=str(staging), cache_subdir="download"))
    except ValueError as e:
        if expected and target.exists():  # get_file's hash check fails with a ValueError
            raise IntegrityError(
                f"sha256 mismatch for {url}: expected {expected}, got {sha256_file(target)}; "
                f"the file is corrupt or was tampered with, so the cache ({root}) was left clean; "
                "check the registered sha256 against the file the server has"
            ) from None
        raise DownloadError(f"could not download {url}: {e}; check the URL") from None
    except Exception as e:  # get_file re-raises urllib errors as a bare Exception
        if "retrieval incomplete" in str(e):
            raise DownloadError(
                f"truncated download of {url} ({e}); nothing was written to the cache ({root}); "
                "retry, and if it persists the server's file is incomplete"
            ) from None
        raise DownloadError(
            f"could not download {url}: {e}; check the URL and the network, or set "
            "KERAS_WGAN_OFFLINE=1 to use only the cache"
        ) from None


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


def _stage(handle, source, expected, staging, root, label):
    """Downloads/extracts into `staging`; returns the folder that becomes the cache entry."""
    scheme = urllib.parse.urlsplit(source).scheme if "://" in source else ""
    if scheme:
        path = _download(source, staging, expected, root)
    else:
        path = pathlib.Path(source)
    got = sha256_file(path)
    if expected and got != expected:
        raise IntegrityError(
            f"sha256 mismatch for {label}: expected {expected}, got {got}; the file is corrupt or "
            f"was tampered with, so the cache ({root}) was left clean; check the registered sha256"
        )
    content = staging / "content"
    content.mkdir()
    if path.name.lower().endswith(".keras"):
        shutil.copyfile(path, content / KERAS_FILE)
        entry = content
    else:
        safe_extract(path, content)
        entry = _content_root(content, label)
        try:
            verify_preset(entry)
        except IntegrityError as e:
            raise IntegrityError(f"{e} (the cache ({root}) was left clean)") from None
    with open(entry / SOURCE_FILE, "w", encoding="utf-8") as f:
        json.dump({"handle": handle, "source": source, "sha256": got}, f)
    return entry


def fetch(source, *, sha256=None, handle=None, cache_dir=None):
    """Returns the cache entry (a folder) for an archive or `.keras` file, fetching it if needed.

    Args:
        source: a URL (`http://`, `https://`, `file://`) or a local path of an archive
            (`.tar.gz`, `.tgz`, `.tar`, `.zip`) or a `.keras` file.
        sha256: expected hex digest of that file. A cached entry made from a different digest
            is replaced. For local paths the file's current digest is used when not given.
        handle: the name the user asked for (the cache key and error messages use it);
            defaults to `source`.
        cache_dir: cache root, see `cache_root`.

    With `KERAS_WGAN_OFFLINE=1`, an `http(s)` source that is not already cached raises
    `OfflineError` instead of touching the network. Any failure leaves the cache as it was.
    """
    source = str(source)
    handle = str(handle or source)
    root = cache_root(cache_dir)
    remote = urllib.parse.urlsplit(source).scheme in REMOTE_SCHEMES
    expected = sha256.lower() if sha256 else None
    if expected is None and "://" not in source:
        expected = sha256_file(source)
    label = handle if handle == source else f"{handle!r} ({source})"
    key = cache_key(handle)
    entry = root / "entries" / key
    with handle_lock(root, key):
        if entry.is_dir():
            recorded = _read_source(entry).get("sha256")
            if expected is None or recorded == expected:
                return entry
            if remote and is_offline():
                raise OfflineError(
                    f"KERAS_WGAN_OFFLINE=1 and the cached copy of {label} ({entry}) has sha256 "
                    f"{recorded}, not the expected {expected}; "
                    "unset KERAS_WGAN_OFFLINE to update it"
                )
        elif remote and is_offline():
            raise OfflineError(
                f"KERAS_WGAN_OFFLINE=1 and {label} is not in the cache (looked for {entry}); "
                "unset KERAS_WGAN_OFFLINE to download it once, or load a local preset folder"
            )
        tmp = root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for stale in tmp.glob(f"{key}.*"):  # left by a killed process; we hold the key's lock
            shutil.rmtree(stale, ignore_errors=True)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=f"{key}.", dir=tmp))
        staging.chmod(0o755)  # mkdtemp makes it private; the result is shared
        try:
            staged = _stage(handle, source, expected, staging, root, label)
            if entry.exists():
                shutil.rmtree(entry)
            entry.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return entry
