"""The only place that knows how the active Keras backend differentiates.

Everything else in keras_wgan is written with `keras.ops`; the primitives below are all the
training step and the gradient penalty need from a framework: gradients, and where this
step runs among data-parallel replicas.
"""

import keras

if keras.backend.backend() == "tensorflow":
    from keras_wgan.backend.tensorflow import (
        input_gradients,
        reducible_logs,
        replica_info,
        scale_for_replicas,
        value_and_gradients,
    )
else:  # pragma: no cover - depends on the installed backend
    raise ImportError(
        f"keras_wgan supports the TensorFlow backend; KERAS_BACKEND is "
        f"'{keras.backend.backend()}'. Set KERAS_BACKEND=tensorflow."
    )

__all__ = ["input_gradients", "reducible_logs", "replica_info", "replica_slice", "scale_for_replicas",
           "value_and_gradients"]


def replica_slice(draw, batch_size):
    """Draw random values for the global batch, keep this replica's rows.

    ``draw(n)`` makes ``n`` rows. Every replica draws the same global rows from the same
    seed state and keeps rows ``[id * batch_size, (id + 1) * batch_size)``, so replicas get
    different noise, and a step on R replicas of batch B sees exactly the noise of one
    device with batch R * B.
    """
    replica, replicas = replica_info()
    if replicas == 1:
        return draw(batch_size)
    values = draw(batch_size * replicas)
    return keras.ops.slice(
        values, (replica * batch_size,) + (0,) * (len(values.shape) - 1),
        (batch_size,) + tuple(values.shape[1:]),
    )
