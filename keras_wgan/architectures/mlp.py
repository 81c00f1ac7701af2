"""MLP generator and critic for 2-D toy data (Gulrajani et al. 2017, toy experiments: 3x512 ReLU)."""

import keras
from keras import layers

from keras_wgan.architectures import conditional
from keras_wgan.architectures.fourier import FourierFeatures
from keras_wgan.architectures.spectral_norm import spectral
from keras_wgan.checks import check_int

CRITIC_NORMS = (None, "spectral")


def mlp_generator(latent_dim=2, output_dim=2, width=512, depth=3, name="generator", *,
                  num_classes=None, label_dim=None):
    """Noise -> ``depth`` Dense+ReLU layers of ``width`` -> linear ``output_dim`` points.

    With ``num_classes``: ``[noise, labels] -> points``, a learned label embedding
    (``label_dim`` wide, default ``min(num_classes, 128)``) concatenated with the noise
    (`keras_wgan.architectures.conditional`).
    """
    latent_dim, output_dim = check_int(latent_dim, "latent_dim"), check_int(output_dim, "output_dim")
    width, depth = check_int(width, "width"), check_int(depth, "depth", minimum=0)
    num_classes = conditional.check_num_classes(num_classes)
    z = keras.Input((latent_dim,), name="noise")
    inputs = x = z
    if num_classes is not None:
        labels = conditional.label_input()
        inputs, x = [z, labels], conditional.noise_and_label(z, labels, num_classes, label_dim)
    for i in range(depth):
        x = layers.Dense(width, activation="relu", name=f"hidden{i}")(x)
    return keras.Model(inputs, layers.Dense(output_dim, name="to_points")(x), name=name)


def mlp_critic(input_dim=2, width=512, depth=3, fourier_scale=None, fourier_features=64,
               norm=None, name="critic", *, num_classes=None):
    """Points -> ``depth`` Dense+ReLU layers of ``width`` -> one linear score.

    With ``fourier_scale`` (cycles per input unit) the points first go through
    `FourierFeatures` (``fourier_features`` random frequencies; Tancik et al. 2020): the
    paper's toy critic has none, and learns the 25-Gaussian grid's fine structure slowly.
    ``norm="spectral"`` wraps every Dense in `SpectralNormalization` (Miyato et al. 2018).

    With ``num_classes`` it is a projection discriminator, ``[points, labels] -> scores``
    (Miyato & Koyama 2018, Eq. 3): ``f(x, y) = psi(phi(x)) + embed(y) . phi(x)`` with
    ``phi(x)`` the last hidden layer and ``psi`` the final Dense(1).
    """
    if norm not in CRITIC_NORMS:
        raise ValueError(f"norm must be one of {CRITIC_NORMS}, got {norm!r}.")
    input_dim, width = check_int(input_dim, "input_dim"), check_int(width, "width")
    depth = check_int(depth, "depth", minimum=0)
    num_classes = conditional.check_num_classes(num_classes)
    sn = norm == "spectral"
    points = keras.Input((input_dim,), name="points")
    x = points
    if fourier_scale is not None:
        x = FourierFeatures(fourier_features, fourier_scale, name="fourier_features")(x)
    for i in range(depth):
        x = spectral(layers.Dense(width, activation="relu", name=f"hidden{i}"), sn)(x)
    scores = spectral(layers.Dense(1, name="score"), sn)(x)
    if num_classes is None:
        return keras.Model(points, scores, name=name)
    labels = conditional.label_input()
    scores = conditional.projection_scores(scores, x, labels, num_classes, sn)
    return keras.Model([points, labels], scores, name=name)
