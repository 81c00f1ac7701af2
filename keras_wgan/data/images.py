"""`image_dataset`: one entry point from any image source to batches ready for ``fit``."""

import os

import numpy as np

from keras_wgan import filekind
from keras_wgan.data.arrays import array_dataset, idx_dataset
from keras_wgan.data.folders import folder_dataset
from keras_wgan.data.tfds_source import tfds_dataset


def image_dataset(
    source,
    batch_size,
    *,
    image_size=None,
    channels=None,
    crop="auto",
    shuffle=True,
    seed=None,
    cache="auto",
    repeat=False,
    check_finite=True,
    value_range=None,
    data_dir=None,
    download=True,
    split="train",
    verify_files=True,
    labels=None,
):
    """A ``tf.data.Dataset`` of real images: float32 ``(batch_size, H, W, C)`` in [-1, 1], no labels
    (unless ``labels`` asks for them: then ``(images, labels)`` batches, for a class-conditional
    model, and the dataset's ``class_names``).

    Pipeline: read -> convert channels -> center-crop -> resize (parallel map) -> cache ->
    shuffle -> [repeat] -> ``batch(drop_remainder=True)`` -> scale -> ``prefetch(AUTOTUNE)``.

    The adversarial models split each batch into ``critic_steps`` equal slices, one fresh
    slice of real data per critic update: for WGAN/WGAN-GP with 5 critic steps, pass
    ``batch_size=5 * 64`` for 64 real images per critic step (GAN/NSGAN: 1 step, 64).

    Args:
        source: where the images come from:
            ``"tfds:<name>"``: a TensorFlow Datasets image set (``"tfds:mnist"``,
            ``"tfds:celeb_a"``, ...), see `tfds_dataset`;
            a folder of jpg/png/bmp/gif images, flat or nested, see `folder_dataset`;
            a folder holding MNIST ``*-idx3-ubyte[.gz]`` files, or such a file, see `idx_dataset`;
            a NumPy array ``(N, H, W)`` or ``(N, H, W, C)``, uint8 in [0, 255] or float in
            [0, 1] (checked; see ``value_range``), see `array_dataset`.
        batch_size: images per batch; must not exceed the dataset size.
        image_size: None (keep the source's size; 64 for CelebA), an int or ``(h, w)``: shrink
            keeping the aspect ratio, then center-crop to exactly this. Never upscales.
        channels: 1 or 3, converting gray <-> RGB (mixed folders are converted); None keeps
            the source's channels (3 for folders with any color image).
        crop: "auto" (CelebA: 108, its faces' usual center crop; 140 is the other common
            choice; no crop elsewhere), None, an int or ``(h, w)``: center-crop first.
        shuffle: reshuffle every pass through the data.
        seed: int making the order reproducible run to run; None for a fresh order.
        cache: "auto" (cache in memory when the prepared images take at most half the free
            memory), True, False or a file path for ``Dataset.cache``.
        repeat: repeat endlessly (then pass ``steps_per_epoch`` to ``fit``).
        check_finite: reject arrays with NaN/Inf (arrays only; decoded images are finite).
        value_range: ``(lo, hi)`` of an array's or IDX file's values, mapped to [-1, 1].
        data_dir, download: passed to TFDS (``tfds:`` sources only).
        split: the TFDS split, or ``"train"``/``"test"`` to choose the file in an IDX folder.
        verify_files: read every image file's header up front so a bad or too-small file is
            named before training starts (folders only).
        labels: None (no labels); ``"inferred"``: a folder's class subfolders (one per class,
            see `folder_dataset`) or the labels file beside MNIST IDX images; for an array
            source, an array of integer class indices, one per image.

    Raises:
        FileNotFoundError: a missing path, an empty folder, an unprepared TFDS set with
            ``download=False``.
        ValueError: anything else wrong with the input, in one line naming the fix.
    """
    common = dict(image_size=image_size, channels=channels, shuffle=shuffle, seed=seed, cache=cache, repeat=repeat)
    is_array = isinstance(source, np.ndarray) or (
        hasattr(source, "__array__") and not isinstance(source, (str, os.PathLike)))
    if labels is not None and not is_array and not (isinstance(labels, str) and labels == "inferred"):
        raise ValueError(
            f"labels must be None or 'inferred' for {source!r} (an array of labels goes with an "
            "array of images), got " + (f"{labels!r}." if isinstance(labels, str) else
                                        f"a {type(labels).__name__}.")
        )
    if isinstance(source, str) and source.startswith("tfds:"):
        if labels is not None:
            raise ValueError(f"labels are not read from TFDS sources yet ({source}): load the "
                             "images and labels as arrays, or use a folder of class subfolders.")
        return tfds_dataset(source, batch_size, split=split, crop=crop, data_dir=data_dir, download=download, **common)
    crop = None if crop == "auto" else crop
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if _is_idx(path):
            return idx_dataset(
                path, batch_size, split=split, crop=crop, value_range=value_range, check_finite=check_finite,
                labels=labels, **common
            )
        if os.path.isdir(path):
            return folder_dataset(path, batch_size, crop=crop, verify_files=verify_files, labels=labels, **common)
        refusal = filekind.not_regular(path)
        if refusal:  # reading a fifo blocks forever
            raise ValueError(f"{refusal}: pass a folder of images or an MNIST "
                             "'*-idx3-ubyte[.gz]' file.")
        if os.path.exists(path):
            raise ValueError(
                f"{path} is a single file: pass the folder that holds the images, or an MNIST '*-idx3-ubyte[.gz]' file."
            )
        hint = f" (for TensorFlow Datasets write 'tfds:{path}')" if os.sep not in path and "." not in path else ""
        raise FileNotFoundError(f"No such file or folder: {path}{hint}.")
    if isinstance(source, np.ndarray) or hasattr(source, "__array__"):
        if isinstance(labels, str):
            raise ValueError("labels='inferred' is for folders and IDX files; with an array of "
                             "images pass an array of labels (one integer class per image).")
        return array_dataset(
            source, batch_size, crop=crop, value_range=value_range, check_finite=check_finite,
            labels=labels, **common
        )
    raise TypeError(
        f"source must be 'tfds:<name>', a folder or IDX path, or a NumPy array, got {type(source).__name__}."
    )


def _is_idx(path):
    """An IDX file, or a folder holding one (MNIST as distributed)."""
    if os.path.isfile(path):
        return "idx3-ubyte" in os.path.basename(path) or "idx1-ubyte" in os.path.basename(path)
    return os.path.isdir(path) and any("idx3-ubyte" in n for n in os.listdir(path))
