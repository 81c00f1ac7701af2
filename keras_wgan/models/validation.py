"""Checks that turn shape and type mistakes into one-line errors at construction time."""

import keras


def _declared_input_shape(model):
    """The input shape a (functional/sequential) model declares, or None if it declares none."""
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def _fmt(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


def check_generator(generator, latent_dim):
    """Return the sample shape (no batch axis) ``generator`` makes from ``latent_dim`` noise."""
    if not isinstance(generator, keras.layers.Layer):
        raise TypeError(
            f"generator must be a keras.Model (or Layer), got {type(generator).__name__}: "
            "build one with keras_wgan.architectures or keras.Sequential."
        )
    declared = _declared_input_shape(generator)
    if declared is not None and declared[-1] is not None and declared[-1] != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input shape "
            f"{_fmt(declared)}: pass latent_dim={declared[-1]} or build the generator "
            f"for {latent_dim}-dimensional noise."
        )
    try:
        spec = generator.compute_output_spec(keras.KerasTensor((None, latent_dim)))
    except Exception as error:  # a subclassed generator can fail in many ways
        raise ValueError(
            f"The generator cannot map noise of shape (batch, {latent_dim}) to samples "
            f"({type(error).__name__}: {str(error).splitlines()[0]}): check latent_dim."
        ) from None
    if isinstance(spec, (list, tuple, dict)):
        raise ValueError("The generator must return one tensor of samples, not a structure.")
    return tuple(spec.shape[1:])


def check_discriminator(discriminator, sample_shape, name="discriminator"):
    """Check that ``discriminator`` takes samples of ``sample_shape`` and gives one score each."""
    if not isinstance(discriminator, keras.layers.Layer):
        raise TypeError(
            f"{name} must be a keras.Model (or Layer), got {type(discriminator).__name__}."
        )
    declared = _declared_input_shape(discriminator)
    if declared is not None and not _compatible(declared[1:], sample_shape):
        raise ValueError(
            f"The generator makes samples of shape {_fmt(sample_shape)} but the {name} "
            f"expects {_fmt(declared[1:])}: build both for the same shape (for example "
            "dcgan_generator(image_shape=...) and dcgan_critic(image_shape=...))."
        )
    try:
        spec = discriminator.compute_output_spec(keras.KerasTensor((None,) + sample_shape))
    except Exception as error:
        raise ValueError(
            f"The {name} cannot take the generator's samples of shape {_fmt(sample_shape)} "
            f"({type(error).__name__}: {str(error).splitlines()[0]}): build both models "
            "for the same sample shape."
        ) from None
    if isinstance(spec, (list, tuple, dict)) or tuple(spec.shape[1:]) not in ((), (1,)):
        shape = getattr(spec, "shape", None)
        raise ValueError(
            f"The {name} must output one score per example, shape (batch, 1), but outputs "
            f"{_fmt(shape) if shape is not None else type(spec).__name__}: end it with "
            "Dense(1) and no activation (the losses take logits / raw critic scores)."
        )


def _compatible(declared, actual):
    return len(declared) == len(actual) and all(
        d is None or a is None or d == a for d, a in zip(declared, actual)
    )


def check_no_batch_norm(discriminator):
    """Refuse a BatchNormalization critic under a gradient penalty (it is not per-example)."""
    for layer in discriminator._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            raise ValueError(
                f"The critic contains BatchNormalization layer '{layer.name}', which breaks "
                "the per-example gradient penalty (Gulrajani et al. 2017, Sec. 4): use "
                "LayerNormalization or no normalization (dcgan_critic(norm='layer'))."
            )


def check_real_batch(real, sample_shape):
    """Check a batch of real data against the generator's sample shape (at trace time)."""
    dtype = keras.backend.standardize_dtype(real.dtype)
    if "float" not in dtype:
        raise TypeError(
            f"Real batches must be floating point scaled to [-1, 1], got {dtype}: use "
            "keras_wgan.data.image_dataset(...) or convert with x / 127.5 - 1."
        )
    if not _compatible(tuple(real.shape[1:]), sample_shape):
        raise ValueError(
            f"Real samples have shape {_fmt(tuple(real.shape[1:]))} but the generator makes "
            f"samples of shape {_fmt(sample_shape)}: resize the data (image_size=, "
            "channels= in keras_wgan.data.image_dataset) or build the models for it."
        )
