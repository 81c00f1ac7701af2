"""Input pipelines: `tf.data` datasets of real batches scaled to [-1, 1]."""

from keras_wgan.data.idx import read_idx
from keras_wgan.data.toy import TOY_DISTRIBUTIONS, mixture_modes, sample, toy_dataset
