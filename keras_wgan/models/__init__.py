"""The adversarial model family: the shared model, the named variants and their registry.

`VARIANTS` maps each registered name (the command line's ``--model`` choices) to its `Variant`,
the paper defaults as data; `get_variant` and `get_model_class` look one up by name.
"""

from keras_wgan.models.adversarial import AdversarialModel
from keras_wgan.models.named import GAN, NSGAN, WGAN, WGANGP, HingeGAN
from keras_wgan.models.variants import (
    VARIANTS,
    Variant,
    get_variant,
    paper_optimizers,
    register_variant,
    unregister_variant,
    variant_names,
)


def get_model_class(name):
    """A registered name (``"wgan_gp"``, ``"wgan-gp"``) -> the model class."""
    return get_variant(name).model_class


def __getattr__(name):
    # MODEL_CLASSES was a hand-written table; it is now read from the registry.
    if name == "MODEL_CLASSES":
        return {key: variant.model_class for key, variant in VARIANTS.items()}
    classes = {variant.model_class.__name__: variant.model_class for variant in VARIANTS.values()}
    if name in classes:  # a variant registered after the imports above (kw.models.RpGANR1R2)
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
