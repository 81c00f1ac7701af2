"""NumPy arrays and MNIST IDX files as datasets of [-1, 1] image batches."""

import os

import numpy as np
import tensorflow as tf

from keras_wgan.data import labels as class_labels
from keras_wgan.data import pipeline
from keras_wgan.data.idx import read_idx
from keras_wgan.data.transforms import as_size, image_transform

# Files in an MNIST folder that hold each split's images, in order of preference.
IDX_SPLIT_PREFIXES = {"train": ("train",), "test": ("t10k", "test")}
# Rows checked at a time for NaN/Inf and the value range, so a large array needs no
# full-size temporary boolean copy.
_CHECK_CHUNK = 4096


def array_dataset(
    images,
    batch_size,
    *,
    image_size=None,
    channels=None,
    crop=None,
    value_range=None,
    shuffle=True,
    seed=None,
    cache="auto",
    repeat=False,
    check_finite=True,
    labels=None,
):
    """A dataset of float32 ``(batch_size, H, W, C)`` batches in [-1, 1] from an in-memory array.

    With ``labels`` (integer class indices, one per image) it yields ``(images, labels)``
    batches, labels int32 ``(batch_size,)``, shuffled with their images, and carries
    ``class_names`` (``"0"`` to the largest label), for a class-conditional model.

    Args:
        images: array-like ``(N, H, W)`` or ``(N, H, W, C)`` with C in {1, 2, 3, 4}.
            uint8 values are read as [0, 255] (``x / 127.5 - 1``); other integers likewise;
            floats are assumed to lie in [0, 1] (as from ``x / 255``) and are checked.
        batch_size: images per batch (``drop_remainder=True``).
        image_size: None (keep), an int or ``(h, w)``: shrink keeping the aspect ratio, then
            center-crop to exactly this size. Never upscales: smaller images are an error.
        channels: 1 or 3; None keeps the array's (alpha dropped). Converts gray <-> RGB.
        crop: None, an int or ``(h, w)``: center-crop to this before resizing.
        value_range: ``(lo, hi)`` of the values, mapped to [-1, 1]; overrides the defaults above,
            e.g. ``(-1, 1)`` for data already scaled.
        shuffle: reshuffle every pass. seed: int for a reproducible order, or None.
        cache: "auto", True, False or a file path. Only used when images are transformed
            (cropped, resized, converted): the raw array is in memory already.
        repeat: repeat endlessly (then pass ``steps_per_epoch`` to ``fit``).
        check_finite: reject NaN/Inf in float arrays (one pass over the data).
        labels: None, or an array ``(N,)`` / ``(N, 1)`` of integer class indices >= 0.
    """
    return _from_array(
        images, batch_size, "the array", image_size=image_size, channels=channels, crop=crop,
        value_range=value_range, shuffle=shuffle, seed=seed, cache=cache, repeat=repeat,
        check_finite=check_finite, labels=labels,
    )


def idx_dataset(path, batch_size, *, split="train", labels=None, **options):
    """Images from an MNIST-style IDX file, or from a folder holding them, as in `array_dataset`.

    Args:
        path: an ``*-idx3-ubyte[.gz]`` file, or a folder; in a folder the file for ``split`` is
            chosen by name: "train" -> ``train-images-idx3-ubyte[.gz]``, "test" -> ``t10k-...``
            (a folder with a single idx3 file uses it whatever the split).
        batch_size: images per batch.
        split: "train" or "test" (used for folders only).
        labels: None, or ``"inferred"``: ``(images, labels)`` batches with the labels of the
            ``*-labels-idx1-ubyte[.gz]`` file beside the images (MNIST's naming).
        **options: any keyword of `array_dataset`.
    """
    class_labels.check_label_option(labels, f"IDX file {path}")
    path = os.fspath(path)
    if os.path.isdir(path):
        path = find_idx_file(path, split)
    elif not os.path.exists(path):
        raise FileNotFoundError(f"No IDX file at {path}: check the path (MNIST files are named '*-idx3-ubyte[.gz]').")
    images = read_idx(path)
    if images.ndim != 3:
        raise ValueError(
            f"{path} holds an array of shape {images.shape}, not images (N, H, W): "
            "point at the '*-images-idx3-ubyte' file, not the labels."
        )
    if labels is not None:
        labels = read_idx(labels_file(path))
    return _from_array(images, batch_size, path, labels=labels, **options)


def labels_file(images_path):
    """The ``*-labels-idx1-ubyte[.gz]`` file beside an ``*-images-idx3-ubyte[.gz]`` one."""
    folder, name = os.path.split(images_path)
    path = os.path.join(folder, name.replace("images-idx3", "labels-idx1"))
    if path == images_path or not os.path.isfile(path):
        raise FileNotFoundError(
            f"No labels file beside {images_path} (expected "
            f"{os.path.basename(path) if path != images_path else '*-labels-idx1-ubyte[.gz]'}): "
            "add it, or load without labels."
        )
    return path


def find_idx_file(directory, split):
    """The ``*idx3-ubyte[.gz]`` image file for ``split`` in ``directory``."""
    names = sorted(n for n in os.listdir(directory) if "idx3-ubyte" in n)
    if not names:
        raise FileNotFoundError(
            f"No '*-idx3-ubyte[.gz]' image file in {directory}: point at a folder holding MNIST IDX files."
        )
    if len(names) == 1:
        return os.path.join(directory, names[0])
    if split not in IDX_SPLIT_PREFIXES:
        raise ValueError(f"split must be one of {sorted(IDX_SPLIT_PREFIXES)} for IDX folders, got {split!r}.")
    matches = [n for n in names if n.startswith(IDX_SPLIT_PREFIXES[split])]
    if not matches:
        raise FileNotFoundError(
            f"No {split} images in {directory} (found {', '.join(names)}): pass the file path itself."
        )
    return os.path.join(directory, matches[0])


def _from_array(
    images, batch_size, source, *, image_size=None, channels=None, crop=None, value_range=None,
    shuffle=True, seed=None, cache="auto", repeat=False, check_finite=True, labels=None,
):
    images = _as_image_array(images, source)
    n, h, w, c = images.shape
    if labels is not None:
        labels = class_labels.as_labels(labels, n, source)
    batch_size = pipeline.check_batch_size(batch_size, n, source)
    value_range = _check_values(images, value_range, check_finite, source)
    if images.dtype != np.uint8 and images.dtype != np.float32:
        images = images.astype(np.float32)  # tf.data moves float32; ints beyond uint8 rarely occur
    if channels is None:
        channels = 1 if c in (1, 2) else 3
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}.")
    crop, size = as_size(crop, "crop"), as_size(image_size, "image_size")
    for name, want in (("crop", crop), ("image_size", size)):
        if want is not None and (h < want[0] or w < want[1]):
            raise ValueError(
                f"The images in {source} are {h}x{w}, smaller than the requested {name} "
                f"{want[0]}x{want[1]}: request at most {h}x{w} (images are never upscaled)."
            )
        if want is not None:
            h, w = want
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    changed = channels != c or crop is not None or (size is not None and size != images.shape[1:3])
    cache_mode = False
    if changed:
        transform = image_transform(channels, crop, size)
        if labels is not None:
            transform = (lambda f: lambda x, y: (f(x), y))(transform)
        ds = ds.map(transform, **pipeline.map_options(shuffle, seed))
        cache_mode = pipeline.resolve_cache(cache, n * h * w * channels * images.dtype.itemsize)
    ds = pipeline.finish(
        ds, batch_size=batch_size, value_range=value_range, shuffle=shuffle, seed=seed,
        repeat=repeat, cache=cache_mode, buffer_size=n, labelled=labels is not None,
    )
    if labels is not None:
        ds.class_names = class_labels.index_names(labels)
    return ds


def _as_image_array(images, source):
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(
            f"Expected images of shape (N, H, W) or (N, H, W, C) with C in 1..4 from {source}, "
            f"got shape {images.shape}."
        )
    if images.dtype == bool or not (np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)):
        raise ValueError(f"Expected integer or float images from {source}, got dtype {images.dtype}.")
    if images.shape[0] == 0:
        raise ValueError(f"{source} holds no images (shape {images.shape}).")
    return images


def _check_values(images, value_range, check_finite, source):
    """Return the ``(lo, hi)`` range of the values, verifying the data lies in it."""
    is_float = np.issubdtype(images.dtype, np.floating)
    if value_range is None:
        value_range = (0.0, 1.0) if is_float else (0.0, 255.0)
    lo, hi = (float(v) for v in value_range)
    if not hi > lo:
        raise ValueError(f"value_range must be (lo, hi) with hi > lo, got {value_range!r}.")
    if images.dtype == np.uint8 and (lo, hi) == (0.0, 255.0):
        return lo, hi  # every uint8 is in range; skip the pass over the data
    low, high = np.inf, -np.inf
    for start in range(0, images.shape[0], _CHECK_CHUNK):
        chunk = images[start : start + _CHECK_CHUNK]
        if is_float and check_finite and not np.isfinite(chunk).all():
            bad = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
            raise ValueError(
                f"{source} contains NaN or Inf (first in image {bad}): clean the data "
                "(e.g. np.nan_to_num) or pass check_finite=False to skip this check."
            )
        if chunk.size:
            low, high = min(low, np.nanmin(chunk)), max(high, np.nanmax(chunk))
    slack = 1e-3 * (hi - lo)  # tolerate float rounding at the ends of the range
    if low < lo - slack or high > hi + slack:
        hint = " (float images are assumed to be in [0, 1])" if is_float and value_range == (0.0, 1.0) else ""
        raise ValueError(
            f"The values in {source} span [{low:g}, {high:g}], outside value_range=({lo:g}, {hi:g}){hint}: "
            "pass value_range=(lo, hi) matching the data."
        )
    return lo, hi
