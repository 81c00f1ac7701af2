"""keras-wgan: GAN, -log D GAN, WGAN and WGAN-GP as Keras 3 models.

    import keras_wgan as kw
    gan = kw.WGANGP(generator=kw.architectures.dcgan_generator(128),
                    discriminator=kw.architectures.dcgan_critic(), latent_dim=128)
    gan.compile()                       # the paper's optimizers
    gan.fit(kw.data.image_dataset(...), epochs=20)
"""

from keras_wgan import (
    architectures,
    callbacks,
    constraints,
    data,
    evaluation,
    hub,
    layers,
    losses,
    resume,
)
from keras_wgan.constraints import WeightClip
from keras_wgan.layers import GradientPenalty
from keras_wgan.models import GAN, NSGAN, WGAN, WGANGP, AdversarialModel

__version__ = "0.1.0"
