"""TensorFlow gradients: `tf.GradientTape`, nested when the loss itself holds a gradient."""

import tensorflow as tf


def value_and_gradients(loss_fn, variables):
    """Evaluate ``loss_fn() -> (loss, aux)`` and return ``(loss, aux, d loss / d variables)``."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    return loss, aux, tape.gradient(loss, variables)


def input_gradients(fn, inputs):
    """Return ``d sum(fn(inputs)) / d inputs``, differentiable again (for gradient penalties).

    Summing is exact here because each output depends only on its own input example.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
    return tape.gradient(outputs, inputs)
