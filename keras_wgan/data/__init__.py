"""Input pipelines: `tf.data` datasets of real batches scaled to [-1, 1].

`image_dataset` is the entry point for images ("tfds:<name>", folders, IDX files, arrays);
`toy_dataset` gives the endless 2-D toy distributions.

The names below are imported on first use (PEP 562), so the NumPy-only parts (`read_idx`,
`sample`, `mixture_modes`, `keras_wgan.data.mnist`) work where TensorFlow is not installed
(JAX or PyTorch alone); the `tf.data` pipelines import TensorFlow when called for.
"""

import importlib

_EXPORTS = {
    "arrays": ("array_dataset", "idx_dataset"),
    "file_checks": ("check_image_files", "find_undecodable", "naming_bad_files"),
    "folders": ("folder_dataset",),
    "idx": ("read_idx",),
    "images": ("image_dataset",),
    "tfds_source": ("CELEBA_CROP", "CELEBA_SIZE", "tfds_dataset"),
    "toy": ("TOY_DISTRIBUTIONS", "mixture_modes", "sample", "toy_dataset", "toy_num_classes"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
_SUBMODULES = {"arrays", "file_checks", "folders", "idx", "images", "labels", "mnist",
               "pipeline", "reachability", "tfds_source", "toy", "transforms"}

__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
