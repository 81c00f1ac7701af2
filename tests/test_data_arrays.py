"""keras_wgan.data from NumPy arrays and MNIST IDX files: values, shapes, order, errors."""

import gzip
import struct

import numpy as np
import pytest

from keras_wgan import data


def batches(ds):
    return [b.numpy() for b in ds]


def indexed_images(n, size=4):
    """Image i is filled with the value i, so a batch tells which images it holds."""
    return np.repeat(np.arange(n, dtype=np.uint8), size * size).reshape(n, size, size)


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize(
    "images, kwargs, shape",
    [
        (np.zeros((8, 6, 6), np.uint8), {}, (4, 6, 6, 1)),
        (np.zeros((8, 6, 6, 3), np.uint8), {}, (4, 6, 6, 3)),
        (np.zeros((8, 6, 6, 4), np.uint8), {}, (4, 6, 6, 3)),  # alpha dropped
        (np.zeros((8, 6, 6), np.float64), {}, (4, 6, 6, 1)),
        (np.zeros((8, 6, 6), np.uint8), {"channels": 3}, (4, 6, 6, 3)),
        (np.zeros((8, 6, 6, 3), np.uint8), {"channels": 1}, (4, 6, 6, 1)),
        (np.zeros((8, 12, 8), np.uint8), {"image_size": 4}, (4, 4, 4, 1)),
        (np.zeros((8, 12, 8), np.uint8), {"crop": 6, "image_size": (3, 3)}, (4, 3, 3, 1)),
    ],
)
def test_shapes_and_dtype(images, kwargs, shape):
    out = batches(data.image_dataset(images, 4, seed=0, **kwargs))
    assert len(out) == 2
    assert all(b.shape == shape and b.dtype == np.float32 for b in out)


@pytest.mark.parametrize(
    "values, kwargs, expected",
    [
        (np.array([0, 255, 51], np.uint8), {}, [-1.0, 1.0, 51 / 127.5 - 1]),
        (np.array([0, 255, 51], np.int64), {}, [-1.0, 1.0, 51 / 127.5 - 1]),
        (np.array([0.0, 1.0, 0.25], np.float32), {}, [-1.0, 1.0, -0.5]),
        (np.array([-1.0, 1.0, 0.5], np.float32), {"value_range": (-1, 1)}, [-1.0, 1.0, 0.5]),
    ],
)
def test_scaling_to_minus_one_one(values, kwargs, expected):
    images = np.broadcast_to(values[:, None, None], (3, 2, 2)).copy()
    (batch,) = batches(data.image_dataset(images, 3, shuffle=False, **kwargs))
    np.testing.assert_allclose(batch[:, 0, 0, 0], expected, rtol=0, atol=1e-6)
    assert batch.min() >= -1.0 and batch.max() <= 1.0


def test_drop_remainder_and_repeat():
    images = indexed_images(10)
    assert len(batches(data.image_dataset(images, 4, seed=0))) == 2
    endless = data.image_dataset(images, 4, seed=0, repeat=True)
    assert len(batches(endless.take(7))) == 7


def test_seeded_order_is_reproducible_and_each_pass_is_a_permutation():
    images = indexed_images(12)

    def order(ds):
        return [int(round((v + 1) * 127.5)) for b in batches(ds) for v in b[:, 0, 0, 0]]

    a = data.image_dataset(images, 3, seed=7)
    b = data.image_dataset(images, 3, seed=7)
    first, second = order(a), order(a)
    assert first == order(b) and second == order(b)
    assert sorted(first) == list(range(12)) and sorted(second) == list(range(12))
    assert first != second  # reshuffled each pass
    assert order(data.image_dataset(images, 3, seed=8)) != first
    assert order(data.image_dataset(images, 3, shuffle=False)) == list(range(12))


def test_channel_conversion_values():
    gray = np.arange(2 * 2 * 2, dtype=np.uint8).reshape(2, 2, 2) * 30
    (rgb,) = batches(data.image_dataset(gray, 2, channels=3, shuffle=False))
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])
    np.testing.assert_allclose(rgb[..., 1], gray / 127.5 - 1, atol=1e-6)
    red = np.zeros((2, 2, 2, 3), np.uint8)
    red[..., 0] = 255
    (luma,) = batches(data.image_dataset(red, 2, channels=1, shuffle=False))
    np.testing.assert_allclose(luma, round(0.2989 * 255) / 127.5 - 1, atol=1 / 127.5)


@pytest.mark.parametrize(
    "images, kwargs, match",
    [
        (np.full((4, 3, 3), np.nan, np.float32), {}, "NaN or Inf.*check_finite=False"),
        (np.array([[[0.5, np.inf]]] * 4, np.float32), {}, "NaN or Inf"),
        (np.full((4, 3, 3), 200.0, np.float32), {}, r"span \[200, 200\].*value_range"),
        (np.full((4, 3, 3), 300, np.int32), {}, "value_range"),
        (np.zeros((4, 3, 3), np.uint8), {"image_size": 5}, "3x3, smaller than the requested image_size 5x5"),
        (np.zeros((4, 3, 3), np.uint8), {"crop": (2, 4)}, "smaller than the requested crop"),
        (np.zeros((3, 3, 3), np.uint8), {"batch_size": 4}, "batch_size=4 is larger than the 3 images"),
        (np.zeros((4, 3), np.uint8), {}, "shape"),
        (np.zeros((0, 3, 3), np.uint8), {}, "no images"),
        (np.zeros((4, 3, 3), np.uint8), {"channels": 2}, "channels"),
        (np.zeros((4, 3, 3), np.uint8), {"batch_size": 0}, "positive integer"),
    ],
)
def test_bad_arrays_give_one_line_errors(images, kwargs, match):
    kwargs = {"batch_size": 2, **kwargs}
    with pytest.raises(ValueError, match=match) as info:
        data.image_dataset(images, **kwargs)
    assert "\n" not in str(info.value)


def test_check_finite_opt_out_lets_nan_through():
    images = np.zeros((4, 2, 2), np.float32)
    images[1, 0, 0] = np.nan
    out = np.concatenate(batches(data.image_dataset(images, 4, check_finite=False)))
    assert np.isnan(out).sum() == 1


def test_idx_file_folder_and_split_selection(tmp_path):
    train = np.full((6, 5, 5), 255, np.uint8)
    test = np.zeros((4, 5, 5), np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", train)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", test)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(6))
    (train_batch,) = batches(data.image_dataset(tmp_path, 6))
    assert train_batch.shape == (6, 5, 5, 1) and np.all(train_batch == 1.0)
    (test_batch,) = batches(data.image_dataset(tmp_path, 4, split="test"))
    assert np.all(test_batch == -1.0)
    single = data.image_dataset(tmp_path / "t10k-images-idx3-ubyte", 2, image_size=4, channels=3)
    assert batches(single)[0].shape == (2, 4, 4, 3)


def test_idx_errors(tmp_path):
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(6))
    with pytest.raises(ValueError, match="not the labels"):
        data.image_dataset(tmp_path / "train-labels-idx1-ubyte", 2)
    (tmp_path / "bogus-idx3-ubyte").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="bogus-idx3-ubyte is not an IDX file"):
        data.idx_dataset(tmp_path, 2)
    with pytest.raises(FileNotFoundError, match="No IDX file"):
        data.idx_dataset(tmp_path / "missing-idx3-ubyte", 2)


def test_real_mnist_test_split(mnist_dir):
    ds = data.image_dataset(mnist_dir, 100, split="test", seed=0)
    out = batches(ds)
    assert len(out) == 100 and out[0].shape == (100, 28, 28, 1)
    pixels = np.concatenate(out)
    assert pixels.min() == -1.0 and pixels.max() == 1.0
    # MNIST's mean intensity is ~0.13 of full scale, i.e. ~-0.74 in [-1, 1].
    assert -0.78 < pixels.mean() < -0.70


def test_batches_feed_a_wgan_gp_fit_step():
    import keras_wgan
    from tests.conftest import tiny_image_pair

    generator, critic = tiny_image_pair(image_shape=(8, 8, 1))
    gan = keras_wgan.WGANGP(generator=generator, discriminator=critic, latent_dim=8)
    gan.compile()
    images = np.random.default_rng(0).integers(0, 256, (20, 8, 8), dtype=np.uint8)
    # 5 critic steps: a batch of 5 * 2 gives each critic step 2 fresh real images.
    ds = data.image_dataset(images, 5 * 2, seed=0)
    history = gan.fit(ds, epochs=1, verbose=0)
    assert len(history.history["d_loss"]) == 1 and np.isfinite(history.history["d_loss"][0])


@pytest.mark.parametrize(
    "cache, nbytes, expected",
    [
        ("auto", 1024, True),
        ("auto", 1 << 60, False),  # an exabyte never fits
        ("auto", None, False),  # size unknown: do not risk it
        (True, 1 << 60, True),
        (False, 1, False),
        ("/tmp/some/cache", 1, "/tmp/some/cache"),
    ],
)
def test_cache_resolution(cache, nbytes, expected):
    from keras_wgan.data.pipeline import resolve_cache

    assert resolve_cache(cache, nbytes) == expected


def test_cache_rejects_nonsense():
    from keras_wgan.data.pipeline import resolve_cache

    with pytest.raises(ValueError, match="cache must be"):
        resolve_cache(3, 1)


def test_the_data_package_names_resolve_on_first_use():
    # keras_wgan.data imports its modules on first use (PEP 562), so its NumPy-only parts work
    # where TensorFlow is not installed (tests/test_without_tensorflow.py); every public name
    # must still resolve, and a typo must fail as an AttributeError naming it.
    import keras_wgan.data as data

    for name in data.__all__:
        assert getattr(data, name) is not None, name
    assert {"image_dataset", "toy_dataset", "read_idx", "mnist", "transforms"} <= set(dir(data))
    assert data.mnist.load_mnist is not None and data.toy.sample is data.sample
    with pytest.raises(AttributeError, match="has no attribute 'image_datset'"):
        data.image_datset
