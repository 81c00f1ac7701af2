"""The named models: each the shared `AdversarialModel` with its paper's defaults as a `Variant`.

A new variant is one more class here (its `Variant` entry and a docstring with the paper) plus
one row in ``tests/test_models.py``; the command line, `training.build_model`, the experiments,
the benchmarks and the tests find it in the registry (`keras_wgan.models.variants`).
"""

from keras_wgan.layers import GradientPenalty, R1Penalty, R2Penalty
from keras_wgan.models.adversarial import AdversarialModel
from keras_wgan.models.variants import Variant, adam, register_variant, rmsprop


@register_variant(Variant(
    name="gan", title="GAN (minimax)", summary="minimax",
    reference="Goodfellow et al., 'Generative Adversarial Nets', NeurIPS 2014, "
              "https://arxiv.org/abs/1406.2661, Eq. 1, Alg. 1; optimizers of DCGAN "
              "(Radford et al., ICLR 2016, Sec. 4)",
    objective="minimax", critic_steps=1, optimizer=adam(2e-4, beta_1=0.5), critic_norm="batch",
))
class GAN(AdversarialModel):
    """The original minimax GAN: the generator minimises ``E[log(1 - D(G(z)))]``.

    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, Eq. 1 and Alg. 1
    (k = 1 discriminator step). Optimizers: Adam(2e-4, beta_1=0.5) for both, the DCGAN
    recipe (Radford et al. 2016, Sec. 4), since the 2014 paper used SGD with momentum on
    MLPs; the builders give it DCGAN's batch-normalized critic. Expect this one to saturate:
    its gradient vanishes against a confident discriminator, which is what the WGAN paper sets
    out to fix.
    """


@register_variant(Variant(
    name="nsgan", title="GAN (-log D)", summary="-log D",
    reference="Goodfellow et al., 'Generative Adversarial Nets', NeurIPS 2014, "
              "https://arxiv.org/abs/1406.2661, Sec. 3",
    objective="non_saturating", critic_steps=1, optimizer=adam(2e-4, beta_1=0.5),
    critic_norm="batch",
))
class NSGAN(AdversarialModel):
    """The non-saturating "-log D" GAN: the generator minimises ``-E[log D(G(z))]``.

    Goodfellow et al. 2014, Sec. 3; same optimizers and critic as `GAN`.
    """


@register_variant(Variant(
    name="wgan", title="WGAN (clip)", summary="weight clipping",
    reference="Arjovsky, Chintala & Bottou, 'Wasserstein GAN', ICML 2017, "
              "https://arxiv.org/abs/1701.07875, Algorithm 1",
    objective="wasserstein", critic_steps=5, clip_value=0.01,
    optimizer=rmsprop(5e-5, rho=0.99, epsilon=1e-8),
))
class WGAN(AdversarialModel):
    """Wasserstein GAN with weight clipping.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, Algorithm 1: 5 critic steps
    per generator step, every critic weight clipped to [-0.01, 0.01] after each update
    (a `WeightClip` constraint), RMSProp with learning rate 5e-5. The RMSProp decay
    ``rho=0.99`` and ``epsilon=1e-8`` are the PyTorch defaults the authors' code ran with.
    """


@register_variant(Variant(
    name="wgan_gp", title="WGAN-GP", summary="gradient penalty",
    reference="Gulrajani et al., 'Improved Training of Wasserstein GANs', NeurIPS 2017, "
              "https://arxiv.org/abs/1704.00028, Algorithm 1; Adam betas of the authors' code",
    objective="wasserstein", critic_steps=5,
    penalties={"gradient_penalty": (GradientPenalty, {"weight": 10.0})},
    optimizer=adam(1e-4, beta_1=0.5, beta_2=0.9),
))
class WGANGP(AdversarialModel):
    """Wasserstein GAN with gradient penalty.

    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, Algorithm 1:
    5 critic steps, ``lambda = 10`` (`GradientPenalty`, logged as ``gradient_penalty``),
    Adam(1e-4, beta_1=0.5, beta_2=0.9) as in the authors' code (igul222/improved_wgan_training;
    the paper's Alg. 1 lists beta_1 = 0). The critic must not use BatchNormalization.
    """


@register_variant(Variant(
    name="hinge", title="Hinge GAN", summary="hinge loss",
    reference="Lim & Ye, 'Geometric GAN', 2017, https://arxiv.org/abs/1705.02894, Eq. 9-10; "
              "Miyato et al., 'Spectral Normalization for GANs', ICLR 2018, "
              "https://arxiv.org/abs/1802.05957, Eq. 17-18 and its n_dis=5 setting",
    objective="hinge", critic_steps=5, optimizer=adam(2e-4, beta_1=0.0, beta_2=0.9),
    critic_norm="spectral",
))
class HingeGAN(AdversarialModel):
    """The hinge-loss GAN: the critic minimises ``E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]``,
    the generator ``-E[D(G(z))]``.

    Lim & Ye, "Geometric GAN", 2017 (Eq. 9-10); the form Miyato et al., "Spectral
    Normalization for Generative Adversarial Networks", ICLR 2018 (Eq. 17-18) trained with.
    Defaults: Adam(2e-4, beta_1=0, beta_2=0.9) and 5 critic steps, the setting of Miyato et
    al.'s experiments that pairs beta_2 = 0.9 with n_dis = 5 (their n_dis = 1 settings use
    beta_2 = 0.999). No clip and no penalty: the hinge bounds the critic's loss, not its slope,
    so its score gap is logged as ``critic_gap``, not as a Wasserstein estimate (spectral
    normalization bounds each layer's norm by power-iteration estimates, not exactly). The
    builders give it Miyato et al.'s spectrally normalized critic (``critic_norm="spectral"``:
    every convolution and dense layer wrapped in
    `keras_wgan.architectures.spectral_norm.SpectralNormalization`).
    """


@register_variant(Variant(
    name="rpgan_r1r2", title="RpGAN + R1 + R2", summary="relativistic + R1/R2",
    reference="Huang et al., 'The GAN is dead; long live the GAN! A Modern GAN Baseline' "
              "(R3GAN), NeurIPS 2024, https://arxiv.org/abs/2501.05441, Eq. 2-3 and its "
              "CIFAR-10 setting (gamma 0.05, Adam 2e-4 betas (0, 0.99)); Jolicoeur-Martineau, "
              "'The relativistic discriminator', ICLR 2019, https://arxiv.org/abs/1807.00734; "
              "Mescheder et al., 'Which Training Methods for GANs do actually Converge?', "
              "ICML 2018, https://arxiv.org/abs/1801.04406, Eq. 9",
    objective="relativistic", critic_steps=1,
    penalties={"r1_penalty": (R1Penalty, {"gamma": 0.05}),
               "r2_penalty": (R2Penalty, {"gamma": 0.05})},
    optimizer=adam(2e-4, beta_1=0.0, beta_2=0.99),
))
class RpGANR1R2(AdversarialModel):
    """The relativistic pairing GAN with R1 and R2, R3GAN's objective.

    Huang et al., "The GAN is dead; long live the GAN! A Modern GAN Baseline", NeurIPS 2024:
    the critic minimises ``E[softplus(f(G(z)) - f(x))] + gamma/2 E||grad f(x)||^2 +
    gamma/2 E||grad f(G(z))||^2`` (their Eq. 2-3: RpGAN, Jolicoeur-Martineau 2019, with R1
    and R2 of Mescheder et al. 2018, Eq. 9), the generator ``E[softplus(f(x) - f(G(z)))]``,
    one critic step per generator step. Defaults are their small-data (CIFAR-10) setting:
    ``gamma = 0.05`` for both penalties and Adam(2e-4, beta_1=0, beta_2=0.99); MNIST is
    closest to it in size and resolution. Not reproduced: their schedules (learning rate and
    gamma decayed during training), their ResNet architecture and EMA generator. The critic
    has no normalization (R1/R2 need per-example gradients, so no batch norm); its score gap
    is logged as ``critic_gap``, each penalty as ``r1_penalty`` and ``r2_penalty``.
    """
