"""Helpers the adversarial model is built from: optimizers, clipping, jit choice, checks."""

import re

import keras

from keras_wgan.constraints import WeightClip
from keras_wgan.models import validation


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
    shape = validation._declared_input_shape(generator)
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
    matcher = re.compile(pattern) if pattern else None
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
