"""The four models of the seed papers, each the shared `AdversarialModel` with its defaults."""

import keras

from keras_wgan.layers import GradientPenalty
from keras_wgan.models.adversarial import AdversarialModel

register = keras.saving.register_keras_serializable(package="keras_wgan")


@register
class GAN(AdversarialModel):
    """The original minimax GAN: the generator minimises ``E[log(1 - D(G(z)))]``.

    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, Eq. 1 and Alg. 1
    (k = 1 discriminator step). Optimizers: Adam(2e-4, beta_1=0.5) for both, the DCGAN
    recipe (Radford et al. 2016, Sec. 4), since the 2014 paper used SGD with momentum on
    MLPs. Expect this one to saturate: its gradient vanishes against a confident
    discriminator, which is what the WGAN paper sets out to fix.
    """

    default_objective = "minimax"


@register
class NSGAN(AdversarialModel):
    """The non-saturating "-log D" GAN: the generator minimises ``-E[log D(G(z))]``.

    Goodfellow et al. 2014, Sec. 3; same optimizers as `GAN`.
    """

    default_objective = "non_saturating"


@register
class WGAN(AdversarialModel):
    """Wasserstein GAN with weight clipping.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, Algorithm 1: 5 critic steps
    per generator step, every critic weight clipped to [-0.01, 0.01] after each update
    (a `WeightClip` constraint), RMSProp with learning rate 5e-5. The RMSProp decay
    ``rho=0.99`` and ``epsilon=1e-8`` are the PyTorch defaults the authors' code ran with.
    """

    default_objective = "wasserstein"
    default_critic_steps = 5
    default_clip_value = 0.01

    def default_optimizers(self):
        return (
            keras.optimizers.RMSprop(5e-5, rho=0.99, epsilon=1e-8),
            keras.optimizers.RMSprop(5e-5, rho=0.99, epsilon=1e-8),
        )


@register
class WGANGP(AdversarialModel):
    """Wasserstein GAN with gradient penalty.

    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1:
    5 critic steps, ``lambda = 10`` (`GradientPenalty`), Adam(1e-4, beta_1=0.5, beta_2=0.9)
    as in the authors' code (igul222/improved_wgan_training; the paper's Alg. 1 lists
    beta_1 = 0). The critic must not use BatchNormalization.
    """

    default_objective = "wasserstein"
    default_critic_steps = 5

    @property
    def default_gradient_penalty(self):
        return GradientPenalty(weight=10.0)

    def default_optimizers(self):
        return (
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        )
