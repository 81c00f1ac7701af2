"""Generator and critic builders: DCGAN for images, MLPs (optionally on Fourier features) for 2-D toy data."""

from keras_wgan.architectures.fourier import FourierFeatures
from keras_wgan.architectures.dcgan import dcgan_critic, dcgan_generator
from keras_wgan.architectures.mlp import mlp_critic, mlp_generator
