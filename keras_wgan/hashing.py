"""The one sha256 of a file on disk, shared by the hub's cache and the MNIST download."""

import hashlib


def sha256_file(path, chunk_size=1 << 20):
    """Hex sha256 of the file at ``path``, read in chunks (any size, constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()
