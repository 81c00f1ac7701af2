"""The one way every model in keras_wgan turns a seed into samples."""

import numpy as np
from keras import ops


def latent_noise(n, latent_dim, seed=None):
    """``(n, latent_dim)`` float32 draws of N(0, I); the same integer seed, the same noise.

    NumPy's ``default_rng(seed)``, so the noise is the same on every backend and device.
    """
    return np.random.default_rng(seed).standard_normal((int(n), latent_dim)).astype("float32")


def generate(generator, latent_dim, n, seed=None, batch_size=256):
    """``n`` samples of ``generator`` (inference mode) as one NumPy array, in batches.

    ``n=0`` gives an empty ``(0, *sample_shape)`` array (one forward pass finds the shape);
    a negative or fractional ``n`` is a one-line error.
    """
    from keras_wgan.models.validation import check_int  # models import this module

    n = check_int(n, "n", minimum=0)
    batch_size = check_int(batch_size, "batch_size")
    noise = latent_noise(max(n, 1), latent_dim, seed)
    chunks = [
        ops.convert_to_numpy(generator(noise[i : i + batch_size], training=False))
        for i in range(0, len(noise), batch_size)
    ]
    return np.concatenate(chunks, axis=0)[:n]
