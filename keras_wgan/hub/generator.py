"""`PretrainedGenerator`: what `hub.load` returns, a generator that knows its latent size."""

import keras

from keras_wgan import sampling


@keras.saving.register_keras_serializable(package="keras_wgan")
class PretrainedGenerator(keras.Model):
    """A generator network plus its `latent_dim` and preset metadata.

    Calling it maps a latent batch `(B, latent_dim)` to samples, exactly as the wrapped
    `generator` does; `generate(n, seed=None)` draws the standard normal noise itself (the
    prior every model in keras_wgan trains with) and returns a NumPy array. It saves to and
    loads from `.keras` like any Keras model.

    Args:
        generator: a `keras.Model` mapping `(B, latent_dim)` noise to samples.
        latent_dim: size of the latent vector; read from `generator.input_shape` if None.
        metadata: JSON-serializable dict describing the checkpoint (see `hub.preset`).
    """

    def __init__(self, generator, latent_dim=None, metadata=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        if latent_dim is None:
            latent_dim = generator.input_shape[-1]
        self.latent_dim = int(latent_dim)
        self.metadata = dict(metadata or {})
        # The wrapped generator already owns its variables, so there is nothing to build.
        self.built = bool(generator.built)

    def build(self, input_shape=None):
        self.built = True

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def sample_latent(self, n, seed=None):
        """`(n, latent_dim)` float32 standard normal noise; the same int `seed`, the same noise.

        Drawn exactly as `AdversarialModel.generate` draws it (`keras_wgan.sampling`), so a
        loaded preset and the GAN it was saved from give the same samples for the same seed.
        """
        return sampling.latent_noise(n, self.latent_dim, seed)

    def generate(self, n, seed=None, batch_size=256):
        """`n` samples as a NumPy array (inference mode); the same int `seed`, the same samples."""
        return sampling.generate(self.generator, self.latent_dim, n, seed, batch_size)

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "latent_dim": self.latent_dim,
            "metadata": self.metadata,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)
