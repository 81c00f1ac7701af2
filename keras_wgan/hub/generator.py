"""`PretrainedGenerator`: what `hub.load` returns, a generator that knows its latent size."""

import keras

from keras_wgan import sampling
from keras_wgan.hub.errors import PresetFormatError


@keras.saving.register_keras_serializable(package="keras_wgan")
class PretrainedGenerator(keras.Model):
    """A generator network plus its `latent_dim`, its classes and preset metadata.

    Calling it maps a latent batch `(B, latent_dim)` to samples, exactly as the wrapped
    `generator` does (a class-conditional one: `[latent, labels]`, labels `(B,)` int32);
    `generate(n, seed=None, labels=None)` draws the standard normal noise itself (the prior
    every model in keras_wgan trains with) and returns a NumPy array. It saves to and loads
    from `.keras` like any Keras model.

    Args:
        generator: a `keras.Model` mapping `(B, latent_dim)` noise to samples, or
            `[noise, labels]` to samples for a class-conditional generator.
        latent_dim: size of the latent vector; read from the generator's (first) input if None.
        metadata: JSON-serializable dict describing the checkpoint (see `hub.preset`).
        num_classes: a conditional generator's number of classes; if None, read from
            `metadata["num_classes"]`, else from the generator's label embeddings
            (`label_classes`). None for an unconditional generator.
    """

    def __init__(self, generator, latent_dim=None, metadata=None, num_classes=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        if latent_dim is None:
            latent_dim = _first_input_shape(generator)[-1]
        self.latent_dim = int(latent_dim)
        self.metadata = dict(metadata or {})
        self.num_classes = _num_classes(generator, num_classes, self.metadata)
        # The wrapped generator already owns its variables, so there is nothing to build.
        self.built = bool(generator.built)

    def build(self, input_shape=None):
        self.built = True

    @property
    def conditional(self):
        return self.num_classes is not None

    def call(self, latent, training=False):
        return self.generator(latent, training=training)

    def sample_latent(self, n, seed=None):
        """`(n, latent_dim)` float32 standard normal noise; the same int `seed`, the same noise.

        Drawn exactly as `AdversarialModel.generate` draws it (`keras_wgan.sampling`), so a
        loaded preset and the GAN it was saved from give the same samples for the same seed.
        """
        return sampling.latent_noise(n, self.latent_dim, seed)

    def generate(self, n, seed=None, batch_size=256, *, labels=None):
        """`n` samples as a NumPy array (inference mode); the same int `seed` (and labels), the
        same samples.

        `labels` (conditional generators): None draws them with `seed` from
        `metadata["label_frequencies"]` (the training data's, when the preset records them;
        uniform otherwise), an int gives every sample that class, an array one class per
        sample; see `keras_wgan.sampling.class_labels`.
        """
        from keras_wgan.models.validation import check_int

        n = check_int(n, "n", minimum=0)
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("labels= is for class-conditional generators; this one is "
                                 "unconditional: call generate(n) without labels.")
            return sampling.generate(self.generator, self.latent_dim, n, seed, batch_size)
        labels = sampling.class_labels(n, self.num_classes, labels,
                                       self.metadata.get("label_frequencies"), seed)
        return sampling.generate(self.generator, self.latent_dim, n, seed, batch_size,
                                 labels=labels)

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "latent_dim": self.latent_dim,
            "metadata": self.metadata,
            "num_classes": self.num_classes,
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


def _first_input_shape(model):
    inputs = getattr(model, "inputs", None)
    return tuple(inputs[0].shape) if inputs else tuple(model.input_shape)


def _is_label_input(model):
    """True when ``model``'s second input is integer class labels, ``(batch,)`` or ``(batch, 1)``."""
    tensor = model.inputs[1]
    dtype = keras.backend.standardize_dtype(tensor.dtype)
    return ("int" in dtype and dtype != "bool"
            and tuple(tensor.shape[1:]) in ((), (1,)))


def label_classes(generator):
    """A conditional generator's number of classes, read from its label embeddings (the rows
    of every `Embedding` and `ConditionalBatchNormalization` it holds), or None when they do
    not tell one number."""
    from keras_wgan.architectures.conditional import ConditionalBatchNormalization

    found = set()
    for layer in generator._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Embedding):
            found.add(int(layer.input_dim))
        elif isinstance(layer, ConditionalBatchNormalization):
            found.add(layer.num_classes)
    return found.pop() if len(found) == 1 else None


def _num_classes(generator, given, metadata):
    """``given``, else the metadata's, else the label embeddings' count; None when unconditional."""
    inputs = getattr(generator, "inputs", None) or []
    if len(inputs) != 2:
        return None
    for value in (given, metadata.get("num_classes"), label_classes(generator)):
        if value is not None:
            from keras_wgan.models.validation import check_num_classes

            return check_num_classes(value)
    raise PresetFormatError(
        "the conditional generator's number of classes cannot be read from its layers; "
        "pass num_classes= or record 'num_classes' in the preset's metadata.json"
    )


def generator_of(model, source, metadata=None):
    """`(generator, latent_dim)` of a loaded object, or `PresetFormatError` saying why not.

    What `hub.load` (and so `keras-wgan sample` / `eval` / `export`) accepts as a generator:
      - a `PretrainedGenerator`, or a GAN: any `keras.Model` with a `.generator` model (every
        `AdversarialModel`); the generator inside is checked as below;
      - a `keras.Model` with exactly one input of shape `(batch, latent_dim)`, a flat latent
        vector, returning one tensor of samples that is not class probabilities (its last
        layer is no softmax) and not one score per example (`(batch, 1)`, a critic);
      - a class-conditional generator: the same with a second input of integer labels,
        `(batch,)` or `(batch, 1)`, mapping `[noise, labels]` to samples.
    When `metadata` (a preset's `metadata.json`) gives `latent_dim`, `output_shape` or
    `num_classes`, the model must match them. `source` names the file in the message.
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
    labelled = False
    if shapes is not None:
        labelled = len(shapes) == 2 and _is_label_input(generator)
        if len(shapes) != 1 and not labelled:
            refuse(what, f"it takes {len(shapes)} inputs")
        if len(shapes[0]) != 2:
            refuse(what, f"its input has shape {_shape(shapes[0])}")
        latent_dim = shapes[0][-1] or latent_dim
    if not latent_dim:
        refuse(what, "its latent size cannot be read from its input")
    noise = keras.KerasTensor((None, int(latent_dim)))
    try:
        spec = generator.compute_output_spec(
            [noise, keras.KerasTensor((None,), dtype="int32")] if labelled else noise)
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
    classes = None
    if labelled:
        classes = (getattr(model, "num_classes", None) or label_classes(generator)
                   or metadata.get("num_classes"))
        if classes is None:
            refuse(what, "it takes labels but its number of classes cannot be read from its "
                         "layers (record num_classes in metadata.json)")
    _check_metadata(source, metadata, int(latent_dim), sample_shape, classes)
    return generator, int(latent_dim)


def _check_metadata(source, metadata, latent_dim, sample_shape, num_classes=None):
    checked = [("latent_dim", latent_dim), ("output_shape", list(sample_shape))]
    if num_classes is not None or metadata.get("num_classes") is not None:
        checked.append(("num_classes", num_classes))
    for key, actual in checked:
        claimed = metadata.get(key)
        if claimed is not None and claimed != actual:
            raise PresetFormatError(
                f"{source}: metadata.json gives {key} {claimed!r} but the model has {actual!r}; "
                "the preset was edited or its files mixed up: re-download or re-save it"
            )
