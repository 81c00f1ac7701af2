"""The only place that knows how the active Keras backend differentiates and steps.

Everything else in keras_wgan is written with `keras.ops` and `keras.Variable`s; the
primitives below are all the training step and the gradient penalty need from a framework:
gradients, where this step runs among data-parallel replicas, whether to compile with XLA,
and a `Trainer` mixin that turns the model's variable-based step into the step Keras calls
on that backend (``train_step(data)`` on TensorFlow and torch, ``train_step(state, data)``
on JAX).
One module per backend, like Keras's own ``backend/<name>/trainer.py``.
"""

import importlib

import keras

from keras_wgan.app.backend_choice import SUPPORTED_BACKENDS

#: What every ``backend/<name>.py`` provides, and all the rest of keras_wgan uses of it.
PRIMITIVES = (
    "Trainer",
    "apply_gradients",
    "assign_all",
    "has_accelerator",
    "input_gradients",
    "reducible_logs",
    "replica_info",
    "resolve_jit_compile",
    "scale_for_replicas",
    "value_and_gradients",
)

if keras.backend.backend() not in SUPPORTED_BACKENDS:  # pragma: no cover - the installed one
    raise ImportError(
        f"keras_wgan supports the TensorFlow, JAX and PyTorch backends; KERAS_BACKEND is "
        f"'{keras.backend.backend()}'. Set KERAS_BACKEND=tensorflow, jax or torch."
    )
_active = importlib.import_module(f"keras_wgan.backend.{keras.backend.backend()}")
globals().update({name: getattr(_active, name) for name in PRIMITIVES})

__all__ = ["SUPPORTED_BACKENDS", *PRIMITIVES, "replica_slice"]


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
