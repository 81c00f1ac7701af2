"""Pretrained generators by handle, TF-Hub style.

    import keras_wgan as kw
    images = kw.hub.load("wgan_gp/mnist").generate(16, seed=0)

`load` resolves registered preset names, local preset folders, archives, `.keras` files and
`file://`/`http(s)://` URLs through a sha256-checked, process-safe cache; `save_preset` writes the
preset format; `export_saved_model` writes a TensorFlow SavedModel for serving.
"""

from keras_wgan.hub.archive import safe_extract
from keras_wgan.hub.cache import cache_root, fetch, is_offline
from keras_wgan.hub.errors import (
    DownloadError,
    Float16ToleranceError,
    HubError,
    IntegrityError,
    LockTimeoutError,
    OfflineError,
    PresetFormatError,
    UnknownPresetError,
    UnsafeArchiveError,
)
from keras_wgan.hub.export import export_saved_model
from keras_wgan.hub.generator import PretrainedGenerator
from keras_wgan.hub.loader import load
from keras_wgan.hub.preset import (
    load_preset,
    read_metadata,
    save_preset,
    sha256_file,
    verify_preset,
)
from keras_wgan.hub.registry import get_preset, list_presets, register_preset, unregister_preset

__all__ = [
    "DownloadError", "HubError", "IntegrityError", "LockTimeoutError",
    "OfflineError", "PresetFormatError", "Float16ToleranceError",
    "PretrainedGenerator", "UnknownPresetError", "UnsafeArchiveError", "cache_root",
    "export_saved_model", "fetch", "get_preset", "is_offline", "list_presets", "load",
    "load_preset", "read_metadata", "register_preset", "safe_extract", "save_preset",
    "sha256_file", "unregister_preset", "verify_preset",
]
