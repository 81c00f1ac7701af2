"""The adversarial model family."""

from keras_wgan.models.adversarial import AdversarialModel
from keras_wgan.models.named import GAN, NSGAN, WGAN, WGANGP
