"""Public alias: ``keras_wgan.callbacks`` (``kw.callbacks``) is `keras_wgan.training.callbacks`,
where the code lives."""

from keras_wgan.training.callbacks import *  # noqa: F401,F403
