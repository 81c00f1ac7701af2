"""Helpers for the hub tests: tiny generators, packed presets, and a local HTTP server.

Everything here runs offline: the server binds 127.0.0.1 on a free port.
"""

import contextlib
import http.server
import io
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


class FileServer:
    """Serves `files` (`{url path: bytes}`) from 127.0.0.1 in a daemon thread.

    `truncate` lists paths answered with a full `Content-Length` but only half the bytes;
    `gate`, when set, is a `threading.Event` every request waits on before answering;
    `requests` counts the GET requests per path.
    """

    def __init__(self, files=None):
        self.files = dict(files or {})
        self.truncate = set()
        self.gate = None
        self.requests = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests[self.path] = server.requests.get(self.path, 0) + 1
                if server.gate is not None:
                    server.gate.wait(60)
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
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
        if self.gate is not None:
            self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serve(files=None):
    """`with serve({"/p.tar.gz": data}) as server: server.url("/p.tar.gz")`."""
    with FileServer(files) as server:
        yield server
