"""MLP generator and critic for 2-D toy data (Gulrajani et al. 2017, toy experiments: 3x512 ReLU)."""

import keras
from keras import layers

from keras_wgan.architectures.fourier import FourierFeatures
from keras_wgan.architectures.spectral_norm import spectral

CRITIC_NORMS = (None, "spectral")


def mlp_generator(latent_dim=2, output_dim=2, width=512, depth=3, name="generator"):
    """Noise -> ``depth`` Dense+ReLU layers of ``width`` -> linear ``output_dim`` points."""
    z = keras.Input((latent_dim,), name="noise")
    x = z
    for i in range(depth):
        x = layers.Dense(width, activation="relu", name=f"hidden{i}")(x)
    return keras.Model(z, layers.Dense(output_dim, name="to_points")(x), name=name)


def mlp_critic(input_dim=2, width=512, depth=3, fourier_scale=None, fourier_features=64,
               norm=None, name="critic"):
    """Points -> ``depth`` Dense+ReLU layers of ``width`` -> one linear score.

    With ``fourier_scale`` (cycles per input unit) the points first go through
    `FourierFeatures` (``fourier_features`` random frequencies; Tancik et al. 2020): the
    paper's toy critic has none, and learns the 25-Gaussian grid's fine structure slowly.
    ``norm="spectral"`` wraps every Dense in `SpectralNormalization` (Miyato et al. 2018).
    """
    if norm not in CRITIC_NORMS:
        raise ValueError(f"norm must be one of {CRITIC_NORMS}, got {norm!r}.")
    sn = norm == "spectral"
    points = keras.Input((input_dim,), name="points")
    x = points
    if fourier_scale is not None:
        x = FourierFeatures(fourier_features, fourier_scale, name="fourier_features")(x)
    for i in range(depth):
        x = spectral(layers.Dense(width, activation="relu", name=f"hidden{i}"), sn)(x)
    return keras.Model(points, spectral(layers.Dense(1, name="score"), sn)(x), name=name)
