"""Generator EMA: an exponential moving average of the generator's weights, kept apart.

Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training" (ICLR,
https://arxiv.org/abs/1806.04498), Eq. 2: after the generator's update ``t``,

    theta_ema <- beta * theta_ema + (1 - beta) * theta_t

The trained generator keeps its own weights (the game goes on with them); the average is a
second copy of the network that only sampling uses. Averaging damps the generator's
oscillation around the equilibrium, so samples of the average are usually cleaner than
those of the last iterate; it costs one multiply-add per weight per generator step.

This is not the optimizer's ``use_ema``: that one overwrites the trained weights with their
average at the end of `fit`, so the next `fit` resumes the game from the average.

Before the generator's update ``start`` the average copies the weights (``beta = 0``), so
the random initialisation does not linger in it. Non-trainable state (batch-norm moving
statistics, seeds) is copied, not averaged, as in StyleGAN's ``G_ema``.
"""

import math

import keras
from keras import ops

from keras_wgan.backend import assign_all


def check_decay(decay):
    """``decay`` as a float in (0, 1), or a one-line error naming the fix."""
    ok = isinstance(decay, (int, float)) and not isinstance(decay, bool)
    if not ok or not math.isfinite(decay) or not 0 < decay < 1:
        raise ValueError(
            f"ema_decay must be a number in (0, 1) (e.g. 0.999), 'none' (no average) or None "
            f"(the variant's default), got {decay!r}."
        )
    return float(decay)


def average_copy(generator):
    """A new, non-trainable network with ``generator``'s architecture and current weights."""
    copy = keras.models.clone_model(generator)
    copy.build(generator.inputs[0].shape if getattr(generator, "inputs", None) else None)
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    return copy


def check_same_layout(average, generator):
    """The average must hold one variable per generator variable, same shape and order."""
    pairs = list(zip(average.variables, generator.variables))
    if len(average.variables) != len(generator.variables) or any(
        tuple(a.shape) != tuple(g.shape) for a, g in pairs
    ):
        raise ValueError(
            "ema_generator must be a copy of the generator (same layers, same weight shapes); "
            "omit it and the model makes one."
        )


def update(average, generator, decay, step, start):
    """One step of Eq. 2 for every trainable weight; copies of the rest.

    Args:
        average: the averaged network (`average_copy` of ``generator``).
        generator: the trained network.
        decay: ``beta`` in (0, 1).
        step: the generator's update count after this update (the optimizer's iterations).
        start: the update from which averaging begins; before it the average copies.
    """
    beta = ops.where(ops.less(ops.cast(step, "float32"), float(start)), 0.0, decay)
    trainable = {id(v) for v in generator.trainable_variables}
    targets, values = [], []
    for target, source in zip(average.variables, generator.variables):
        value = source.value
        if id(source) in trainable:
            old = ops.cast(target.value, "float32")
            value = ops.cast(value, "float32")
            value = ops.cast(old * beta + value * (1.0 - beta), target.dtype)
        targets.append(target)
        values.append(value)
    assign_all(targets, values)
