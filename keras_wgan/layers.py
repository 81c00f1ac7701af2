"""Critic penalties as serializable Keras layers: one small interface, WGAN-GP's, R1 and R2.

A model takes its penalties as a named mapping (``penalties={"gradient_penalty":
GradientPenalty(10.0)}``) and logs each under its name. Every penalty is a `Penalty`: called as
``penalty(real, fake, critic=f)`` it returns one scalar, already multiplied by its weight, that
the model adds to the critic's loss. A new penalty is one new subclass; every penalty on the
critic's input gradients computes them with `scaled_input_gradients`.

For a class-conditional critic ``f(x, y)`` the model passes ``critic=lambda x: f([x, y])`` with
the batch's labels ``y`` held fixed (real and fake examples of a critic step share them), so
every penalty perturbs or interpolates ``x`` only and scores it at its own example's label.
"""

import keras
from keras import ops

from keras_wgan.backend import input_gradients, replica_slice
from keras_wgan.checks import check_float, check_seed
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


def scaled_input_gradients(critic, x):
    """``GRADIENT_SCALE * grad_x sum f(x)`` in float32: per-example input gradients of the critic.

    The backward pass is scaled by ``2^8`` and the caller unscales in float32, so that under a
    float16 critic small input gradients do not sink into float16's subnormal range. A power
    of two, the scaling is exact in every dtype. The critic runs with ``training=True``.
    """

    def scaled_scores(inputs):
        return ops.cast(critic(inputs, training=True), "float32") * GRADIENT_SCALE

    return ops.cast(input_gradients(scaled_scores, x), "float32")


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
        # A NaN or infinite weight or target would make every critic loss NaN.
        self.weight = check_float(weight, "GradientPenalty weight", minimum=0, float32=True)
        self.target = check_float(target, "GradientPenalty target (a gradient norm)", minimum=0,
                                  float32=True)
        self.one_sided = bool(one_sided)
        self.seed = check_seed(seed, "GradientPenalty seed")
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="interpolation_seed")
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
        """Per-example ``||grad_x f(x_hat)||_2`` at fresh interpolates (float32, shape (B,)),
        through `scaled_input_gradients` (scaled against float16 underflow)."""
        grads = scaled_input_gradients(critic, self.interpolate(real, fake))
        return safe_l2_norm(grads) / GRADIENT_SCALE

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


class ZeroCenteredGradientPenalty(Penalty):
    """``gamma / 2 * E[||grad_x f(x)||_2^2]`` over one batch of samples: R1 on real, R2 on fake.

    Mescheder, Geiger & Nowozin, "Which Training Methods for GANs do actually Converge?",
    ICML 2018, https://arxiv.org/abs/1801.04406, Eq. 9. The gradient is pulled to 0 (not to 1
    as in WGAN-GP) on the data itself, so the critic is not made 1-Lipschitz: its score gap is
    logged as ``critic_gap``. Subclasses choose the samples (`samples`).

    Args:
        gamma: the regularization strength (the paper's gamma; the penalty is gamma / 2 times
            the mean squared gradient norm).

    Attributes:
        weight: ``gamma / 2``, the factor in front of ``E[||grad||^2]`` (as `GradientPenalty`'s
            ``weight`` is the factor in front of its expectation).
    """

    needs_per_example_critic = True
    samples = None  # "real" or "fake"

    def __init__(self, gamma=10.0, **kwargs):
        super().__init__(**kwargs)
        self.gamma = check_float(gamma, f"{type(self).__name__} gamma", minimum=0, float32=True)
        self.built = True  # no weights of its own

    @property
    def weight(self):
        return 0.5 * self.gamma

    def squared_gradient_norms(self, x, critic):
        """Per-example ``||grad_x f(x)||_2^2`` (float32, shape (B,))."""
        grads = scaled_input_gradients(critic, x)
        flat = ops.reshape(grads, (ops.shape(grads)[0], -1))
        return ops.sum(ops.square(flat), axis=1) / (GRADIENT_SCALE * GRADIENT_SCALE)

    def call(self, real, fake, critic):
        x = real if self.samples == "real" else fake
        return self.weight * ops.mean(self.squared_gradient_norms(x, critic))

    def get_config(self):
        config = super().get_config()
        config.update(gamma=self.gamma)
        return config


@keras.saving.register_keras_serializable(package="keras_wgan")
class R1Penalty(ZeroCenteredGradientPenalty):
    """R1: ``gamma / 2 * E_{x ~ data}[||grad_x f(x)||^2]`` on real samples (Mescheder et al.
    2018, Eq. 9). See `ZeroCenteredGradientPenalty`."""

    samples = "real"


@keras.saving.register_keras_serializable(package="keras_wgan")
class R2Penalty(ZeroCenteredGradientPenalty):
    """R2: ``gamma / 2 * E_{x ~ G}[||grad_x f(x)||^2]`` on generated samples (Mescheder et al.
    2018, Eq. 9's second form). See `ZeroCenteredGradientPenalty`."""

    samples = "fake"
