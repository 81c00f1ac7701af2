"""Bounded downloads: a timeout on every connect and read, a cap on the body, hashed on the fly.

`keras.utils.get_file` has no read timeout (a server that sends half a file and stalls hangs
it forever, and every process waiting on that handle's cache lock with it) and no size cap
when the server sends no `Content-Length`. This small urllib client has both:

- `timeout` (default `$KERAS_WGAN_DOWNLOAD_TIMEOUT` or 60 s) bounds the connection and each
  read: a server silent for that long ends the download;
- `max_bytes` (default `$KERAS_WGAN_MAX_DOWNLOAD_BYTES`, else the archive bound plus 64 MiB
  for headers) refuses an announced `Content-Length` over it at once, and any body, announced
  or not, the moment it passes it;
- a body shorter than its `Content-Length` is a truncated download;
- redirects may only lead to `http(s)`; `file://` URLs and local paths are copied the same way.

The body streams into a new file (`O_EXCL`) in the caller's staging folder while its sha256 is
computed, so the file is read once.
"""

import hashlib
import http.client
import os
import pathlib
import urllib.error
import urllib.parse
import urllib.request

from keras_wgan import filekind
from keras_wgan.hub.archive import ARCHIVE_SUFFIXES, max_archive_bytes, positive_env
from keras_wgan.hub.errors import DownloadError

DEFAULT_TIMEOUT = 60.0
HEADER_ROOM = 64 << 20
REMOTE_SCHEMES = ("http", "https")
_CHUNK = 1 << 20


def download_timeout():
    """Seconds per connect/read: `$KERAS_WGAN_DOWNLOAD_TIMEOUT`, else `DEFAULT_TIMEOUT`."""
    return positive_env("KERAS_WGAN_DOWNLOAD_TIMEOUT", DEFAULT_TIMEOUT, float)


def max_download_bytes():
    """The body bound: `$KERAS_WGAN_MAX_DOWNLOAD_BYTES`, else the archive bound + 64 MiB."""
    return positive_env("KERAS_WGAN_MAX_DOWNLOAD_BYTES", max_archive_bytes() + HEADER_ROOM)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urllib.parse.urlsplit(newurl).scheme
        if scheme not in REMOTE_SCHEMES:
            raise DownloadError(
                f"{req.full_url} redirects to {newurl!r}; only http(s) redirects are followed"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


def local_name(source):
    """`download` plus the suffix of the source's name that tells how to open it."""
    path = urllib.parse.urlsplit(source).path if "://" in source else source
    name = urllib.parse.unquote(os.path.basename(path)).lower()
    for suffix in (".keras", *ARCHIVE_SUFFIXES):
        if name.endswith(suffix):
            return "download" + suffix
    return "download"


def _copy(response, out, source, limits):
    """Streams `response` into `out`; returns (bytes, sha256)."""
    timeout, max_bytes, note = limits
    digest = hashlib.sha256()
    count = 0
    # read1 returns what has arrived, so a stall is reported after the bytes that did come.
    read = getattr(response, "read1", response.read)
    while True:
        try:
            chunk = read(_CHUNK)
        except TimeoutError:
            raise DownloadError(
                f"download of {source} stalled: no data for {timeout:g} s after {count} bytes; "
                f"{note}; retry later, or raise KERAS_WGAN_DOWNLOAD_TIMEOUT"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            raise DownloadError(
                f"download of {source} broke off after {count} bytes "
                f"({type(error).__name__}: {error}); {note}; retry"
            ) from None
        if not chunk:
            return count, digest.hexdigest()
        count += len(chunk)
        if count > max_bytes:
            raise DownloadError(
                f"{source} sent more than {max_bytes} bytes, over the download bound; {note}; "
                "raise KERAS_WGAN_MAX_DOWNLOAD_BYTES if you trust it"
            )
        digest.update(chunk)
        out.write(chunk)


def _open_url(source, timeout, note):
    try:
        return _OPENER.open(source, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(
            f"could not download {source}: HTTP {error.code} {error.reason}; check the URL"
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise DownloadError(
                f"connecting to {source} timed out after {timeout:g} s; {note}; check the "
                "network, or raise KERAS_WGAN_DOWNLOAD_TIMEOUT"
            ) from None
        raise DownloadError(
            f"could not download {source}: {error.reason}; check the URL and the network, or "
            "set KERAS_WGAN_OFFLINE=1 to use only the cache"
        ) from None
    except TimeoutError:
        raise DownloadError(
            f"{source} sent no response within {timeout:g} s; {note}; check the network, or "
            "raise KERAS_WGAN_DOWNLOAD_TIMEOUT"
        ) from None
    except (OSError, http.client.HTTPException) as error:
        raise DownloadError(
            f"could not download {source} ({type(error).__name__}: {error}); check the URL "
            "and the network"
        ) from None


def fetch_to(source, directory, *, timeout=None, max_bytes=None, note="nothing was cached"):
    """Copies `source` (an http(s) or file URL, or a local path) into a new file in `directory`.

    Args:
        source: URL or path.
        directory: an existing folder (the caller's staging folder).
        timeout: seconds for the connection and for each read (default `download_timeout()`).
        max_bytes: bound on the body (default `max_download_bytes()`).
        note: what the caller did with the cache, repeated in every error message.

    Returns:
        `(path, sha256)` of the copy.

    Raises:
        DownloadError: HTTP error, timeout, body over `max_bytes`, or shorter than announced.
    """
    timeout = download_timeout() if timeout is None else float(timeout)
    max_bytes = max_download_bytes() if max_bytes is None else int(max_bytes)
    target = pathlib.Path(directory) / local_name(source)
    scheme = urllib.parse.urlsplit(source).scheme if "://" in source else ""
    if scheme in ("", "file"):
        path = urllib.request.url2pathname(urllib.parse.urlsplit(source).path) if scheme else source
        refusal = filekind.not_a_file(path)
        if refusal:  # a device or fifo would never end, or never start
            raise DownloadError(f"{refusal}; point at the archive itself")
    if scheme:
        response = _open_url(source, timeout, note)
    else:
        response = open(source, "rb")
    with response:
        announced = getattr(response, "headers", {}).get("Content-Length")
        announced = int(announced) if announced and announced.strip().isdigit() else None
        if announced is not None and announced > max_bytes:
            raise DownloadError(
                f"{source} is {announced} bytes, over the download bound of {max_bytes}; "
                f"{note}; raise KERAS_WGAN_MAX_DOWNLOAD_BYTES if you trust it"
            )
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with open(fd, "wb") as out:
            count, digest = _copy(response, out, source, (timeout, max_bytes, note))
    if announced is not None and count < announced:
        raise DownloadError(
            f"truncated download of {source} ({count} of {announced} bytes); {note}; retry, "
            "and if it persists the server's file is incomplete"
        )
    return target, digest
