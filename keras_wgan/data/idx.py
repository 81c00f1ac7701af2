"""Reader for the original MNIST IDX files (``*-idx3-ubyte`` and ``*-idx1-ubyte``, gzipped or not).

Format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian header of two zero
bytes, a type code (0x08 = unsigned byte) and the number of dimensions, then one big-endian
int32 per dimension, then the data in C order.
"""

import gzip
import os
import zlib

import numpy as np

from keras_wgan import filekind

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read one IDX file (optionally ``.gz``) into a NumPy array.

    The header is read first and what it declares is read next, no more: a ``.gz`` that
    inflates to gigabytes past it is refused without inflating the rest, and a header
    declaring more than memory holds is refused before anything is allocated.

    Raises:
        ValueError: the file is not a regular file, not a well-formed IDX file (a damaged
            gzip stream included), or declares more than memory holds (the message names it).
    """
    path = os.fspath(path)
    refusal = filekind.not_regular(path)
    if refusal:  # a fifo would block forever
        raise ValueError(f"{refusal}: point at the IDX file itself.")
    try:
        return _read_checked(path)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ValueError(f"{path} is truncated or corrupted ({error}); download it again.") from None


def _read_checked(path):
    from keras_wgan import memory

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = f.read(4)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_DTYPES:
            raise ValueError(
                f"{path} is not an IDX file (bad magic number); expected an MNIST-style "
                "'*-idx3-ubyte[.gz]' or '*-idx1-ubyte[.gz]' file."
            )
        dtype, ndim = np.dtype(_IDX_DTYPES[magic[2]]), magic[3]
        dims = f.read(4 * ndim)
        shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(len(dims) // 4))
        expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if len(dims) == 4 * ndim:
            memory.require_memory(expected, f"{path} declares an array of shape {shape}",
                                  "it is not an MNIST file; download it again.")
            raw = f.read(expected)
            more = f.read(1)
    if len(dims) < 4 * ndim or len(raw) != expected or more:
        follow = "no data" if len(dims) < 4 * ndim else (
            f"more than {expected} bytes" if more else f"{len(raw)} bytes")
        raise ValueError(
            f"{path} is truncated or corrupted: the header promises shape {shape} "
            f"({expected} bytes) but {follow} follow; download it again."
        )
    return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def find_idx_images(directory):
    """Return the path of the first ``*images-idx3-ubyte[.gz]`` file in ``directory``, sorted by name."""
    names = sorted(n for n in os.listdir(directory) if "idx3-ubyte" in n)
    if not names:
        raise FileNotFoundError(
            f"No '*-idx3-ubyte[.gz]' image file in {directory}; point at a folder holding MNIST IDX files."
        )
    return os.path.join(directory, names[0])
