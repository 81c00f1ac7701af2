"""MLP generator and critic for 2-D toy data (Gulrajani et al. 2017, toy experiments: 3x512 ReLU)."""

import keras
from keras import layers


def mlp_generator(latent_dim=2, output_dim=2, width=512, depth=3, name="generator"):
    """Noise -> ``depth`` Dense+ReLU layers of ``width`` -> linear ``output_dim`` points."""
    z = keras.Input((latent_dim,), name="noise")
    x = z
    for i in range(depth):
        x = layers.Dense(width, activation="relu", name=f"hidden{i}")(x)
    return keras.Model(z, layers.Dense(output_dim, name="to_points")(x), name=name)


def mlp_critic(input_dim=2, width=512, depth=3, name="critic"):
    """Points -> ``depth`` Dense+ReLU layers of ``width`` -> one linear score."""
    points = keras.Input((input_dim,), name="points")
    x = points
    for i in range(depth):
        x = layers.Dense(width, activation="relu", name=f"hidden{i}")(x)
    return keras.Model(points, layers.Dense(1, name="score")(x), name=name)
