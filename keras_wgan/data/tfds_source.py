"""Any TensorFlow Datasets image set (``tfds:mnist``, ``tfds:celeb_a``, ...) as a dataset."""

import difflib
import os

import numpy as np

from keras_wgan.data import pipeline, reachability
from keras_wgan.data.transforms import as_size, image_transform

# CelebA's aligned faces are 218x178 (HxW) with the face in the middle. The DCGAN/WGAN-GP
# CelebA setups crop the central 108x108 square (face and a little hair) and shrink it to
# 64x64; 140 is the other common crop (more hair and background, e.g. BEGAN). Both keep
# the aspect ratio, so faces are not stretched.
CELEBA_CROP = 108
CELEBA_SIZE = 64
_DEFAULTS = {"celeb_a": {"crop": CELEBA_CROP, "image_size": CELEBA_SIZE}}
_RANGES = {"uint8": (0.0, 255.0), "uint16": (0.0, 65535.0)}
#: Where TFDS looks for an already prepared copy before the dataset's own URLs.
TFDS_MIRROR = "https://storage.googleapis.com/tfds-data/"


def tfds_dataset(
    name,
    batch_size,
    *,
    split="train",
    image_size=None,
    channels=None,
    crop="auto",
    shuffle=True,
    seed=None,
    cache="auto",
    repeat=False,
    data_dir=None,
    download=True,
):
    """A dataset of float32 ``(batch_size, H, W, C)`` batches in [-1, 1] from TFDS, labels dropped.

    Args:
        name: a TFDS name, optionally with config/version (``"mnist"``, ``"celeb_a"``,
            ``"imagenet_resized/32x32"``); a leading ``"tfds:"`` is accepted.
        batch_size: images per batch (``drop_remainder=True``).
        split: a TFDS split, slices included (``"train"``, ``"test[:10%]"``).
        image_size: None, an int or ``(h, w)``: shrink keeping the aspect ratio, then
            center-crop to it. None keeps the dataset's size (64 for ``celeb_a``).
        channels: 1 or 3; None keeps the dataset's channels.
        crop: "auto" (108 for ``celeb_a``: its faces are center-cropped 108x108 then resized
            to 64x64; pass ``crop=140`` for the looser crop; None elsewhere), None, an int or
            ``(h, w)``: center-crop to this before resizing.
        shuffle: shuffle files and examples every pass. seed: int for a reproducible order.
        cache: "auto" (in memory when the prepared uint8 images take at most half the free
            memory, e.g. MNIST's 47 MB), True, False or a file path.
        repeat: repeat endlessly (then pass ``steps_per_epoch`` to ``fit``).
        data_dir: where TFDS keeps prepared data (default ``~/tensorflow_datasets``).
        download: download and prepare the data if it is not in ``data_dir`` yet.
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds

    name = name[len("tfds:"):] if name.startswith("tfds:") else name
    builder = _builder(tfds, name, data_dir)
    base = name.split("/")[0].split(":")[0]
    key, feature = _image_feature(builder, name)
    dtype = np.dtype(feature.np_dtype).name
    if dtype not in _RANGES:
        raise ValueError(f"tfds:{name} images are {dtype}; only uint8 and uint16 images are supported.")
    defaults = _DEFAULTS.get(base, {})
    crop = as_size(defaults.get("crop") if crop == "auto" else crop, "crop")
    size = as_size(image_size if image_size is not None else defaults.get("image_size"), "image_size")
    h, w, c = feature.shape
    channels = c if channels is None else channels
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3 (tfds:{name} has {c}), got {channels!r}.")
    _check_static_size(name, (h, w), crop, size)
    final = size or crop or ((h, w) if h and w else None)
    if final is None:
        raise ValueError(f"tfds:{name} images vary in size: pass image_size=(height, width).")

    if download:
        _download(builder, name)
    try:
        ds = builder.as_dataset(
            split=split,
            shuffle_files=shuffle,  # harmless before a cache: it fixes the first pass's order
            read_config=tfds.ReadConfig(shuffle_seed=seed),
        )
    except AssertionError as e:  # TFDS's way of saying "not prepared"
        raise FileNotFoundError(
            f"tfds:{name} is not prepared in {builder.data_dir}: pass download=True (on the command "
            "line: drop --no-download), or data_dir= (--data-dir) pointing at a prepared copy."
        ) from e
    n = int(ds.cardinality())
    n = n if n >= 0 else None
    batch_size = pipeline.check_batch_size(batch_size, n, f"tfds:{name} split {split!r}")
    transform = image_transform(channels, crop, size)
    options = pipeline.map_options(shuffle, seed)
    ds = ds.map(lambda example: transform(example[key]), **options)
    itemsize = 1 if dtype == "uint8" else 2
    cache_mode = pipeline.resolve_cache(cache, n * final[0] * final[1] * channels * itemsize if n else None)
    if not cache_mode and shuffle:
        # Files are shuffled already; this buffer mixes examples within and across files.
        buffer = min(n or pipeline.STREAM_SHUFFLE_BUFFER, pipeline.STREAM_SHUFFLE_BUFFER)
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return pipeline.finish(
        ds, batch_size=batch_size, value_range=_RANGES[dtype], shuffle=shuffle and bool(cache_mode),
        seed=seed, repeat=repeat, cache=cache_mode, buffer_size=n,
    )


def _check_static_size(name, hw, crop, size):
    """Fail before any download when the dataset's fixed image size cannot give what is asked."""
    have, state = (hw if all(hw) else None), "are"
    for what, want in (("crop", crop), ("image_size", size)):
        if have is not None and want is not None and (have[0] < want[0] or have[1] < want[1]):
            raise ValueError(
                f"tfds:{name} images {state} {have[0]}x{have[1]}, smaller than the requested {what} "
                f"{want[0]}x{want[1]}: request a smaller size (images are never upscaled)."
            )
        if want is not None:
            have, state = want, "cropped"


def _download(builder, name):
    """``download_and_prepare``, a failed download told in one line with the ways around it
    (TFDS itself raises a requests error about connection pools after its retries)."""
    import requests

    if not builder.is_prepared() and not _downloaded_before(builder):
        # Asked before TFDS's own retries, which take about 3.5 minutes to give up offline.
        why = reachability.unreachable([*(type(builder).url_infos or {}), TFDS_MIRROR])
        if why is not None:
            raise OSError(_failed_download(name, f"cannot reach {why}"))
    try:
        builder.download_and_prepare()
    except (requests.exceptions.RequestException, ConnectionError) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise OSError(_failed_download(name, reason)) from None


def _failed_download(name, reason):
    return (f"could not download tfds:{name} ({reason}): check the network, or prepare it on a "
            "machine with one and pass data_dir= (--data-dir) pointing at the copy, or train on a "
            "folder of images (--data PATH)")


def _downloaded_before(builder):
    """True if TFDS's download folder holds anything: it may then prepare without a network
    (files copied from another machine, a manual download), so no host is probed."""
    folder = os.path.join(os.fspath(builder.data_dir_root), "downloads")
    try:
        with os.scandir(folder) as entries:
            return any(entries)
    except OSError:
        return False


def _builder(tfds, name, data_dir):
    if not name.strip():  # TFDS: "Parsing builder name string  failed."
        raise ValueError("tfds: needs a dataset name, e.g. tfds:mnist or tfds:celeb_a.")
    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        base = name.split("/")[0].split(":")[0]
        close = difflib.get_close_matches(base, tfds.list_builders(), n=5, cutoff=0.6)
        hint = f"did you mean {', '.join('tfds:' + c for c in close)}?" if close else "see tfds.list_builders()."
        raise ValueError(f"Unknown TFDS dataset 'tfds:{name}': {hint}") from None


def _image_feature(builder, name):
    """``(key, feature)`` of the image feature: the one named "image", else the first Image."""
    import tensorflow_datasets as tfds

    features = builder.info.features
    images = [(k, f) for k, f in features.items() if isinstance(f, tfds.features.Image)]
    if not images:
        raise ValueError(
            f"tfds:{name} has no image feature (it has {', '.join(features.keys())}): "
            "pick an image dataset."
        )
    return next(((k, f) for k, f in images if k == "image"), images[0])
