"""Labelled pipelines for conditional models: arrays, class folders, MNIST IDX, toy mixtures."""

import keras
import numpy as np
import pytest
from PIL import Image

import keras_wgan as kw
from keras_wgan import architectures, data

# One value of gray per class, so every image says which class it came from.
SHADES = {"cat": 0, "dog": 120, "eel": 240}


def class_folder(root, per_class=4, side=8):
    for name, shade in SHADES.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(np.full((side, side), shade, np.uint8)).save(root / name / f"{i}.png")
    return root


def pairs(ds):
    return [(x.numpy(), y.numpy()) for x, y in ds]


def shade_of(images):
    return np.rint((images[:, 0, 0, 0] + 1.0) * 127.5).astype(int)


def test_a_folder_of_class_subfolders_yields_each_image_with_its_class(tmp_path):
    ds = data.image_dataset(class_folder(tmp_path), 4, labels="inferred", seed=0)
    assert ds.class_names == ["cat", "dog", "eel"]
    assert ds.element_spec[1].dtype.name == "int32"
    seen = pairs(ds)
    assert len(seen) == 3
    for images, labels in seen:
        np.testing.assert_array_equal(shade_of(images), [SHADES[ds.class_names[k]] for k in labels])
    assert sorted(np.concatenate([y for _, y in seen]).tolist()) == [0] * 4 + [1] * 4 + [2] * 4
    # The same folder without labels: bare image batches, as before.
    assert data.image_dataset(tmp_path, 4, seed=0).element_spec.shape == (4, 8, 8, 1)


def test_a_conditional_model_trains_on_a_labelled_folder_with_the_same_fit(tmp_path):
    ds = data.image_dataset(class_folder(tmp_path), 6, labels="inferred", seed=0)
    k = len(ds.class_names)
    gan = kw.NSGAN(architectures.dcgan_generator(4, (8, 8, 1), 4, num_classes=k),
                   architectures.dcgan_critic((8, 8, 1), 4, num_classes=k), num_classes=k, seed=0)
    gan.compile()
    history = gan.fit(ds, epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][-1])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gan.label_counts), [4, 4, 4])
    assert gan.generate(6, seed=0, labels=2).shape == (6, 8, 8, 1)


@pytest.mark.parametrize("layout, match", [
    ("loose", r"labels='inferred' needs one subfolder per class in .* holds images directly "
              r"\(e\.g\. loose\.png\)"),
    ("one_class", "needs at least two class subfolders in .* found 1"),
    ("empty_class", r"Class folder .*empty holds no images"),
])
def test_a_folder_that_is_not_one_subfolder_per_class_is_refused(layout, match, tmp_path):
    class_folder(tmp_path / "root")
    root = tmp_path / "root"
    if layout == "loose":
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "loose.png")
    elif layout == "one_class":
        root = tmp_path / "single"
        (root / "only").mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "only" / "0.png")
    else:
        (root / "empty").mkdir()
    with pytest.raises(ValueError, match=match):
        data.image_dataset(root, 2, labels="inferred")


def test_array_labels_stay_with_their_images():
    images = np.repeat(np.arange(12, dtype=np.uint8)[:, None, None] * 20, 8 * 8).reshape(12, 8, 8)
    labels = np.arange(12) % 3
    ds = data.image_dataset(images, 4, labels=labels, seed=1, image_size=4)
    assert ds.class_names == ["0", "1", "2"]
    for batch, batch_labels in pairs(ds):
        np.testing.assert_array_equal(shade_of(batch) // 20 % 3, batch_labels)


@pytest.mark.parametrize("labels, match", [
    (np.zeros(12, "float32"),
     "labels for the array must be integer class indices, got dtype float32"),
    (np.zeros(5, "int32"), r"one class index per image, shape \(12,\), got shape \(5,\)"),
    (np.full(12, -1), "labels for the array must be >= 0"),
    ("inferred", "labels='inferred' is for folders and IDX files"),
])
def test_bad_array_labels_are_one_line(labels, match):
    with pytest.raises(ValueError, match=match):
        data.image_dataset(np.zeros((12, 8, 8), np.uint8), 4, labels=labels)


def test_labels_options_are_checked(tmp_path):
    class_folder(tmp_path)
    with pytest.raises(ValueError, match=r"labels must be None or 'inferred' for .* got 'yes'"):
        data.image_dataset(tmp_path, 2, labels="yes")
    with pytest.raises(ValueError, match="labels are not read from TFDS sources yet"):
        data.image_dataset("tfds:mnist", 2, labels="inferred")


def test_mnist_idx_labels_come_from_the_labels_file(mnist_dir):
    from keras_wgan.data.mnist import load_mnist

    images, labels = load_mnist(mnist_dir, labels=True)
    ds = data.image_dataset(mnist_dir, 500, labels="inferred", shuffle=False)
    assert ds.class_names == [str(d) for d in range(10)]
    x, y = next(iter(ds))
    np.testing.assert_array_equal(y.numpy(), labels[:500])
    np.testing.assert_allclose(x.numpy(), images[:500], atol=1e-6)


def test_idx_images_without_a_labels_file_are_refused(mnist_dir, tmp_path):
    import shutil

    shutil.copy(mnist_dir / "t10k-images-idx3-ubyte.gz", tmp_path)
    with pytest.raises(FileNotFoundError, match="No labels file beside .*t10k-images-idx3-ubyte"):
        data.image_dataset(tmp_path, 10, labels="inferred")


def test_labelled_toy_points_are_the_same_points_with_their_mode():
    points, labels = data.sample("ring8", 500, seed=3, labels=True)
    np.testing.assert_array_equal(points, data.sample("ring8", 500, seed=3))
    centres, _ = data.mixture_modes("ring8")
    nearest = np.linalg.norm(points[:, None] - centres[None], axis=-1).argmin(axis=1)
    np.testing.assert_array_equal(labels, nearest)
    assert labels.dtype == np.int32 and data.toy_num_classes("grid25") == 25
    stream = data.toy_dataset("grid25", 64, seed=0, labels=True)
    x, y = next(iter(stream))
    centres, _ = data.mixture_modes("grid25")
    np.testing.assert_array_equal(
        np.linalg.norm(x.numpy()[:, None] - centres[None], axis=-1).argmin(axis=1), y.numpy())
    np.testing.assert_array_equal(x.numpy(), next(iter(data.toy_dataset("grid25", 64, seed=0))))
    with pytest.raises(ValueError, match="'swiss_roll' has no classes to label its points with"):
        data.sample("swiss_roll", 4, labels=True)
