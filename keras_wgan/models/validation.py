"""Checks that turn shape, type and range mistakes into one-line errors before any work starts."""

import math
import numbers

import keras
import numpy as np

# The setting checks live in `keras_wgan.checks` (no Keras import, so the layers and the
# constraints use them too); these names stay importable from here.
from keras_wgan.checks import (  # noqa: F401 -- re-exported
    FLOAT32_MAX,
    FLOAT32_RANGE,
    FLOAT32_TINY,
    MAX_SEED,
    check_float,
    check_int,
    check_seed,
    float32_holds,
)

# Rows of a NumPy array checked at a time, so a large array needs no full-size temporary.
_CHECK_CHUNK = 4096
# Slack around [-1, 1] for float rounding (e.g. images scaled in float16 and back).
RANGE_TOLERANCE = 1e-3


def _declared_input_shape(model):
    """The input shape a (functional/sequential) model declares, or None if it declares none."""
    inputs = getattr(model, "inputs", None)
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape)


def _fmt(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + ")"


def _declared_input_count(model):
    inputs = getattr(model, "inputs", None)
    return len(inputs) if inputs else None


def check_generator(generator, latent_dim, num_classes=None):
    """Return the sample shape (no batch axis) ``generator`` makes from ``latent_dim`` noise
    (and, when ``num_classes`` is set, integer labels: ``generator([noise, labels])``)."""
    if not isinstance(generator, keras.layers.Layer):
        raise TypeError(
            f"generator must be a keras.Model (or Layer), got {type(generator).__name__}: "
            "build one with keras_wgan.architectures or keras.Sequential."
        )
    inputs = _declared_input_count(generator)
    if num_classes is None and inputs == 2:
        raise ValueError(
            "The generator takes 2 inputs (noise and labels?) but the model is unconditional: "
            "pass num_classes= to the model, or build an unconditional generator."
        )
    if num_classes is not None and inputs == 1:
        raise ValueError(
            f"num_classes={num_classes} needs a conditional generator taking [noise, labels], "
            "but this one takes noise only: build it with num_classes= (e.g. "
            f"dcgan_generator(..., num_classes={num_classes})) or drop num_classes."
        )
    declared = (_declared_input_shape(generator) if num_classes is None
                else _first_input_shape(generator))
    if declared is not None and declared[-1] is not None and declared[-1] != latent_dim:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator's input shape "
            f"{_fmt(declared)}: pass latent_dim={declared[-1]} or build the generator "
            f"for {latent_dim}-dimensional noise."
        )
    noise = keras.KerasTensor((None, latent_dim))
    what = "noise" if num_classes is None else "noise and integer labels"
    try:
        spec = generator.compute_output_spec(
            noise if num_classes is None else [noise, label_spec()])
    except Exception as error:  # a subclassed generator can fail in many ways
        raise ValueError(
            f"The generator cannot map {what} of shape (batch, {latent_dim}) to samples "
            f"({type(error).__name__}: {str(error).splitlines()[0]}): check latent_dim."
        ) from None
    if isinstance(spec, (list, tuple, dict)):
        raise ValueError("The generator must return one tensor of samples, not a structure.")
    return tuple(spec.shape[1:])


def _first_input_shape(model):
    inputs = getattr(model, "inputs", None)
    return tuple(inputs[0].shape) if inputs else None


def label_spec():
    """The symbolic labels a conditional network is traced with: ``(batch,)`` int32."""
    return keras.KerasTensor((None,), dtype="int32")


def check_discriminator(discriminator, sample_shape, name="discriminator", num_classes=None):
    """Check that ``discriminator`` takes samples of ``sample_shape`` (and, when
    ``num_classes`` is set, their labels: ``discriminator([x, labels])``) and gives one
    score each."""
    if not isinstance(discriminator, keras.layers.Layer):
        raise TypeError(
            f"{name} must be a keras.Model (or Layer), got {type(discriminator).__name__}."
        )
    inputs = _declared_input_count(discriminator)
    if num_classes is None and inputs == 2:
        raise ValueError(
            f"The {name} takes 2 inputs (samples and labels?) but the model is unconditional: "
            "pass num_classes= to the model, or build an unconditional critic."
        )
    if num_classes is not None and inputs == 1:
        raise ValueError(
            f"num_classes={num_classes} needs a conditional {name} taking [samples, labels], "
            "but this one takes samples only: build it with num_classes= (e.g. "
            f"dcgan_critic(..., num_classes={num_classes}), a projection discriminator)."
        )
    declared = (_declared_input_shape(discriminator) if num_classes is None
                else _first_input_shape(discriminator))
    if declared is not None and not _compatible(declared[1:], sample_shape):
        raise ValueError(
            f"The generator makes samples of shape {_fmt(sample_shape)} but the {name} "
            f"expects {_fmt(declared[1:])}: build both for the same shape (for example "
            "dcgan_generator(image_shape=...) and dcgan_critic(image_shape=...))."
        )
    samples = keras.KerasTensor((None,) + sample_shape)
    try:
        spec = discriminator.compute_output_spec(
            samples if num_classes is None else [samples, label_spec()])
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


def check_fit_arguments(x, batch_size, epochs, callbacks, kwargs):
    """Refuse `fit` arguments a GAN cannot train with, in one line; return ``callbacks`` as
    a list (a `keras.callbacks.CallbackList` unpacked, as `keras.Model.fit` takes one) or None.
    """
    check_int(epochs, "epochs", minimum=0)
    if batch_size is not None:
        check_int(batch_size, "batch_size")
    if isinstance(x, (list, tuple)):
        # Keras reads a list as one array per model input; a GAN has one kind of sample.
        raise ValueError(
            f"fit takes the real samples as one array, tensor or dataset, got a "
            f"{type(x).__name__} of {len(x)} items: stack them into one array "
            "(np.stack(x)); a conditional model takes its labels as y (fit(x, y))."
        )
    for weights in ("sample_weight", "class_weight"):
        if kwargs.get(weights) is not None:  # class_weight: IndexError inside Keras
            raise ValueError(
                f"fit({weights}=...) has no effect on a GAN: its losses average over each "
                f"critic step's examples, with no weights; drop {weights} (to favour some "
                "examples or classes, resample the data)."
            )
    if isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks = list(callbacks.callbacks)
    if callbacks is None:
        return None
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of keras.callbacks.Callback objects, "
                        f"got {callbacks!r:.80}.")
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(f"callbacks must be keras.callbacks.Callback objects, got "
                            f"{callback!r:.80} ({type(callback).__name__}) among them.")
    return list(callbacks)


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


# --- class labels (conditional models) ---------------------------------------------------


def check_num_classes(num_classes):
    """``num_classes`` as an int >= 2, or None (an unconditional model); else one ValueError."""
    if num_classes is None:
        return None
    integral = (not isinstance(num_classes, bool) and isinstance(num_classes, numbers.Real)
                and math.isfinite(num_classes) and float(num_classes).is_integer())
    if not integral or num_classes < 2:
        raise ValueError(
            f"num_classes must be an integer >= 2 (the number of classes), or None for an "
            f"unconditional model, got {num_classes!r}."
        )
    return int(num_classes)


def missing_labels_error(num_classes):
    return ValueError(
        f"This model is class-conditional (num_classes={num_classes}) but the data has no "
        f"labels: fit on (x, y) with integer labels y in [0, {num_classes}) (fit(x, y), or a "
        "dataset of (images, labels) batches), or build the model without num_classes."
    )


def _labels_dtype_error(what, dtype, num_classes):
    return ValueError(
        f"{what} must be integer class indices in [0, {num_classes}), got dtype {dtype}: "
        "convert them (y.astype('int32'); one-hot labels: y.argmax(axis=1))."
    )


def _labels_shape_error(what, shape):
    return ValueError(
        f"{what} must have shape (n,) or (n, 1), one class index per example, got shape "
        f"{_fmt(shape) if None in tuple(shape) else tuple(shape)}: one-hot labels? pass "
        "y.argmax(axis=1)."
    )


def check_labels(labels, num_classes, n=None, what="labels"):
    """Integer class indices, shape ``(n,)`` or ``(n, 1)``, in ``[0, num_classes)``, as an
    int32 ``(n,)`` NumPy array; anything else is one ValueError naming the fix."""
    array = np.asarray(labels)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise _labels_dtype_error(what, array.dtype, num_classes)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise _labels_shape_error(what, array.shape)
    if n is not None and len(array) != n:
        raise ValueError(
            f"{what} holds {len(array)} labels for {n} examples: pass one label per example."
        )
    if array.size:
        low, high = int(array.min()), int(array.max())
        if low < 0 or high >= num_classes:
            raise label_out_of_range(what, num_classes, low if low < 0 else high)
    return array.astype("int32")


def label_out_of_range(what, num_classes, bad):
    """The one-line error for a class index ``bad`` outside ``[0, num_classes)``."""
    return ValueError(
        f"{what} must be in [0, {num_classes}) (num_classes={num_classes}), got {bad}: "
        f"map the classes to 0..{num_classes - 1}, or build the model with a matching "
        "num_classes."
    )


def check_label_batch(labels, num_classes):
    """Check a batch of labels in the step (at trace time: dtype and shape only, no cost)."""
    dtype = keras.backend.standardize_dtype(labels.dtype)
    if dtype == "bool" or "int" not in dtype:
        raise _labels_dtype_error("Labels", dtype, num_classes)
    shape = tuple(labels.shape)
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] not in (1, None)):
        raise _labels_shape_error("Labels", shape)


def check_label_spec(element_spec, num_classes):
    """Refuse a `tf.data` pipeline whose elements carry no integer labels, before `fit` runs."""
    if not isinstance(element_spec, (tuple, list)) or len(element_spec) < 2:
        raise missing_labels_error(num_classes)
    spec = element_spec[1]
    dtype = getattr(spec, "dtype", None)
    if dtype is None:  # a nested structure where the labels should be
        raise _labels_dtype_error("Labels", type(spec).__name__, num_classes)
    shape = tuple(spec.shape) if spec.shape.rank is not None else (None,)  # unknown rank
    check_label_batch(keras.KerasTensor(shape, dtype=dtype.name), num_classes)


# Marks the assertion `with_label_range_check` adds, so `fit` can tell its failure from others.
LABEL_RANGE_MARK = "keras_wgan: labels outside [0, num_classes)"


def label_range_error(num_classes):
    return ValueError(
        f"A batch of labels holds values outside [0, {num_classes}) (num_classes="
        f"{num_classes}): map the classes to 0..{num_classes - 1}, or build the model with a "
        "matching num_classes."
    )


def with_label_range_check(dataset, num_classes):
    """``dataset`` whose ``(x, y, ...)`` elements fail, as they stream, when a label lies
    outside ``[0, num_classes)``: an embedding lookup would otherwise read a zero row (GPU),
    clamp (JAX) or fail deep in the step (TensorFlow on CPU). One comparison per label."""
    import tensorflow as tf

    def check(*element):
        labels = element[1]
        inside = tf.reduce_all((labels >= 0) & (labels < tf.cast(num_classes, labels.dtype)))
        with tf.control_dependencies([tf.debugging.Assert(inside, [LABEL_RANGE_MARK])]):
            return (element[0], tf.identity(labels), *element[2:])

    return dataset.map(check)
