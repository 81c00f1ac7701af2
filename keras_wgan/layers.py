"""Critic penalties as serializable Keras layers: one small interface, the WGAN-GP penalty first.

A model takes its penalties as a named mapping (``penalties={"gradient_penalty":
GradientPenalty(10.0)}``) and logs each under its name. Every penalty is a `Penalty`: called as
``penalty(real, fake, critic=f)`` it returns one scalar, already multiplied by its weight, that
the model adds to the critic's loss. A new penalty (R1, R2, ...) is one new subclass.
"""

import keras
from keras import ops

from keras_wgan.backend import input_gradients, replica_slice
from keras_wgan.seeding import SavesSeedState


GRADIENT_SCALE = 256.0


def safe_l2_norm(x):
    """Per-example L2 norm over all non-batch axes, with a finite gradient at zero.

    ``sqrt`` has an infinite derivative at 0, and the penalty's outer gradient flows
    through this norm; so where the squared norm is 0 we take ``sqrt`` of 1 instead
    and mask the result back to 0 (exact value, zero gradient, no epsilon bias).
    """
    squared = ops.sum(ops.square(ops.reshape(x, (ops.shape(x)[0], -1))), axis=1)
    positive = squared > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, squared, 1.0)), 0.0)


class Penalty(keras.layers.Layer):
    """The interface every critic penalty shares.

    ``call(real, fake, critic) -> scalar``: the weighted penalty (float32) for a batch of real
    and generated examples, which the model adds to the critic's loss and logs under the name
    it was given in ``penalties=``.

    Class attributes read by the model:
        constrains_lipschitz: True when the penalty keeps the critic (softly) 1-Lipschitz, so
            that ``E[f(x)] - E[f(G(z))]`` estimates the Wasserstein distance and is logged as
            ``wasserstein`` (otherwise as ``critic_gap``).
        needs_per_example_critic: True when the penalty differentiates each critic output with
            respect to its own input, which BatchNormalization breaks (the model refuses it).
    """

    constrains_lipschitz = False
    needs_per_example_critic = False

    def call(self, real, fake, critic):
        raise NotImplementedError(f"{type(self).__name__} must define call(real, fake, critic).")


@keras.saving.register_keras_serializable(package="keras_wgan")
class GradientPenalty(SavesSeedState, Penalty):
    """``weight * E[(||grad_x f(x_hat)||_2 - target)^2]`` at random interpolates ``x_hat``.

    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017,
    https://arxiv.org/abs/1704.00028, Eq. 3 and Algorithm 1 (lines 4-7):
    ``x_hat = a * x + (1 - a) * G(z)`` with ``a ~ U[0, 1]`` drawn independently **per
    example** (not shared across the batch, and not normal). With ``one_sided=True`` only
    norms above the target are penalised, ``weight * E[max(0, ||grad|| - target)^2]``
    (Petzka et al., "On the regularization of Wasserstein GANs", ICLR 2018, WGAN-LP).

    The critic must not use BatchNormalization: it couples examples, so the gradient of
    one critic output with respect to its own input is no longer the per-example quantity
    that the penalty constrains (Gulrajani et al. 2017, Sec. 4).

    Args:
        weight: the penalty coefficient ``lambda`` (paper: 10).
        target: the norm the gradient is pulled to (paper: 1, the Lipschitz constant).
        one_sided: penalise only norms above ``target``.
        seed: seed for the interpolation weights (a `keras.random.SeedGenerator` is owned
            by the layer, so the draws continue across steps and are saved with it).

    Call arguments:
        real: a batch of real examples.
        fake: a batch of generated examples of the same shape.
        critic: the critic, a callable ``f(x) -> (B, 1)`` scores.

    Returns:
        The scalar penalty (float32), already multiplied by ``weight``.
    """

    constrains_lipschitz = True
    needs_per_example_critic = True

    def __init__(self, weight=10.0, target=1.0, one_sided=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        if float(weight) < 0:
            raise ValueError(f"GradientPenalty needs weight >= 0, got {weight}.")
        self.weight = float(weight)
        self.target = float(target)
        self.one_sided = bool(one_sided)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="interpolation_seed")
        # No weights of its own: mark it built so models containing it count as built.
        self.built = True

    def interpolate(self, real, fake):
        """``a * real + (1 - a) * fake`` with one ``a ~ U[0, 1]`` per example."""
        ones = (1,) * (len(real.shape) - 1)
        dtype = keras.backend.standardize_dtype(real.dtype)
        alpha = replica_slice(
            lambda n: keras.random.uniform((n,) + ones, seed=self.seed_generator, dtype=dtype),
            ops.shape(real)[0],
        )
        return fake + alpha * (real - fake)

    def gradient_norms(self, real, fake, critic):
        """Per-example ``||grad_x f(x_hat)||_2`` at fresh interpolates (float32, shape (B,)).

        The backward pass is scaled by ``2^8`` and unscaled in float32, so that under a
        float16 critic small input gradients do not sink into float16's subnormal range.
        A power of two, the scaling is exact in every dtype.
        """
        interpolates = self.interpolate(real, fake)

        def scaled_scores(x):
            return ops.cast(critic(x, training=True), "float32") * GRADIENT_SCALE

        grads = input_gradients(scaled_scores, interpolates)
        return safe_l2_norm(ops.cast(grads, "float32")) / GRADIENT_SCALE

    def call(self, real, fake, critic):
        gap = self.gradient_norms(real, fake, critic) - self.target
        if self.one_sided:
            gap = ops.relu(gap)
        return self.weight * ops.mean(ops.square(gap))

    def get_config(self):
        config = super().get_config()
        config.update(
            weight=self.weight, target=self.target, one_sided=self.one_sided, seed=self.seed
        )
        return config
