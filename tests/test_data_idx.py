"""MNIST IDX files are read as hostile: the header first, then exactly what it declares."""

import gzip
import os
import struct

import numpy as np
import pytest

from keras_wgan.data.idx import read_idx

HEADER = b"\x00\x00\x08\x03" + struct.pack(">3I", 3, 28, 28)


def write(path, payload, compress=True):
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
def test_a_well_formed_file_reads_back_exactly(tmp_path, compress):
    pixels = np.arange(3 * 28 * 28, dtype=np.uint8)
    name = "x-idx3-ubyte" + (".gz" if compress else "")
    array = read_idx(write(tmp_path / name, HEADER + pixels.tobytes(), compress))
    assert array.shape == (3, 28, 28) and np.array_equal(array.reshape(-1), pixels)


def test_a_gzip_bomb_past_the_header_is_refused_without_inflating_it(tmp_path):
    # 256 MiB of zeros after a 3-image header (a bomb inflates to as much as it likes):
    # reading it all took that much memory before.
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(HEADER + bytes(3 * 784))
        zeros = bytes(1 << 24)
        for _ in range(16):
            f.write(zeros)
    with pytest.raises(ValueError, match=r"promises shape \(3, 28, 28\) \(2352 bytes\) but more "
                                         r"than 2352 bytes follow"):
        read_idx(path)


def test_a_header_declaring_more_than_memory_is_refused_before_allocating(tmp_path):
    header = b"\x00\x00\x08\x03" + struct.pack(">3I", 4_000_000_000, 4_000_000, 28)
    with pytest.raises(ValueError, match=r"declares an array of shape \(4000000000, 4000000, 28\)"
                                         r".*more than this machine's"):
        read_idx(write(tmp_path / "x-idx3-ubyte.gz", header))


@pytest.mark.parametrize("damage", ["cut gzip", "short data", "short header", "fifo"])
def test_damaged_or_foreign_files_are_one_line(tmp_path, damage):
    path = tmp_path / "x-idx3-ubyte.gz"
    if damage == "cut gzip":
        write(path, HEADER + bytes(3 * 784))
        path.write_bytes(path.read_bytes()[:30])
        match = r"truncated or corrupted \(Compressed file ended"
    elif damage == "short data":
        write(path, HEADER + bytes(100))
        match = r"\(2352 bytes\) but 100 bytes follow"
    elif damage == "short header":
        write(path, HEADER[:9])
        match = "but no data follow"
    else:
        os.mkfifo(path)  # reading it blocked forever
        match = r"is a fifo, not a regular file: point at the IDX file itself"
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
