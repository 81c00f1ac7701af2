"""The pieces that make the builders class-conditional (``num_classes=`` in `dcgan_generator`,
`dcgan_critic`, `mlp_generator`, `mlp_critic`).

A conditional generator maps ``[noise (B, latent_dim), labels (B,) int32]`` to samples: the label
goes through a learned embedding ``e(y)`` (a row of a ``(num_classes, label_dim)`` table)
concatenated with the noise, ``G([z, e(y)])``, the form of Mirza & Osindero's conditional GAN
("Conditional Generative Adversarial Nets", 2014, https://arxiv.org/abs/1411.1784, Sec. 4.1) with
an embedding in place of the one-hot code. The DCGAN generator can also normalize with
`ConditionalBatchNormalization` (``norm="conditional_batch"``), a per-class scale and shift.

A conditional critic is a **projection discriminator** (Miyato & Koyama, "cGANs with Projection
Discriminator", ICLR 2018, https://arxiv.org/abs/1802.05637, Eq. 3):

    f(x, y) = psi(phi(x)) + embed(y) . phi(x)

``phi`` is the unconditional critic's feature extractor (everything before its final
``Dense(1)``), ``psi`` that final ``Dense(1)``, and ``embed`` a ``(num_classes, dim phi)`` table
(`class_embedding`): the label enters as an inner product with the features instead of being
concatenated with the input, which the paper derives from the log-likelihood ratio of
log-linear class posteriors (Sec. 3) and finds trains better than concatenation. With
``norm="spectral"`` the embedding is spectrally normalized too, as in the authors' code.
"""

import keras
from keras import layers, ops

from keras_wgan.architectures.spectral_norm import spectral

# The label embedding fed to a generator is as wide as a one-hot code (an embedding can then
# learn anything a one-hot input gives the first layer), up to this many dimensions.
MAX_LABEL_DIM = 128


def check_num_classes(num_classes):
    """None, or ``num_classes`` as an int >= 2 (one-line ValueError otherwise)."""
    from keras_wgan.models.validation import check_num_classes as check

    return check(num_classes)


def label_input(name="labels"):
    """The labels input of a conditional network: ``(batch,)`` int32 class indices."""
    return keras.Input((), dtype="int32", name=name)


def label_dim_for(num_classes, label_dim=None):
    """The generator's label embedding width: ``label_dim``, else ``min(num_classes, 128)``."""
    if label_dim is None:
        return min(num_classes, MAX_LABEL_DIM)
    from keras_wgan.models.validation import check_int

    return check_int(label_dim, "label_dim")


def noise_and_label(noise, labels, num_classes, label_dim=None):
    """``[z, e(y)]``: the noise concatenated with a learned embedding of the label."""
    embedded = layers.Embedding(num_classes, label_dim_for(num_classes, label_dim),
                                name="label_embedding")(labels)
    return layers.Concatenate(name="noise_and_label")([noise, embedded])


def projection_scores(scores, features, labels, num_classes, spectral_norm=False):
    """``psi(phi(x)) + embed(y) . phi(x)`` (Miyato & Koyama 2018, Eq. 3): ``scores`` is
    ``psi(phi(x))`` of shape ``(B, 1)``, ``features`` is ``phi(x)`` of shape ``(B, F)``."""
    embedding = layers.Embedding(num_classes, features.shape[-1],
                                 embeddings_initializer="glorot_uniform", name="class_embedding")
    embedded = spectral(embedding, spectral_norm)(labels)
    projection = layers.Dot(axes=1, name="projection")([embedded, features])
    return layers.Add(name="projected_score")([scores, projection])


@keras.saving.register_keras_serializable(package="keras_wgan")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch normalization whose scale and shift are chosen by the class label.

    ``CBN(x, y) = gamma[y] * (x - mu_B) / sqrt(var_B + eps) + beta[y]``, the statistics
    ``mu_B, var_B`` over the batch (and spatial axes) per channel as in batch norm, ``gamma``
    and ``beta`` rows of ``(num_classes, channels)`` tables (initialised to 1 and 0: plain
    batch norm at the start). De Vries et al., "Modulating early visual processing by
    language", NeurIPS 2017, https://arxiv.org/abs/1707.00683, Sec. 3 (conditional batch
    normalization); the generator normalization of Miyato & Koyama 2018.

    Called as ``layer([x, labels])`` with ``labels`` ``(B,)`` or ``(B, 1)`` integers.

    Args:
        num_classes: the number of classes (rows of ``gamma`` and ``beta``).
        momentum, epsilon: as in `keras.layers.BatchNormalization`.
    """

    def __init__(self, num_classes, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_num_classes(num_classes)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.normalize = layers.BatchNormalization(
            center=False, scale=False, momentum=self.momentum, epsilon=self.epsilon,
            name="normalize")

    def build(self, input_shape):
        x_shape = tuple(input_shape[0])
        self.normalize.build(x_shape)
        channels = x_shape[-1]
        self.gamma = self.add_weight(shape=(self.num_classes, channels), initializer="ones",
                                     name="gamma")
        self.beta = self.add_weight(shape=(self.num_classes, channels), initializer="zeros",
                                    name="beta")

    def call(self, inputs, training=None):
        x, labels = inputs
        x = self.normalize(x, training=training)
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        # One (channels,) row per example, broadcast over the spatial axes.
        shape = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), shape)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), shape)
        return x * ops.cast(gamma, x.dtype) + ops.cast(beta, x.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "momentum": self.momentum, "epsilon": self.epsilon}
