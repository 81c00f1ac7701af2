"""The one way every model in keras_wgan turns a seed (and, for a conditional model, labels)
into samples."""

import numbers

import numpy as np
from keras import ops

# The labels `class_labels` draws for ``labels=None`` come from a stream of their own, so
# that the noise of a seed is the same whether or not a model is conditional.
_LABEL_STREAM = 1


def latent_noise(n, latent_dim, seed=None):
    """``(n, latent_dim)`` float32 draws of N(0, I); the same integer seed, the same noise.

    NumPy's ``default_rng(seed)``, so the noise is the same on every backend and device.
    """
    return _rng(seed).standard_normal((int(n), latent_dim)).astype("float32")


def _rng(seed):
    """``default_rng(seed)``, a seed NumPy refuses named in one line (its own message does not
    say which argument: "SeedSequence expects int or sequence of ints for entropy not a")."""
    if isinstance(seed, bool):
        raise TypeError(f"seed must be None or an integer >= 0, got {seed!r} (bool).")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as error:
        raise type(error)(f"seed must be None or an integer >= 0 (or a NumPy Generator), got "
                          f"{seed!r} ({type(seed).__name__}).") from None


def class_labels(n, num_classes, labels=None, frequencies=None, seed=None):
    """The ``(n,)`` int32 class of each of ``n`` samples of a conditional model.

    Args:
        n: the number of samples.
        num_classes: the model's number of classes.
        labels: None: drawn from ``frequencies``; an int: every sample of that class; an
            array-like of ``n`` class indices (``(n,)`` or ``(n, 1)``): one per sample.
        frequencies: ``(num_classes,)`` non-negative weights (the training data's label
            counts); None, or all zero (nothing trained yet): uniform.
        seed: integer seed of the draw (with ``labels=None``); the same seed, the same labels.

    Raises:
        ValueError: a label outside ``[0, num_classes)``, a non-integer label, or an array
            of another length or shape; one line naming the fix.
    """
    # Imported here: keras_wgan.models imports this module.
    from keras_wgan.models.validation import check_labels, label_out_of_range

    if labels is None:
        weights = None
        if frequencies is not None:
            weights = np.asarray(frequencies, dtype="float64").reshape(-1)
            weights = weights / weights.sum() if weights.sum() > 0 else None
        _rng(seed)  # a seed NumPy refuses, named in one line before int() fails on it
        rng = np.random.default_rng(None if seed is None else (int(seed), _LABEL_STREAM))
        return rng.choice(num_classes, size=int(n), p=weights).astype("int32")
    if isinstance(labels, numbers.Integral) and not isinstance(labels, bool):
        if not 0 <= labels < num_classes:  # checked here: 10**30 has no int32 array to check
            raise label_out_of_range("labels=", num_classes, labels)
        return np.full(int(n), int(labels), dtype="int32")
    if np.ndim(labels) == 0:  # a float, a string, a bool: not a class index
        return check_labels(np.asarray([labels]), num_classes, what="labels=")
    return check_labels(labels, num_classes, n=int(n), what="labels=")


def generate(generator, latent_dim, n, seed=None, batch_size=256, labels=None):
    """``n`` samples of ``generator`` (inference mode) as one float32 NumPy array, in batches.

    ``labels`` (a conditional generator's ``(n,)`` int32 classes, from `class_labels`) are fed
    as ``generator([noise, labels])``; None calls ``generator(noise)``. The noise of a seed is
    the same either way. ``n=0`` gives an empty ``(0, *sample_shape)`` array (one forward pass
    finds the shape); a negative or fractional ``n`` is a one-line error.
    """
    from keras_wgan import memory
    from keras_wgan.models.validation import check_int  # models import this module

    n = check_int(n, "n", minimum=0)
    batch_size = check_int(batch_size, "batch_size")
    fix = "draw fewer at a time (generate in chunks)"
    memory.require_memory(n * latent_dim * 4, f"n={n:,} samples' noise ({n:,} x {latent_dim})",
                          fix)
    noise = latent_noise(max(n, 1), latent_dim, seed)
    if labels is not None:
        labels = np.asarray(labels, dtype="int32").reshape(-1)
        labels = labels if n else np.zeros(1, "int32")

    def inputs(i):
        chunk = noise[i : i + batch_size]
        return chunk if labels is None else [chunk, labels[i : i + batch_size]]

    def draw(i):  # float32 whatever the generator computes in (mixed precision: bfloat16)
        return np.asarray(ops.convert_to_numpy(generator(inputs(i), training=False)), "float32")

    chunks = [draw(0)]
    # The chunks, then their concatenation: twice the samples' bytes.
    memory.require_memory(2 * n * chunks[0][0].nbytes,
                          f"n={n:,} samples of shape {chunks[0].shape[1:]}", fix)
    chunks += [draw(i) for i in range(batch_size, len(noise), batch_size)]
    return np.concatenate(chunks, axis=0)[:n]
