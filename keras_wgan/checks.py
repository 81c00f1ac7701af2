"""Type and range checks for settings: a bad value becomes one error naming the setting.

NumPy only (no Keras import), so that the layers, the constraints and the command line's
argument parser use the same checks as the models (`keras_wgan.models.validation`, which
re-exports them).
"""

import math
import numbers

import numpy as np

# The smallest normal and the largest float32 (CPUs flush smaller ones to 0 in float32 math).
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT32_RANGE = f"{FLOAT32_TINY:.3g} to {FLOAT32_MAX:.3g} in size"
# The largest seed `keras.utils.set_random_seed` takes.
MAX_SEED = 2**32 - 1


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


def check_seed(seed, name="seed"):
    """``seed`` as None or an int Keras's and NumPy's generators take (0 to `MAX_SEED`)."""
    return None if seed is None else check_int(seed, name, minimum=0, maximum=MAX_SEED)


def float32_holds(value):
    """True when float32 keeps ``value`` finite and, unless it is 0, away from 0: a learning
    rate, penalty weight or clip value of 1e-320 would act as 0 in float32 weights, and 1e300
    as infinity."""
    return value == 0 or FLOAT32_TINY <= abs(value) <= FLOAT32_MAX


def check_float(value, name, *, minimum=None, above=None, float32=False):
    """Return ``value`` as a finite float ``>= minimum`` (or ``> above``), or raise naming it.

    ``float32=True``: a setting that acts on float32 weights, which must hold it
    (`float32_holds`).
    """
    bound = f"> {above:g}" if above is not None else f">= {minimum:g}" if minimum is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number {bound}, got {value!r} ({type(value).__name__}).")
    value = float(value)
    if (not math.isfinite(value) or (minimum is not None and value < minimum)
            or (above is not None and value <= above)):
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")
    if float32 and not float32_holds(value):
        raise ValueError(f"{name} must be {bound} and within float32's range ({FLOAT32_RANGE}), "
                         f"got {value!r}.")
    return value
