"""Helpers the adversarial model is built from: optimizers, clipping, penalties, checks."""

import collections.abc
import re

import keras

from keras_wgan.constraints import WeightClip
from keras_wgan.layers import GradientPenalty, Penalty
from keras_wgan.models import validation, variants

# Metric names a penalty cannot take (the losses and every diagnostic).
RESERVED_METRICS = frozenset({"d_loss", "g_loss", "wasserstein", "critic_gap", "d_real",
                              "d_fake", "score_real", "score_fake"})


class OptimizerPair:
    """The generator's and the discriminator's optimizers, seen by Keras as one.

    Keras's trainers look for one ``model.optimizer``: the JAX trainer threads
    ``model.optimizer.variables`` through its stateless step and writes them back after
    training. This pair lists both optimizers' variables (generator's first) so both
    travel through that state; `finalize_variable_values` lets each optimizer copy its
    moving average into its own variables when it keeps one (``use_ema=True``).
    """

    def __init__(self, generator_optimizer, discriminator_optimizer, generator,
                 discriminator):
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self._networks = (generator, discriminator)

    @property
    def optimizers(self):
        return (self.generator_optimizer, self.discriminator_optimizer)

    @property
    def variables(self):
        return [v for optimizer in self.optimizers for v in optimizer.variables]

    @property
    def built(self):
        return all(optimizer.built for optimizer in self.optimizers)

    def build(self, variables=None):
        """Build each optimizer on its own network's trainable variables."""
        for optimizer, network in zip(self.optimizers, self._networks):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    def finalize_variable_values(self, variables=None):
        """Copy each optimizer's EMA into its network's variables (a no-op without EMA)."""
        for optimizer, network in zip(self.optimizers, self._networks):
            if not getattr(optimizer, "use_ema", False):
                continue
            optimizer.finalize_variable_values(network.trainable_variables)
            # The assignment shares the average's buffer; on JAX the next `fit` would then
            # donate one buffer twice. A copy keeps every variable's storage its own.
            for variable in network.trainable_variables:
                variable.assign(keras.ops.copy(variable.value))


class BatchCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = self.batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


def infer_latent_dim(generator):
    """The noise size a generator declares (its only input, or a conditional generator's
    first, ``[noise, labels]``)."""
    shape = validation._first_input_shape(generator)
    if shape is None or shape[-1] is None:
        raise ValueError(
            "latent_dim is needed: the generator does not declare its input shape."
        )
    return shape[-1]


def get_optimizer(optimizer, default):
    if optimizer is None:
        return default
    return keras.optimizers.get(optimizer)


def loss_scaled(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer)


def attach_weight_clip(discriminator, clip_value, pattern):
    """Give every matching critic variable a `WeightClip` the optimizer applies after updates."""
    try:
        matcher = re.compile(pattern) if pattern else None
    except (re.error, TypeError) as error:
        raise ValueError(f"clip_pattern={pattern!r} is not a regular expression ({error}): "
                         "fix the pattern (e.g. clip_pattern='kernel').") from None
    clipped = 0
    for variable in discriminator.trainable_variables:
        if matcher is None or matcher.search(variable.path):
            variable.constraint = WeightClip(clip_value)
            clipped += 1
    if clipped == 0:
        raise ValueError(
            f"clip_pattern={pattern!r} matches none of the critic's variables "
            f"({[v.path for v in discriminator.trainable_variables][:4]}...): fix the pattern."
        )


def is_default(value):
    """None keeps the paper default ("default" is the sentinel these arguments had before)."""
    return value is None or (isinstance(value, str) and value == "default")


def is_off(value):
    return isinstance(value, str) and value == variants.OFF


def resolve_penalties(penalties, gradient_penalty, defaults):
    """``{name: Penalty}`` from ``penalties`` (None: ``defaults()``; ``{}`` or "none": none)
    with the ``gradient_penalty`` alias applied to its ``"gradient_penalty"`` entry."""
    if is_default(penalties):
        penalties = defaults()
    elif is_off(penalties):
        penalties = {}
    elif not isinstance(penalties, collections.abc.Mapping):
        raise TypeError(
            "penalties must be a mapping {name: penalty layer}, e.g. {'gradient_penalty': "
            f"GradientPenalty(10.0)}}, or {{}} for none; got {type(penalties).__name__}."
        )
    penalties = dict(penalties)
    if is_off(gradient_penalty):
        penalties.pop("gradient_penalty", None)
    elif not is_default(gradient_penalty):
        penalties["gradient_penalty"] = gradient_penalty
    resolved = {}
    for name, penalty in penalties.items():
        if not isinstance(name, str) or not name.isidentifier() or name in RESERVED_METRICS:
            raise ValueError(
                f"Penalty name {name!r} cannot be a metric name: use a Python identifier other "
                f"than {', '.join(sorted(RESERVED_METRICS))} (e.g. 'gradient_penalty', 'r1')."
            )
        resolved[name] = penalty_layer(name, penalty)
    return resolved


def penalty_layer(name, penalty):
    """A `Penalty` layer from what ``penalties=`` / ``gradient_penalty=`` accept."""
    if isinstance(penalty, dict):
        penalty = keras.saving.deserialize_keras_object(penalty)
    if name == "gradient_penalty" and isinstance(penalty, (int, float)) and not isinstance(
            penalty, bool):
        penalty = GradientPenalty(weight=validation.check_float(penalty, name, minimum=0,
                                                                  float32=True))
    if not isinstance(penalty, Penalty):
        raise TypeError(
            f"Penalty '{name}' must be a keras_wgan.layers.Penalty layer (such as "
            f"GradientPenalty(10.0)) or 'none', got {penalty!r} ({type(penalty).__name__})."
        )
    return penalty
