"""The only place that knows how the active Keras backend differentiates.

Everything else in keras_wgan is written with `keras.ops`; the two primitives below are
all the training step and the gradient penalty need from a framework.
"""

import keras

if keras.backend.backend() == "tensorflow":
    from keras_wgan.backend.tensorflow import input_gradients, value_and_gradients
else:  # pragma: no cover - depends on the installed backend
    raise ImportError(
        f"keras_wgan supports the TensorFlow backend; KERAS_BACKEND is "
        f"'{keras.backend.backend()}'. Set KERAS_BACKEND=tensorflow."
    )

__all__ = ["input_gradients", "value_and_gradients"]
