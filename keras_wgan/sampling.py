"""The one way every model in keras_wgan turns a seed into samples."""

import numpy as np
from keras import ops


def latent_noise(n, latent_dim, seed=None):
    """``(n, latent_dim)`` float32 draws of N(0, I); the same integer seed, the same noise.

    NumPy's ``default_rng(seed)``, so the noise is the same on every backend and device.
    """
    return np.random.default_rng(seed).standard_normal((int(n), latent_dim)).astype("float32")


def generate(generator, latent_dim, n, seed=None, batch_size=256):
    """``n`` samples of ``generator`` (inference mode) as one NumPy array, in batches."""
    noise = latent_noise(n, latent_dim, seed)
    chunks = [
        ops.convert_to_numpy(generator(noise[i : i + batch_size], training=False))
        for i in range(0, len(noise), batch_size)
    ]
    return np.concatenate(chunks, axis=0) if chunks else noise[:0]
