"""Checks that turn shape, type and range mistakes into one-line errors before any work starts."""

import math
import numbers

import keras
import numpy as np

# Rows of a NumPy array checked at a time, so a large array needs no full-size temporary.
_CHECK_CHUNK = 4096
# Slack around [-1, 1] for float rounding (e.g. images scaled in float16 and back).
RANGE_TOLERANCE = 1e-3


def check_int(value, name, minimum=1, maximum=None):
    """Return ``value`` as an int in ``[minimum, maximum]``, or raise a one-line error naming it.

    Integral floats (``5.0``) are accepted; bools, strings, None and fractions are not. Callers
    for which None means "keep the default" test for None before calling this.
    """
    bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer {bound}, got {value!r} ({type(value).__name__}).")
    if not float(value).is_integer() or value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}.")
    return int(value)


def check_float(value, name, *, minimum=None, above=None):
    """Return ``value`` as a finite float ``>= minimum`` (or ``> above``), or raise naming it."""
    bound = f"> {above:g}" if above is not None else f">= {minimum:g}" if minimum is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number {bound}, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if (not math.isfinite(value) or (minimum is not None and value < minimum)
            or (above is not None and value <= above)):
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")
    return value


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


def check_real_array(images, sample_shape):
    """Refuse a float NumPy array of images outside [-1, 1] (or holding NaN/Inf) before `fit`.

    The generators end in ``tanh``, so real images must be in [-1, 1]: images in [0, 255] still
    train, with losses in the hundreds and nothing learned. Only image samples ``(H, W, C)``
    are checked: 2-D toy points are unbounded. One pass over the array, in chunks.
    """
    if len(sample_shape) != 3 or not isinstance(images, np.ndarray):
        return
    if not np.issubdtype(images.dtype, np.floating) or images.size == 0:
        return  # integer images are refused, by dtype, when the step is traced
    low, high = np.inf, -np.inf
    for start in range(0, images.shape[0], _CHECK_CHUNK):
        chunk = images[start : start + _CHECK_CHUNK]
        if not np.isfinite(chunk).all():
            bad = start + int(np.argwhere(~np.isfinite(chunk))[0][0])
            raise ValueError(
                f"The real images contain NaN or Inf (first in image {bad}): clean the data "
                "(e.g. np.nan_to_num) or pass check_range=False to fit."
            )
        low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
    if low < -1 - RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise ValueError(
            f"The real images span [{low:g}, {high:g}], outside [-1, 1] (the generator's tanh "
            "range): scale them first (from [0, 255]: x / 127.5 - 1) or pass check_range=False "
            "to fit."
        )
