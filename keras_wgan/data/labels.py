"""Class labels for the image pipelines: checked arrays, MNIST's label files, class folders.

A labelled pipeline yields ``(images, labels)`` batches, the labels int32 class indices
``(batch,)``: what a class-conditional model (``num_classes=``) trains on with the same
``fit``. The dataset carries ``class_names`` (one name per class, in index order), as
`keras.utils.image_dataset_from_directory` does, so ``len(ds.class_names)`` is the
``num_classes`` to build the model with.
"""

import os

import numpy as np

LABEL_SOURCES = (None, "inferred")


def as_labels(labels, n, source):
    """``labels`` as an int32 ``(n,)`` array of class indices >= 0, or one ValueError."""
    array = np.asarray(labels)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"labels for {source} must be integer class indices, got dtype {array.dtype}: "
            "convert them (y.astype('int32'); one-hot labels: y.argmax(axis=1))."
        )
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) != n:
        raise ValueError(
            f"labels for {source} must be one class index per image, shape ({n},), got shape "
            f"{array.shape}."
        )
    if n and array.min() < 0:
        raise ValueError(f"labels for {source} must be >= 0 (class indices), got {array.min()}.")
    return array.astype("int32")


def index_names(labels):
    """Class names of integer labels: ``"0" .. str(max label)``."""
    return [str(i) for i in range(int(labels.max()) + 1 if len(labels) else 0)]


def check_label_option(labels, source, allowed=LABEL_SOURCES):
    if not (labels is None or isinstance(labels, str) and labels in allowed):
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"labels for {source} must be one of {choices}, got {labels!r}.")


def class_folders(directory, list_images):
    """``(class names, image paths, labels)`` of a folder with one subfolder per class.

    The class names are the subfolders' names, sorted (index ``i`` is the ``i``-th name);
    every image under a subfolder (searched recursively) takes its class.

    Raises:
        FileNotFoundError / ValueError: naming the fix, when the folder holds images outside
            any class subfolder, fewer than two classes, or an empty class.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"Image folder {directory} does not exist: check the path.")
    entries = sorted(e for e in os.listdir(directory) if not e.startswith("."))
    names = [e for e in entries if os.path.isdir(os.path.join(directory, e))]
    loose = [e for e in entries if e not in names
             and e.lower().endswith((".jpg", ".jpeg", ".png", ".bmp", ".gif"))]
    if loose:
        raise ValueError(
            f"labels='inferred' needs one subfolder per class in {directory}, but it holds images "
            f"directly (e.g. {loose[0]}): move them into class folders, or load without labels."
        )
    if len(names) < 2:
        raise ValueError(
            f"labels='inferred' needs at least two class subfolders in {directory}, found "
            f"{len(names)}: put each class's images in a folder of its own."
        )
    paths, labels = [], []
    for index, name in enumerate(names):
        try:
            found = list_images(os.path.join(directory, name))
        except FileNotFoundError:
            raise ValueError(
                f"Class folder {os.path.join(directory, name)} holds no images: add some, or "
                "remove the folder."
            ) from None
        paths += found
        labels += [index] * len(found)
    return names, paths, np.asarray(labels, dtype="int32")
