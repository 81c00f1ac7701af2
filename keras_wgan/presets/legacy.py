"""The former flat recipes (``TOY_RECIPE``, ``MNIST_RECIPE``) and helpers, for ``bench/``.

They are views of the bundled recipe files, not copies: ``TOY_RECIPE`` is
``flat(<wgan_gp/grid25 recipe>)``, and a flat dict with some values changed trains through
`keras_wgan.presets.train` after `unflatten`. New code should use recipes directly.
"""

import copy

from keras_wgan.data.mnist import REPO_MNIST
from keras_wgan.presets.recipe import find_recipes, load_recipe

#: flat key -> (recipe section, key in that section)
FLAT_KEYS = {
    "width": ("architecture", "width"), "depth": ("architecture", "depth"),
    "latent_dim": ("architecture", "latent_dim"),
    "critic_fourier_features": ("architecture", "critic_fourier_features"),
    "critic_fourier_scale": ("architecture", "critic_fourier_scale"),
    "batch_size": ("training", "batch_size"), "steps": ("training", "steps"),
    "seed": ("training", "seed"),
    "critic_steps": ("model", "critic_steps"), "gradient_penalty": ("model", "gradient_penalty"),
    "learning_rate": ("optimizer", "learning_rate"),
    "end_learning_rate": ("optimizer", "end_learning_rate"),
    "critic_lr_multiplier": ("optimizer", "critic_learning_rate_multiplier"),
    "beta_1": ("optimizer", "beta_1"), "beta_2": ("optimizer", "beta_2"),
}


def flat(recipe):
    """The recipe as the former flat dict (``dataset`` plus the `FLAT_KEYS` it sets)."""
    data = recipe["data"]
    from keras_wgan.data.mnist import SPLITS

    out = {"dataset": data["name"] if data["source"] == "toy" else f"mnist_{SPLITS[data['split']]}"}
    for key, (section, field) in FLAT_KEYS.items():
        if field in (recipe[section] or {}):
            out[key] = recipe[section][field]
    return out


def unflatten(values, base):
    """``base`` (a recipe) with the flat ``values`` written into their sections."""
    recipe = copy.deepcopy(base)
    for key, value in values.items():
        if key == "dataset":
            if recipe["data"]["source"] == "toy":
                recipe["data"]["name"] = value
            continue
        section, field = FLAT_KEYS[key]
        recipe[section][field] = value
    return recipe


def _bundled(handle):
    return load_recipe(find_recipes()[handle], expected_name=handle)


TOY_BASE = _bundled("wgan_gp/grid25")
MNIST_BASE = _bundled("wgan_gp/mnist")
TOY_RECIPE = flat(TOY_BASE)
MNIST_RECIPE = flat(MNIST_BASE)
TOY_EVAL = {k: v for k, v in TOY_BASE["evaluation"].items() if k != "protocol"}
MNIST_EVAL = {"n_samples": MNIST_BASE["evaluation"]["n_samples"],
              "sample_seed": MNIST_BASE["evaluation"]["sample_seed"]}
MNIST_DIR = str(REPO_MNIST)  # the repository's copy; load_mnist(None) asks find_mnist


def train_toy(recipe=TOY_RECIPE, log=None):
    """Train a flat toy recipe; returns ``(gan, training seconds)``."""
    from keras_wgan.presets import train

    gan, seconds, _ = train.train(unflatten(recipe, TOY_BASE), log=log)
    return gan, seconds


def load_mnist(data_dir=None):
    """MNIST's 10,000 test images as float32 ``(N, 28, 28, 1)`` in [-1, 1]."""
    from keras_wgan.data.mnist import load_mnist as load

    return load(data_dir, split="test")


def mnist_gan(cls, recipe=MNIST_RECIPE):
    """An uncompiled ``cls`` on the flat MNIST recipe's networks (other variants: paper defaults)."""
    from keras_wgan.presets import train

    return train.make_model(unflatten(recipe, MNIST_BASE), cls)


def mnist_stream(images, batch_size, seed=0):
    from keras_wgan import data

    return data.image_dataset(images, batch_size, shuffle=True, seed=seed, repeat=True,
                              value_range=(-1, 1))
