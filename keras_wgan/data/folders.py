"""A folder of JPEG/PNG images (flat or nested, like CelebA's ``img_align_celeba/``) as a dataset."""

import os
import re
import warnings

import tensorflow as tf

from keras_wgan import filekind
from keras_wgan.data import labels as class_labels
from keras_wgan.data import pipeline
from keras_wgan.data.transforms import UINT8_RANGE, as_size, image_transform

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
# What PIL may call a file that `tf.io.decode_image` can decode (MPO: multi-picture JPEGs
# written by some cameras, decoded as their first JPEG frame).
DECODABLE_FORMATS = {"JPEG", "MPO", "PNG", "BMP", "GIF"}
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}
# Files sniffed for channels/size when every file is not verified.
_SNIFF = 32
# The largest image (width x height) read: 8192 x 8192. Decoded, it takes 64 MB a channel;
# training images are shrunk to at most a few hundred pixels a side, so anything larger is
# a mistake or a decompression bomb (a small file that decodes to gigabytes). Raise it here
# (``keras_wgan.data.folders.MAX_IMAGE_PIXELS = ...``) for truly huge sources.
MAX_IMAGE_PIXELS = 8192 * 8192


def list_images(directory):
    """Sorted paths of the image files under ``directory`` (recursive; hidden entries skipped).

    Raises FileNotFoundError, naming the fix, when the folder is missing or holds no image.
    Files with other extensions (``.txt``, ``.csv`` beside the images) are ignored, as in
    ``keras.utils.image_dataset_from_directory``.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Image folder {directory} does not exist: check the path.")
    paths, others, walked = [], [], set()
    for root, dirs, files in os.walk(directory, followlinks=True):
        # Linked folders are followed once each: a link back up (a loop) would list every
        # image again at each depth, until the path grew too long.
        here = os.stat(root)
        if (here.st_dev, here.st_ino) in walked:
            dirs[:] = []
            continue
        walked.add((here.st_dev, here.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(IMAGE_EXTENSIONS):
                paths.append(_regular_file(os.path.join(root, name)))
            else:
                others.append(os.path.join(root, name))
    if not paths:
        found = f" (found {len(others)} other files, e.g. {others[0]})" if others else " (it is empty)"
        raise FileNotFoundError(
            f"No {'/'.join(e[1:] for e in IMAGE_EXTENSIONS)} images in {directory}{found}: "
            "point at the folder that holds the images."
        )
    return paths


def _regular_file(path):
    """``path`` when it is (or links to) a regular file; a fifo named ``x.png`` would block the
    first read forever, a device never end: one line naming it instead."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:  # a broken link, or no permission to look
        raise ValueError(f"{path} cannot be read ({error.strerror}): fix or remove it.") from None
    kind = filekind.mode_kind(mode)
    if kind:
        raise ValueError(f"{path} is {kind}, not an image file: remove it from the folder.")
    return path


def inspect_image(path):
    """``((height, width), is_gray)`` of one file from its header; ValueError naming a non-image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # PIL warns past 89M pixels and refuses past 179M; the bound below is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, (w, h), mode = image.format, image.size, image.mode
    except Image.DecompressionBombError as e:
        found = re.search(r"\((\d+) pixels\)", str(e))
        raise ValueError(_too_large(path, f"{int(found.group(1)):,} pixels" if found else "huge")) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ValueError(
            f"{path} is not a readable image ({type(e).__name__}): delete or replace the file."
        ) from None
    if fmt not in DECODABLE_FORMATS:
        raise ValueError(f"{path} is a {fmt} image, which TensorFlow cannot decode: convert it to PNG or JPEG.")
    if w * h > MAX_IMAGE_PIXELS:
        raise ValueError(_too_large(path, f"{w}x{h}"))
    return (h, w), mode in GRAY_MODES


def _too_large(path, size):
    return (
        f"{path} is {size}, over the {MAX_IMAGE_PIXELS:,}-pixel limit "
        "(keras_wgan.data.folders.MAX_IMAGE_PIXELS): downscale the image or remove it."
    )


def folder_dataset(
    directory,
    batch_size,
    *,
    image_size=None,
    channels=None,
    crop=None,
    shuffle=True,
    seed=None,
    cache="auto",
    repeat=False,
    verify_files=True,
    labels=None,
):
    """A dataset of float32 ``(batch_size, H, W, C)`` batches in [-1, 1] from an image folder.

    With ``labels="inferred"`` the folder holds one subfolder per class (``digits/0/*.png``,
    ``digits/1/*.png``, ...): batches are ``(images, labels)``, the label of an image the
    index of its subfolder among the sorted subfolder names, which the dataset carries as
    ``class_names`` (so ``len(ds.class_names)`` is a conditional model's ``num_classes``).

    Args:
        directory: folder of .jpg/.jpeg/.png/.bmp/.gif files, searched recursively; other files
            and hidden entries are ignored.
        batch_size: images per batch (``drop_remainder=True``).
        image_size: None, an int or ``(h, w)``: shrink keeping the aspect ratio, then center-crop
            to this size. None keeps the images' (or the crop's) size, which must then be the
            same for every image. Never upscales: a smaller image is an error naming the file.
        channels: 1 or 3; None picks 3 if any image is in color, else 1. Grayscale and RGB
            images in one folder are converted to ``channels``; alpha is dropped.
        crop: None, an int or ``(h, w)``: center-crop each image to this first.
        shuffle: reshuffle every pass. seed: int for a reproducible order, or None.
        cache: "auto" (in memory when the resized uint8 images take at most half the free
            memory), True, False or a file path for ``Dataset.cache``.
        repeat: repeat endlessly (then pass ``steps_per_epoch`` to ``fit``).
        verify_files: read every file's header before training, so a non-image, too-small or
            too-large (`MAX_IMAGE_PIXELS`) file is reported by name up front. About 35-60 us
            per file on a local disk; set False for huge folders on slow disks (each file's
            declared size is then checked in the pipeline, before it is decoded).

    A file whose header is sound but whose data is damaged (a truncated download) is found
    only by decoding it, which the pipeline does while training; `keras_wgan.training.run`
    and ``keras-wgan`` then name it (`check_image_files` reads every file as training would).
    """
    class_labels.check_label_option(labels, f"folder {directory}")
    if labels is None:
        names, paths, indices = None, list_images(directory), None
    else:
        names, paths, indices = class_labels.class_folders(directory, list_images)
    batch_size = pipeline.check_batch_size(batch_size, len(paths), directory)
    crop, size = as_size(crop, "crop"), as_size(image_size, "image_size")
    checked = paths if verify_files else paths[:: max(1, len(paths) // _SNIFF)]
    infos = [(p, *inspect_image(p)) for p in checked]
    if verify_files:
        _check_sizes(infos, crop, size)
    if channels is None:
        channels = 1 if all(gray for _, _, gray in infos) else 3
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1, 3 or None, got {channels!r}.")
    if size is None:
        size = crop or _common_size(infos, verify_files)
    transform = image_transform(channels, crop, size)

    def load(path):
        contents = tf.io.read_file(path)
        if not verify_files:  # headers unread so far: refuse a huge image before decoding it
            contents = _within_pixel_limit(contents, path)
        image = tf.io.decode_image(contents, channels=0, expand_animations=False)
        return transform(image)

    cache_mode = pipeline.resolve_cache(cache, len(paths) * size[0] * size[1] * channels)
    ds = tf.data.Dataset.from_tensor_slices(paths if names is None else (paths, indices))
    if shuffle and not cache_mode:
        # Uncached: shuffle the file names (cheap) before decoding, not decoded images.
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(load if names is None else (lambda path, label: (load(path), label)),
                **pipeline.map_options(shuffle, seed))
    ds = pipeline.finish(
        ds, batch_size=batch_size, value_range=UINT8_RANGE, shuffle=shuffle and bool(cache_mode),
        seed=seed, repeat=repeat, cache=cache_mode, buffer_size=len(paths),
        labelled=names is not None,
    )
    if names is not None:
        ds.class_names = names
    return ds


def _check_sizes(infos, crop, size):
    for name, want in (("crop", crop), ("image_size", size)):
        if want is None:
            continue
        small = [(p, hw) for p, hw, _ in infos if hw[0] < want[0] or hw[1] < want[1]]
        if small:
            (path, (h, w)), more = small[0], len(small) - 1
            also = f" (and {more} more)" if more else ""
            raise ValueError(
                f"{path} is {h}x{w}{also}, smaller than the requested {name} {want[0]}x{want[1]}: "
                "request a smaller size or remove the small images (images are never upscaled)."
            )
        if name == "crop":
            infos = [(p, want, g) for p, _, g in infos]  # later checks see the cropped size


def _common_size(infos, verified):
    sizes = {hw for _, hw, _ in infos}
    if len(sizes) > 1 and verified:
        (p1, s1, _), (p2, s2, _) = infos[0], next(i for i in infos if i[1] != infos[0][1])
        raise ValueError(
            f"Images differ in size ({p1} is {s1[0]}x{s1[1]}, {p2} is {s2[0]}x{s2[1]}): "
            "pass image_size=(height, width) to resize them all."
        )
    return infos[0][1]  # unverified: the first image's size; others are resized to it


def _within_pixel_limit(contents, path):
    """``contents``, once the width x height its header declares is within `MAX_IMAGE_PIXELS`."""
    message = f"image over the {MAX_IMAGE_PIXELS:,}-pixel limit (MAX_IMAGE_PIXELS), downscale or remove it:"
    ok = tf.debugging.Assert(declared_pixels(contents) <= MAX_IMAGE_PIXELS, [message, path])
    with tf.control_dependencies([ok]):
        return tf.identity(contents)


def declared_pixels(contents):
    """Width x height read from a PNG, GIF, BMP or JPEG header (int64 tensor), decoding nothing.

    Other bytes give 0 (the decoder then refuses them itself).
    """
    padded = tf.strings.join([contents, tf.constant(b"\0" * 32)])  # short files read as zeros

    def integer(offset, size, big_endian):
        raw = tf.cast(tf.io.decode_raw(tf.strings.substr(padded, offset, size), tf.uint8), tf.int64)
        powers = tf.constant([256**i for i in range(size)], tf.int64)
        return tf.reduce_sum(raw * (powers[::-1] if big_endian else powers))

    def starts(magic):
        return tf.equal(tf.strings.substr(padded, 0, len(magic)), magic)

    png = integer(16, 4, True) * integer(20, 4, True)  # IHDR width, height
    gif = integer(6, 2, False) * integer(8, 2, False)  # logical screen width, height
    bmp_height = integer(22, 4, False)
    bmp_height = tf.where(bmp_height >= 2**31, 2**32 - bmp_height, bmp_height)  # top-down: < 0
    bmp = integer(18, 4, False) * bmp_height
    jpeg = tf.cond(
        starts(b"\xff\xd8\xff"),
        lambda: tf.reduce_prod(tf.cast(tf.image.extract_jpeg_shape(contents)[:2], tf.int64)),
        lambda: tf.constant(0, tf.int64),
    )
    return tf.where(starts(b"\x89PNG"), png, tf.where(starts(b"GIF8"), gif,
                    tf.where(starts(b"BM"), bmp, jpeg)))
