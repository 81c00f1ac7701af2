"""keras_wgan.data from image folders written to tmp_path: nesting, mixed channels, bad files."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_wgan import data


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
