"""Bundled presets: small checkpoints shipped inside the package so `hub.load` works offline.

Layout (one folder per preset, one folder per model family)::

    keras_wgan/presets/<family>/<name>/config.json         # Keras-serialized generator or GAN
    keras_wgan/presets/<family>/<name>/model.weights.h5
    keras_wgan/presets/<family>/<name>/metadata.json       # see keras_wgan.hub.preset
    keras_wgan/presets/<family>/<name>/recipe.json         # how it was trained and measured

``python -m keras_wgan.presets.build --all`` (or ``--only <family>/<name>``) retrains each one
from its recipe (`keras_wgan.presets.recipe`); a new preset is a new recipe file.

Each folder is registered automatically as the preset `<family>/<name>` (version from its
metadata, default 1) the first time the hub registry is consulted; nothing needs editing here
when a preset is added. Presets hosted elsewhere (URLs of archives) are plain dicts registered
with `keras_wgan.hub.register_preset(...)` beside their model family.
"""

import pathlib

#: Root of the bundled presets, scanned by `keras_wgan.hub.registry`.
PRESETS_DIR = pathlib.Path(__file__).resolve().parent
