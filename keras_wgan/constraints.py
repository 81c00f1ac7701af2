"""Weight clipping, the WGAN's original (crude) way to keep the critic K-Lipschitz."""

import keras
from keras import ops

from keras_wgan.checks import check_float


@keras.saving.register_keras_serializable(package="keras_wgan")
class WeightClip(keras.constraints.Constraint):
    """Clip every entry of a weight to ``[-clip_value, clip_value]``.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, Algorithm 1, line 7:
    ``w <- clip(w, -c, c)`` after every critic update, with ``c = 0.01``. As a Keras
    constraint it is applied by the optimizer right after each update, so the training
    step needs no clipping code of its own.

    Args:
        clip_value: the bound ``c`` (> 0).
    """

    def __init__(self, clip_value=0.01):
        self.clip_value = check_float(clip_value, "WeightClip clip_value", above=0, float32=True)

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
