"""Public alias: ``keras_wgan.resume`` (``kw.resume``) is `keras_wgan.training.resume`, where the
code lives."""

from keras_wgan.training.resume import *  # noqa: F401,F403
