"""Reader for the original MNIST IDX files (``*-idx3-ubyte`` and ``*-idx1-ubyte``, gzipped or not).

Format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian header of two zero
bytes, a type code (0x08 = unsigned byte) and the number of dimensions, then one big-endian
int32 per dimension, then the data in C order.
"""

import gzip
import os

import numpy as np

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read one IDX file (optionally ``.gz``) into a NumPy array.

    Raises:
        ValueError: if the file is not a well-formed IDX file (the message names it).
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file (bad magic number); expected an MNIST-style "
            "'*-idx3-ubyte[.gz]' or '*-idx1-ubyte[.gz]' file."
        )
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupted: the header promises shape {shape} "
            f"({expected} bytes) but {len(raw) - header} bytes follow; download it again."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_idx_images(directory):
    """Return the path of the first ``*images-idx3-ubyte[.gz]`` file in ``directory``, sorted by name."""
    names = sorted(n for n in os.listdir(directory) if "idx3-ubyte" in n)
    if not names:
        raise FileNotFoundError(
            f"No '*-idx3-ubyte[.gz]' image file in {directory}; point at a folder holding MNIST IDX files."
        )
    return os.path.join(directory, names[0])
