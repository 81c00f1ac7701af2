"""Sizes that cannot fit in this machine's memory, refused in one line before anything is built.

A width of 10^8 asks for a 10^8 x 10^8 kernel. Left to the backend, TensorFlow and PyTorch
raise an allocation error naming a tensor shape, and JAX's allocator aborts the process
(``std::bad_alloc``, a native crash that no ``except`` catches). So the networks are counted
first, without allocating anything, and what a step needs at the least (every parameter with
its gradient and Adam's two moments, and the examples one step reads) is held against the
machine's physical memory. With Adam (every variant but WGAN) the counts are lower bounds
(activations come on top), so a refusal is never wrong; WGAN's RMSProp holds one moment, not
two, so near the bound its refusal can overstate the need by up to a third. A run just under the
bound may still run out, and the command line then reports it in one line too
(`is_out_of_memory`).
"""

import copy
import math
import os
import random
import re

import keras

# float32 words per parameter a step holds with Adam: the weight, its gradient and Adam's first
# and second moments (RMSProp holds one moment, plain SGD none: see the module docstring).
WORDS_PER_PARAMETER = 4
BYTES_PER_WORD = 4


def physical_memory():
    """This machine's physical memory in bytes, or None where the platform does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # not POSIX (Windows), or an unknown name
        return None


def parameter_count(build):
    """The parameters of the models ``build()`` returns, counted without allocating them and
    without a trace: the build that follows is the one it would have been.

    Keras creates variables inside a `keras.StatelessScope(initialize_variables=False)` as
    shapes with deferred initializers. Building also moves three pieces of global state, put
    back as they were: Keras's list of deferred variables (initialised, so allocated, at the
    next exit of a stateless scope), its layer-name counters (the next build's layers would be
    ``dense_1`` instead of ``dense``) and Python's `random` state (initializers without a seed
    draw theirs from it, so a seeded run would start from other weights).
    """
    from keras.src.backend.common import global_state  # these have no public names

    pending = list(global_state.get_global_attribute("uninitialized_variables", []) or [])
    names = copy.copy(global_state.get_global_attribute("object_name_uids"))
    python_random = random.getstate()
    try:
        with keras.StatelessScope(initialize_variables=False):
            models = build()
        # math.prod: exact Python integers (np.prod wraps past 2^63 at a width of 10^10).
        return sum(math.prod(int(d) for d in v.shape) for m in models for v in m.weights)
    finally:
        global_state.set_global_attribute("uninitialized_variables", pending)
        global_state.set_global_attribute("object_name_uids", names)
        random.setstate(python_random)


def _gigabytes(n_bytes):
    return f"{n_bytes / 2**30:,.1f} GiB"


def require_memory(need, what, fix, memory=None):
    """Raise a one-line ValueError when ``need`` bytes exceed ``memory`` (default: this
    machine's `physical_memory`; where it is unknown, nothing is checked)."""
    memory = physical_memory() if memory is None else memory
    if memory is not None and need > memory:
        raise ValueError(f"{what}: {_gigabytes(need)}, more than this machine's "
                         f"{_gigabytes(memory)} of memory: {fix}")


def require_networks_fit(build, sizes, memory=None):
    """Raise a one-line ValueError when the networks ``build()`` makes cannot fit in memory.

    Args:
        build: a function returning the (generator, critic) models; called in a stateless
            scope, so its variables are counted, not allocated.
        sizes: how the caller names the sizes that set the count, e.g. "width 100000000
            (--width) and latent_dim 1 (--latent-dim)"; the message asks to lower them.
        memory: the memory to hold them against, in bytes (default: `physical_memory`).
    """
    if (physical_memory() if memory is None else memory) is None:
        return  # nothing to hold the count against: not worth counting
    params = parameter_count(build)
    require_memory(params * WORDS_PER_PARAMETER * BYTES_PER_WORD,
                   f"{sizes} make networks of {params:,} parameters, at least this much with "
                   "their gradients and optimizer state", "lower them.", memory)


def require_batch_fits(examples, sample_shape, sizes, memory=None):
    """Raise a one-line ValueError when one step's ``examples`` float32 samples of
    ``sample_shape`` alone exceed memory; ``sizes`` names what sets ``examples``."""
    if None in tuple(sample_shape):  # a shape known only per batch
        return
    require_memory(int(examples) * math.prod(int(d) for d in sample_shape) * BYTES_PER_WORD,
                   f"one training step reads {examples:,} examples of shape "
                   f"{tuple(sample_shape)} ({sizes})", "lower them.", memory)


# What each backend raises when an allocation fails, by exception type name or message.
_OUT_OF_MEMORY_TYPES = ("ResourceExhaustedError", "OutOfMemoryError", "MemoryError")
_OUT_OF_MEMORY_TEXT = ("RESOURCE_EXHAUSTED", "can't allocate memory", "Out of memory",
                       "OOM when allocating")


def is_out_of_memory(error):
    """True for an allocation failure: Python's MemoryError, TensorFlow's
    ResourceExhaustedError, PyTorch's OutOfMemoryError or CPU allocator error, JAX's
    RESOURCE_EXHAUSTED."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if names.intersection(_OUT_OF_MEMORY_TYPES):
        return True
    text = str(error)
    return any(marker in text for marker in _OUT_OF_MEMORY_TEXT)


def failed_allocation(error):
    """What ``error`` (`is_out_of_memory`) failed to allocate, in a few words: TensorFlow
    names the tensor's shape, PyTorch and JAX the bytes."""
    text = str(error)
    shape = re.search(r"shape\[([0-9, ]+)\]", text)
    if shape:
        return f"allocating a tensor of shape ({shape.group(1)})"
    size = re.search(r"allocate (\d+) bytes", text)
    if size:
        return f"allocating {int(size.group(1)):,} bytes"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:160] or type(error).__name__
