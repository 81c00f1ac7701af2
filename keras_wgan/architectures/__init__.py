"""Generator and critic builders: DCGAN for images, MLPs (optionally on Fourier features) for 2-D toy data.

Each builder takes ``num_classes=`` for a class-conditional network: generators then take
``[noise, labels]`` (a label embedding concatenated with the noise), critics ``[x, labels]``
(a projection discriminator, Miyato & Koyama 2018); see `keras_wgan.architectures.conditional`.
"""

from keras_wgan.architectures.conditional import ConditionalBatchNormalization
from keras_wgan.architectures.fourier import FourierFeatures
from keras_wgan.architectures.dcgan import dcgan_critic, dcgan_generator
from keras_wgan.architectures.mlp import mlp_critic, mlp_generator
