"""keras-wgan: GAN, -log D GAN, WGAN, WGAN-GP and every registered variant as Keras 3 models.

    import keras_wgan as kw
    gan = kw.WGANGP(generator=kw.architectures.dcgan_generator(128),
                    discriminator=kw.architectures.dcgan_critic(), latent_dim=128)
    gan.compile()                       # the paper's optimizers
    gan.fit(kw.data.image_dataset(...), epochs=20)
"""

import importlib

from keras_wgan.app import startup_logs as _startup_logs

if _startup_logs.run_as_command():  # a command, not a library import:
    from keras_wgan.app import backend_choice as _backend_choice

    _backend_choice.exit_if_unusable()  # a bad KERAS_BACKEND: one line, not an import traceback
    _startup_logs.quiet_startup()  # hide TF's start-up banner

from keras_wgan import architectures, backend, constraints, layers, losses, models
from keras_wgan.constraints import WeightClip
from keras_wgan.layers import GradientPenalty
from keras_wgan.models import GAN, NSGAN, WGAN, WGANGP, AdversarialModel

__version__ = "0.1.0"

# Imported on first use: these need TensorFlow (tf.data, SavedModel) or SciPy, which a
# JAX-only install of the models does not have.
_LAZY_SUBMODULES = ("callbacks", "data", "evaluation", "hub", "resume", "training")


def _registered_classes():
    """``{class name: class}`` of every registered variant (so ``kw.HingeGAN`` needs no edit here)."""
    return {variant.model_class.__name__: variant.model_class for variant in models.VARIANTS.values()}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"keras_wgan.{name}")
    classes = _registered_classes()
    if name in classes:
        return classes[name]
    raise AttributeError(f"module 'keras_wgan' has no attribute '{name}'")


def __dir__():
    return sorted({*globals(), *_LAZY_SUBMODULES, *_registered_classes()})
