"""`PretrainedGenerator`: what `hub.load` returns, a generator that knows its latent size."""

import keras

from keras_wgan import sampling
from keras_wgan.hub.errors import PresetFormatError


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


def _describe(obj):
    kind = "layer" if not isinstance(obj, keras.Model) else "model"
    return f"a {type(obj).__name__} {kind}"


def _input_shapes(model):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return [tuple(tensor.shape) for tensor in inputs] if inputs else None


def _ends_in_softmax(model):
    layers = getattr(model, "layers", None) or []
    if not layers:
        return False
    last = layers[-1]
    activation = getattr(last, "activation", None)
    return isinstance(last, keras.layers.Softmax) or getattr(
        activation, "__name__", "") in ("softmax", "log_softmax")


def _shape(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


def generator_of(model, source, metadata=None):
    """`(generator, latent_dim)` of a loaded object, or `PresetFormatError` saying why not.

    What `hub.load` (and so `keras-wgan sample` / `eval` / `export`) accepts as a generator:
      - a `PretrainedGenerator`, or a GAN: any `keras.Model` with a `.generator` model (every
        `AdversarialModel`); the generator inside is checked as below;
      - a `keras.Model` with exactly one input of shape `(batch, latent_dim)`, a flat latent
        vector, returning one tensor of samples that is not class probabilities (its last
        layer is no softmax) and not one score per example (`(batch, 1)`, a critic).
    When `metadata` (a preset's `metadata.json`) gives `latent_dim` or `output_shape`, the
    model must match them. `source` names the file in the message.
    """
    metadata = metadata or {}

    def refuse(what, why):
        raise PresetFormatError(
            f"{source} holds {what}, not a generator: {why}; expected a GAN or a model mapping a "
            "flat latent vector (batch, latent_dim) to samples, as keras_wgan saves them"
        )

    latent_dim = metadata.get("latent_dim")
    generator = model
    if isinstance(model, PretrainedGenerator):
        generator, latent_dim = model.generator, model.latent_dim
    elif isinstance(getattr(model, "generator", None), keras.Model):
        # A GAN that keeps a generator EMA samples from the average.
        generator = getattr(model, "sampling_generator", None) or model.generator
        latent_dim = getattr(model, "latent_dim", latent_dim)
    if not isinstance(generator, keras.Model):
        refuse(_describe(generator), "it is not a Keras model")
    what = _describe(generator)
    shapes = _input_shapes(generator)
    if shapes is not None:
        if len(shapes) != 1:
            refuse(what, f"it takes {len(shapes)} inputs")
        if len(shapes[0]) != 2:
            refuse(what, f"its input has shape {_shape(shapes[0])}")
        latent_dim = shapes[0][-1] or latent_dim
    if not latent_dim:
        refuse(what, "its latent size cannot be read from its input")
    try:
        spec = generator.compute_output_spec(keras.KerasTensor((None, int(latent_dim))))
    except Exception as error:  # a damaged or foreign model can fail in many ways
        refuse(what, f"it cannot map (batch, {latent_dim}) noise "
               f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})")
    if isinstance(spec, (list, tuple, dict)):
        refuse(what, "it returns several tensors")
    sample_shape = tuple(spec.shape[1:])
    if _ends_in_softmax(generator):
        refuse(what, f"it ends in a softmax (class probabilities of shape {_shape(spec.shape)})")
    if sample_shape == (1,):
        refuse(what, "it returns one score per example, shape (batch, 1), like a critic")
    _check_metadata(source, metadata, int(latent_dim), sample_shape)
    return generator, int(latent_dim)


def _check_metadata(source, metadata, latent_dim, sample_shape):
    for key, actual in (("latent_dim", latent_dim), ("output_shape", list(sample_shape))):
        claimed = metadata.get(key)
        if claimed is not None and claimed != actual:
            raise PresetFormatError(
                f"{source}: metadata.json gives {key} {claimed!r} but the model has {actual!r}; "
                "the preset was edited or its files mixed up: re-download or re-save it"
            )
