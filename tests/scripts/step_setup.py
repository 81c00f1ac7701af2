"""What the distributed-step scripts share: the model, the global batch and its one-device order."""

import keras
import numpy as np

import keras_wgan as kw

PER_REPLICA = 4
REPLICAS = 2


def make(cls, **kwargs):
    keras.utils.set_random_seed(0)
    gan = cls(generator=kw.architectures.mlp_generator(2, 2, 8, 2),
              critic=kw.architectures.mlp_critic(2, 8, 2), latent_dim=2, seed=1, **kwargs)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), jit_compile=False)
    return gan


def global_batch(critic_steps):
    """REPLICAS * PER_REPLICA * critic_steps rows; replica r reads rows [r*B*k, (r+1)*B*k)."""
    rows = REPLICAS * PER_REPLICA * critic_steps
    return np.random.default_rng(0).normal(size=(rows, 2)).astype("float32")


def single_device_order(batch, critic_steps):
    """The same rows ordered so one device's critic slice i is the replicas' slices i."""
    b, k = PER_REPLICA, critic_steps
    return np.concatenate([batch[r * b * k + i * b : r * b * k + (i + 1) * b]
                           for i in range(k) for r in range(REPLICAS)])
