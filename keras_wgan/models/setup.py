"""Helpers the adversarial model is built from: optimizers, clipping, jit choice, checks."""

import re

import keras

from keras_wgan.constraints import WeightClip
from keras_wgan.models import validation


def resolve_jit_compile(jit_compile):
    """``"auto"`` means XLA on accelerators and graph mode on CPU.

    On this project's 2-core CPU, XLA ran the 28x28 DCGAN WGAN-GP step at 0.95x the speed
    of graph mode (``bench/train_step.py``), so it is only turned on where it can pay.
    """
    if jit_compile != "auto":
        return bool(jit_compile)
    return any(
        device.device_type in ("GPU", "TPU") for device in _physical_devices()
    )


def _physical_devices():
    import tensorflow as tf

    return tf.config.list_physical_devices()


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
