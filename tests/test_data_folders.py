"""keras_wgan.data from image folders written to tmp_path: nesting, mixed channels, bad files."""

import io
import struct
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_wgan import data
from keras_wgan.data import folders


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def batches(ds):
    return [b.numpy() for b in ds]


@pytest.fixture
def mixed_folder(tmp_path):
    """Nested folder: 4 RGB JPEGs at the top, 4 grayscale PNGs below, plus non-image extras."""
    rng = np.random.default_rng(0)
    for i in range(4):
        save(tmp_path / f"rgb{i}.jpg", rng.integers(0, 256, (20, 24, 3), dtype=np.uint8))
        save(tmp_path / "sub" / "deeper" / f"gray{i}.png", np.full((20, 24), 40 * i, np.uint8))
    (tmp_path / "list_attr.txt").write_text("not an image, ignored")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    return tmp_path


def test_nested_mixed_folder_converts_to_rgb(mixed_folder):
    out = batches(data.image_dataset(mixed_folder, 4, shuffle=False))
    assert [b.shape for b in out] == [(4, 20, 24, 3)] * 2
    # Sorted walk: top-level files first, then sub/deeper; gray PNGs become equal-channel RGB.
    gray = out[1]
    np.testing.assert_array_equal(gray[..., 0], gray[..., 1])
    np.testing.assert_allclose(gray[:, 0, 0, 0], [40 * i / 127.5 - 1 for i in range(4)], atol=1e-6)
    assert all(b.min() >= -1 and b.max() <= 1 for b in out)


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"channels": 1}, (4, 20, 24, 1)),
        ({"image_size": 16}, (4, 16, 16, 3)),
        ({"image_size": (10, 12), "channels": 1}, (4, 10, 12, 1)),
        ({"crop": 18, "image_size": 8}, (4, 8, 8, 3)),
        ({"verify_files": False, "image_size": 16, "cache": False}, (4, 16, 16, 3)),
    ],
)
def test_sizes_and_channels(mixed_folder, kwargs, shape):
    out = batches(data.image_dataset(mixed_folder, 4, seed=0, **kwargs))
    assert [b.shape for b in out] == [shape] * 2


def test_all_gray_folder_stays_one_channel(tmp_path):
    for i in range(3):
        save(tmp_path / f"{i}.png", np.full((8, 8), 255, np.uint8))
    (batch,) = batches(data.image_dataset(tmp_path, 3))
    assert batch.shape == (3, 8, 8, 1) and np.all(batch == 1.0)


@pytest.mark.parametrize("cache", [True, False, "file"])
def test_seeded_order_is_reproducible(tmp_path, cache):
    for i in range(8):
        save(tmp_path / "img" / f"{i}.png", np.full((4, 4), 30 * i, np.uint8))
    cache = str(tmp_path / "cache") if cache == "file" else cache

    def order(ds):
        return [int(round((v + 1) * 127.5)) // 30 for b in batches(ds) for v in b[:, 0, 0, 0]]

    a = data.image_dataset(tmp_path / "img", 2, seed=3, cache=cache)
    first, second = order(a), order(a)
    assert sorted(first) == sorted(second) == list(range(8))
    assert first != second  # reshuffled each pass, from the cache or not
    b = data.image_dataset(tmp_path / "img", 2, seed=3, cache=cache)
    assert (order(b), order(b)) == (first, second)


def test_non_image_file_is_named(mixed_folder):
    bad = mixed_folder / "sub" / "broken.png"
    bad.write_text("this is text, not a PNG")
    with pytest.raises(ValueError, match=r"broken\.png is not a readable image.*delete or replace") as info:
        data.image_dataset(mixed_folder, 4)
    assert "\n" not in str(info.value)


def test_undecodable_format_is_named(tmp_path):
    save(tmp_path / "ok.png", np.zeros((8, 8), np.uint8))
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "tiff_in_disguise.png", format="TIFF")
    with pytest.raises(ValueError, match=r"tiff_in_disguise\.png is a TIFF image"):
        data.image_dataset(tmp_path, 1)


def test_too_small_image_is_named(mixed_folder):
    save(mixed_folder / "tiny.png", np.zeros((5, 30), np.uint8))
    with pytest.raises(ValueError, match=r"tiny\.png is 5x30, smaller than the requested image_size 16x16"):
        data.image_dataset(mixed_folder, 4, image_size=16)
    with pytest.raises(ValueError, match=r"tiny\.png is 5x30, smaller than the requested crop 8x8"):
        data.image_dataset(mixed_folder, 4, crop=8)


def test_too_small_image_unverified_fails_in_the_pipeline(tmp_path):
    save(tmp_path / "a.png", np.zeros((16, 16), np.uint8))
    save(tmp_path / "b.png", np.zeros((4, 4), np.uint8))
    ds = data.image_dataset(tmp_path, 2, image_size=8, verify_files=False, cache=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller than the requested 8x8"):
        batches(ds)


def test_differing_sizes_need_image_size(tmp_path):
    save(tmp_path / "a.png", np.zeros((16, 16), np.uint8))
    save(tmp_path / "b.png", np.zeros((12, 20), np.uint8))
    with pytest.raises(ValueError, match="differ in size.*pass image_size"):
        data.image_dataset(tmp_path, 2)
    assert batches(data.image_dataset(tmp_path, 2, image_size=12))[0].shape == (2, 12, 12, 1)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda p: p / "missing", FileNotFoundError, "No such file or folder"),
        (lambda p: p, FileNotFoundError, "it is empty"),
        (lambda p: (p / "notes.txt").write_text("x") and p, FileNotFoundError, r"found 1 other files, e\.g\. .*notes\.txt"),
        (lambda p: save(p / "one.png", np.zeros((4, 4), np.uint8)), ValueError, "single file"),
    ],
)
def test_missing_empty_and_wrong_paths(tmp_path, make, error, match):
    with pytest.raises(error, match=match) as info:
        data.image_dataset(make(tmp_path), 1)
    assert "\n" not in str(info.value)


def test_batch_larger_than_folder(mixed_folder):
    with pytest.raises(ValueError, match="batch_size=9 is larger than the 8 images"):
        data.image_dataset(mixed_folder, 9)


def test_folder_function_reports_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.folder_dataset(tmp_path / "nope", 2)


# --- damaged and oversized files: named in one line, before or during training ----------------


def jpeg_bytes(array, quality=90):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def damaged_jpeg(path, seed=0):
    """A JPEG whose header (and so its size) is sound but whose coded data is garbage."""
    rng = np.random.default_rng(seed)
    good = jpeg_bytes(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    start = good.index(b"\xff\xda") + 20  # a few bytes into the scan
    garbage = rng.integers(0, 256, len(good) - start - 4, dtype=np.uint8).tobytes()
    half = len(garbage) // 2  # and an undefined marker (0xFFBC) that no decoder can skip
    path.write_bytes(good[:start] + garbage[:half] + b"\xff\xbc" + garbage[half:] + b"\xff\xd9")
    return path


def png_declaring(path, width, height):
    """A tiny PNG file whose header declares width x height (1-bit gray), without pixel data:
    what an up-front check must refuse without ever decoding (a decompression bomb's header)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def folder_with_damaged_jpeg(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(6):
        (tmp_path / f"{i}.jpg").write_bytes(jpeg_bytes(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)))
    damaged_jpeg(tmp_path / "3b_damaged.jpg")
    return tmp_path


def test_damaged_jpeg_passes_the_header_check_and_fails_in_tensorflow(folder_with_damaged_jpeg):
    ds = data.image_dataset(folder_with_damaged_jpeg, 7, shuffle=False, cache=False)
    with pytest.raises(tf.errors.InvalidArgumentError):
        batches(ds)


def test_damaged_jpeg_is_named_by_the_full_check_and_around_training(folder_with_damaged_jpeg):
    with pytest.raises(ValueError, match=r"3b_damaged\.jpg cannot be decoded \(.*JPEG.*\): .*delete or replace") as info:
        data.check_image_files(folder_with_damaged_jpeg)
    assert "\n" not in str(info.value)
    path, reason = data.find_undecodable(sorted(folder_with_damaged_jpeg.iterdir()))
    assert path.endswith("3b_damaged.jpg") and "JPEG" in reason
    ds = data.image_dataset(folder_with_damaged_jpeg, 7, shuffle=False, cache=False)
    with pytest.raises(ValueError, match=r"3b_damaged\.jpg cannot be decoded"):
        with data.naming_bad_files(str(folder_with_damaged_jpeg)):
            batches(ds)


def test_a_clean_folder_keeps_the_original_error(mixed_folder):
    assert data.check_image_files(mixed_folder) == 8
    assert data.find_undecodable(sorted(str(p) for p in mixed_folder.rglob("*.png"))) is None
    with pytest.raises(tf.errors.InvalidArgumentError, match="unrelated"):
        with data.naming_bad_files(str(mixed_folder)):
            raise tf.errors.InvalidArgumentError(None, None, "unrelated")


@pytest.mark.parametrize("width, height, size", [
    (20000, 20000, "400,000,000 pixels"),  # past PIL's own bomb limit (it refuses the file)
    (9000, 9000, "9000x9000"),  # under PIL's limit, over ours
])
def test_huge_image_is_named_before_anything_is_decoded(tmp_path, width, height, size):
    for i in range(3):
        save(tmp_path / f"{i}.png", np.zeros((8, 8), np.uint8))
    png_declaring(tmp_path / "huge.png", width, height)
    with pytest.raises(ValueError, match=rf"huge\.png is {size}, over the 67,108,864-pixel limit .*MAX_IMAGE_PIXELS.*downscale") as info:
        data.image_dataset(tmp_path, 2)
    assert "\n" not in str(info.value)


def test_huge_image_unverified_is_refused_by_its_header_in_the_pipeline(tmp_path):
    # 64 files: with verify_files=False only every other header is read up front.
    for i in range(64):
        save(tmp_path / f"a{i:02d}.png", np.zeros((8, 8), np.uint8))
    png_declaring(tmp_path / "a00b.png", 20000, 20000)  # sorts second: never sniffed
    ds = data.image_dataset(tmp_path, 5, verify_files=False, image_size=8, shuffle=False, cache=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"pixel limit.*a00b\.png"):
        batches(ds)


def test_declared_pixels_reads_each_format_header(tmp_path):
    image = np.zeros((5, 7, 3), np.uint8)
    for fmt in ("PNG", "GIF", "BMP", "JPEG"):
        Image.fromarray(image).save(tmp_path / f"x.{fmt}", format=fmt)
        contents = tf.io.read_file(str(tmp_path / f"x.{fmt}"))
        assert int(folders.declared_pixels(contents)) == 35, fmt
    assert int(folders.declared_pixels(tf.constant(b"not an image at all"))) == 0
    assert int(folders.declared_pixels(tf.constant(b"BM"))) == 0  # shorter than any header


def test_a_link_back_up_the_tree_lists_each_image_once(mixed_folder):
    # A link to an ancestor: os.walk(followlinks=True) listed every image again at each depth
    # until the path grew too long (8 images became hundreds of duplicates).
    (mixed_folder / "sub" / "up").symlink_to(mixed_folder, target_is_directory=True)
    (mixed_folder / "again").symlink_to(mixed_folder / "sub", target_is_directory=True)
    assert len(folders.list_images(mixed_folder)) == 8
    assert len(batches(data.image_dataset(mixed_folder, 8, image_size=16, shuffle=False))) == 1


@pytest.mark.parametrize("kind", ["fifo", "device", "broken link"])
def test_a_file_that_is_not_a_regular_file_is_named_before_it_is_read(mixed_folder, kind):
    import os

    bad = mixed_folder / "sub" / "x.png"
    if kind == "fifo":
        os.mkfifo(bad)  # opening it for reading blocked forever
    elif kind == "device":
        bad.symlink_to("/dev/zero")
    else:
        bad.symlink_to(mixed_folder / "gone.png")
    expected = {"fifo": "is a fifo, not an image file", "device": "is a device, not an image file",
                "broken link": r"cannot be read \(No such file or directory\)"}[kind]
    with pytest.raises(ValueError, match=expected) as info:
        data.image_dataset(mixed_folder, 2)
    assert "\n" not in str(info.value) and str(bad) in str(info.value)


@pytest.mark.parametrize("name", ["t10k-images-idx3-ubyte", "photo.png"])
def test_a_fifo_or_device_given_as_the_source_is_not_called_a_single_file(tmp_path, name):
    # A fifo named like an IDX file was "a single file: pass ... an MNIST '*-idx3-ubyte' file".
    import os

    os.mkfifo(tmp_path / name)  # reading it blocked forever
    (tmp_path / f"zero-{name}").symlink_to("/dev/zero")  # reading it never ended
    for source, kind in ((tmp_path / name, "a fifo"), (tmp_path / f"zero-{name}", "a device")):
        with pytest.raises(ValueError, match=rf"is {kind}, not a regular file: pass a folder of "
                                             r"images"):
            data.image_dataset(str(source), 2)
