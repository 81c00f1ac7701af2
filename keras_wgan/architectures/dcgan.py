"""DCGAN generator and critic builders (Radford et al. 2016), sized for any square image.

The number of 2x up/down-samplings is chosen so the smallest feature map is at least 4
pixels: 28x28 -> 7x7 (2 stages, as in the WGAN-GP MNIST model), 64x64 -> 4x4 (4 stages,
as in DCGAN and the WGAN-GP 64x64 models). Widths double at each stage away from the image.
"""

import keras
from keras import layers

from keras_wgan.architectures import conditional
from keras_wgan.architectures.spectral_norm import spectral
from keras_wgan.checks import check_int

NORMS = ("batch", "layer", None)
CRITIC_NORMS = NORMS + ("spectral",)
# Generator norms of a conditional generator (num_classes=...): also conditional batch norm.
CONDITIONAL_NORMS = NORMS + ("conditional_batch",)


def _stages(size):
    stages = 0
    while size % 2 == 0 and size // 2 >= 4:
        size //= 2
        stages += 1
    if stages == 0:
        raise ValueError(
            f"Image side {size} cannot be halved down to a >= 4 pixel map: use a side "
            "like 28, 32 or 64."
        )
    return stages, size


def _check_shape(image_shape):
    if len(image_shape) != 3 or image_shape[0] != image_shape[1]:
        raise ValueError(f"image_shape must be (side, side, channels), got {image_shape}.")


def _norm(norm, name):
    if norm == "batch":
        return layers.BatchNormalization(name=name)
    if norm == "layer":
        # Normalise over (H, W, C) per example, as in the WGAN-GP authors' layer norm.
        return layers.LayerNormalization(axis=[1, 2, 3], name=name)
    if norm is None:
        return None
    raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")


def dcgan_generator(latent_dim=128, image_shape=(28, 28, 1), width=64, norm="batch",
                    name="generator", *, num_classes=None, label_dim=None):
    """Noise ``(B, latent_dim)`` -> images ``(B, *image_shape)`` in [-1, 1] (tanh).

    Dense to the smallest map, then stride-2 5x5 transposed convolutions with
    normalisation and ReLU, halving the width each stage, and a 5x5 convolution to
    ``channels`` with tanh.

    With ``num_classes`` the generator is class-conditional, ``[noise, labels] -> images``
    (``labels`` ``(B,)`` int32): a learned label embedding (``label_dim`` wide, default
    ``min(num_classes, 128)``) is concatenated with the noise before the first layer
    (`keras_wgan.architectures.conditional`), and ``norm="conditional_batch"`` normalizes
    with a per-class scale and shift (`ConditionalBatchNormalization`, de Vries et al. 2017).
    """
    _check_shape(image_shape)
    latent_dim, width = check_int(latent_dim, "latent_dim"), check_int(width, "width")
    num_classes = conditional.check_num_classes(num_classes)
    if norm == "conditional_batch" and num_classes is None:
        raise ValueError("norm='conditional_batch' needs num_classes= (a conditional "
                         "generator); use 'batch' for an unconditional one.")
    if num_classes is not None and norm not in CONDITIONAL_NORMS:
        raise ValueError(f"norm must be one of {CONDITIONAL_NORMS}, got {norm!r}.")
    stages, base = _stages(image_shape[0])
    top = width * 2 ** (stages - 1)
    z = keras.Input((latent_dim,), name="noise")
    inputs, h, labels = z, z, None
    if num_classes is not None:
        labels = conditional.label_input()
        inputs, h = [z, labels], conditional.noise_and_label(z, labels, num_classes, label_dim)
    x = layers.Dense(base * base * top, use_bias=norm is None, name="project")(h)
    x = layers.Reshape((base, base, top))(x)
    x = _normalized(x, norm, "project_norm", labels, num_classes)
    x = layers.ReLU()(x)
    for stage in range(stages):
        filters = max(width, top // 2 ** (stage + 1)) if stage < stages - 1 else width
        x = layers.Conv2DTranspose(
            filters, 5, strides=2, padding="same", use_bias=norm is None, name=f"up{stage}"
        )(x)
        x = _normalized(x, norm, f"up{stage}_norm", labels, num_classes)
        x = layers.ReLU()(x)
    images = layers.Conv2D(image_shape[2], 5, padding="same", activation="tanh", name="to_image")(x)
    return keras.Model(inputs, images, name=name)


def _normalized(x, norm, name, labels, num_classes):
    if norm == "conditional_batch":
        return conditional.ConditionalBatchNormalization(num_classes, name=name)([x, labels])
    if (n := _norm(norm, name)) is not None:
        return n(x)
    return x


def dcgan_critic(image_shape=(28, 28, 1), width=64, norm=None, name="critic", *,
                 num_classes=None):
    """Images -> one unbounded score (critic) or logit (discriminator) per example.

    Stride-2 5x5 convolutions with LeakyReLU(0.2), doubling the width each stage, then a
    Dense(1) with no activation. ``norm=None`` or ``"layer"`` for WGAN-GP critics
    (BatchNormalization breaks the per-example gradient penalty); ``"batch"`` is the
    classic DCGAN discriminator; ``"spectral"`` wraps every convolution and the Dense in
    `SpectralNormalization` (Miyato et al. 2018), with no other normalization.

    With ``num_classes`` it is a projection discriminator, ``[images, labels] -> scores``
    (Miyato & Koyama 2018, Eq. 3): ``f(x, y) = psi(phi(x)) + embed(y) . phi(x)`` with
    ``phi(x)`` the flattened features above and ``psi`` the final Dense(1); with
    ``norm="spectral"`` the class embedding is spectrally normalized too.
    """
    _check_shape(image_shape)
    width = check_int(width, "width")
    if norm not in CRITIC_NORMS:
        raise ValueError(f"norm must be one of {CRITIC_NORMS}, got {norm!r}.")
    num_classes = conditional.check_num_classes(num_classes)
    sn = norm == "spectral"
    norm = None if sn else norm
    stages, _ = _stages(image_shape[0])
    images = keras.Input(image_shape, name="images")
    x = images
    for stage in range(stages):
        x = spectral(layers.Conv2D(width * 2**stage, 5, strides=2, padding="same",
                                   name=f"down{stage}"), sn)(x)
        # DCGAN leaves the first layer unnormalised.
        if stage > 0 and (n := _norm(norm, f"down{stage}_norm")) is not None:
            x = n(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    scores = spectral(layers.Dense(1, name="score"), sn)(x)
    if num_classes is None:
        return keras.Model(images, scores, name=name)
    labels = conditional.label_input()
    scores = conditional.projection_scores(scores, x, labels, num_classes, sn)
    return keras.Model([images, labels], scores, name=name)
