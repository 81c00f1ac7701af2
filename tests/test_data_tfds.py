"""keras_wgan.data from TFDS, offline through ``tfds.testing.mock_data``; the crop/resize transform."""

import numpy as np
import pytest
import tensorflow as tf

from keras_wgan import data
from keras_wgan.data import tfds_source
from keras_wgan.data.transforms import image_transform

tfds = pytest.importorskip("tensorflow_datasets")


@pytest.fixture(autouse=True)
def network_up(monkeypatch):
    """Every host answers: the mock data never downloads, whatever this machine's network.
    Tests of the probe itself (below, and tests/test_reachability.py) replace it again."""
    monkeypatch.setattr(tfds_source.reachability, "unreachable", lambda urls, **kw: None)


def batches(ds):
    return [b.numpy() for b in ds]


@pytest.mark.parametrize(
    "source, kwargs, shape",
    [
        ("tfds:mnist", {}, (4, 28, 28, 1)),
        ("tfds:mnist", {"channels": 3, "image_size": 16}, (4, 16, 16, 3)),
        ("tfds:celeb_a", {}, (4, data.CELEBA_SIZE, data.CELEBA_SIZE, 3)),
        ("tfds:celeb_a", {"crop": 140, "image_size": 32, "channels": 1}, (4, 32, 32, 1)),
        ("tfds:celeb_a", {"crop": None, "image_size": 64}, (4, 64, 64, 3)),
    ],
)
def test_mock_tfds_shapes_and_range(source, kwargs, shape):
    with tfds.testing.mock_data(num_examples=8):
        out = batches(data.image_dataset(source, 4, seed=0, **kwargs))
    assert [b.shape for b in out] == [shape] * 2
    assert all(b.dtype == np.float32 and b.min() >= -1 and b.max() <= 1 for b in out)
    assert np.std(np.concatenate(out)) > 0.05  # real pixels came through, not a constant


def test_mock_tfds_seeded_order_is_reproducible():
    with tfds.testing.mock_data(num_examples=12):
        a = np.concatenate(batches(data.image_dataset("tfds:mnist", 4, seed=5)))
        b = np.concatenate(batches(data.image_dataset("tfds:mnist", 4, seed=5)))
        plain = np.concatenate(batches(data.image_dataset("tfds:mnist", 4, shuffle=False)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, plain)
    # A permutation of the same 12 images.
    key = lambda x: sorted(map(bytes, x.reshape(len(x), -1)))  # noqa: E731
    assert key(a) == key(plain)


def test_download_switch_is_passed_through(monkeypatch):
    calls = []
    with tfds.testing.mock_data(num_examples=4):
        monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", lambda self, **kw: calls.append(self.name))
        data.image_dataset("tfds:mnist", 2, download=True)
        data.image_dataset("tfds:mnist", 2, download=False)
    assert calls == ["mnist"]


def test_unprepared_without_download_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"tfds:mnist is not prepared in .*pass download=True") as info:
        data.image_dataset("tfds:mnist", 2, data_dir=str(tmp_path), download=False)
    assert "\n" not in str(info.value)
    # The command line's user is told the flags, not only the Python arguments.
    assert "drop --no-download" in str(info.value) and "(--data-dir)" in str(info.value)


@pytest.mark.parametrize("name, close", [("mnsit", "tfds:mnist"), ("celeba", "tfds:celeb_a"), ("zzzzqqq", None)])
def test_unknown_name_lists_close_matches(name, close):
    with pytest.raises(ValueError, match=f"Unknown TFDS dataset 'tfds:{name}'") as info:
        data.image_dataset(f"tfds:{name}", 2)
    message = str(info.value)
    assert (close in message) if close else "tfds.list_builders()" in message
    assert "\n" not in message


def test_plain_name_hints_at_tfds_prefix():
    with pytest.raises(FileNotFoundError, match="write 'tfds:mnist'"):
        data.image_dataset("mnist", 2)


def test_celeba_transform_keeps_the_central_108_square():
    # A CelebA-sized 218x178 frame: white 108x108 center, black around it. Cropping the
    # center then shrinking to 64 must give pure white; any off-center or stretched resize
    # would pull in black.
    frame = np.zeros((218, 178, 3), np.uint8)
    top, left = (218 - 108) // 2, (178 - 108) // 2
    frame[top : top + 108, left : left + 108] = 255
    out = image_transform(3, (data.CELEBA_CROP,) * 2, (data.CELEBA_SIZE,) * 2)(tf.constant(frame))
    assert out.shape == (64, 64, 3) and out.dtype == tf.uint8
    assert int(tf.reduce_min(out)) == 255
    loose = image_transform(3, (140, 140), (64, 64))(tf.constant(frame))
    assert int(tf.reduce_min(loose)) == 0  # the 140 crop includes the black border


def test_resize_keeps_aspect_ratio_and_passes_same_size_through():
    # 40x20, top 8 rows black, the rest gray. Covering 10x10 shrinks to 20x10 and crops the
    # central 10 rows (source rows 10..30): all gray. Stretching 40x20 -> 10x10 would keep black.
    image = np.full((40, 20, 1), 200, np.uint8)
    image[:8] = 0
    out = image_transform(1, None, (10, 10))(tf.constant(image)).numpy()
    assert out.shape == (10, 10, 1)
    assert np.all(out == 200)
    same = image_transform(1, None, (40, 20))(tf.constant(image)).numpy()
    np.testing.assert_array_equal(same, image)


@pytest.mark.parametrize(
    "source, kwargs, match",
    [
        ("tfds:mnist", {"image_size": 32}, "tfds:mnist images are 28x28, smaller than the requested image_size 32x32"),
        ("tfds:celeb_a", {"image_size": 128}, "images cropped 108x108, smaller than the requested image_size 128x128"),
        ("tfds:celeb_a", {"crop": 200}, "are 218x178, smaller than the requested crop 200x200"),
    ],
)
def test_sizes_beyond_the_dataset_fail_up_front(source, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.image_dataset(source, 2, download=False, **kwargs)


def test_the_real_download_path_has_its_imports(tmp_path):
    # TFDS reads its URL checksums through etils.epath, which imports importlib_resources: it
    # was missing from the install, so every first `tfds:` download failed with
    # ModuleNotFoundError (mock_data, below and above, never goes there).
    builder = tfds.builder("mnist", data_dir=str(tmp_path))
    assert any("mnist" in url for url in builder.url_infos)


def test_a_failed_download_is_one_line_naming_the_ways_around_it(tmp_path, monkeypatch):
    import requests

    def offline(self, *args, **kwargs):
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='storage.googleapis.com', port=443): Max retries "
            "exceeded\nwith url: /cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(OSError, match=r"could not download tfds:mnist \(HTTPSConnectionPool") as info:
        data.image_dataset("tfds:mnist", 2, data_dir=str(tmp_path))
    message = str(info.value)
    assert "\n" not in message and "--data-dir" in message and "--data PATH" in message


def test_an_unreachable_network_is_told_before_tfds_retries(tmp_path, monkeypatch):
    # Offline, TFDS's own retries take about 3.5 minutes to fail; the probe answers first.
    asked, called = [], []
    monkeypatch.setattr(tfds_source.reachability, "unreachable",
                        lambda urls, **kw: asked.append(list(urls)) or "storage.googleapis.com port "
                        "443: its name does not resolve (Name or service not known)")
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        lambda self, **kw: called.append(self.name))
    with pytest.raises(OSError, match=r"could not download tfds:mnist \(cannot reach "
                       r"storage.googleapis.com port 443: its name does not resolve") as info:
        data.image_dataset("tfds:mnist", 2, data_dir=str(tmp_path))
    assert "\n" not in str(info.value) and "--data-dir" in str(info.value)
    assert called == []  # TFDS's download never started
    urls = asked[0]
    assert any("cvdf-datasets/mnist" in url for url in urls) and tfds_source.TFDS_MIRROR in urls


def test_files_already_downloaded_or_prepared_data_skip_the_probe(tmp_path, monkeypatch):
    probed, called = [], []
    monkeypatch.setattr(tfds_source.reachability, "unreachable",
                        lambda urls, **kw: probed.append(1) or "nowhere: down")
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare",
                        lambda self, **kw: called.append(self.name))
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "t10k-images-idx3-ubyte.gz").write_bytes(b"copied from elsewhere")
    with pytest.raises(FileNotFoundError):  # the patched prepare prepared nothing
        data.image_dataset("tfds:mnist", 2, data_dir=str(tmp_path))
    assert probed == [] and called == ["mnist"]
    with tfds.testing.mock_data(num_examples=4):  # prepared (mock metadata): no probe either
        monkeypatch.setattr(tfds.core.DatasetBuilder, "is_prepared", lambda self: True)
        data.image_dataset("tfds:mnist", 2)
    assert probed == []
