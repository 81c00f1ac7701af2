"""The tail every image source shares: cache, shuffle, repeat, batch, scale, prefetch."""

import os

import tensorflow as tf

from keras_wgan.data.transforms import scale_batch

# A shuffle buffer over decoded images of a set too big to cache: large enough to mix
# neighbouring files well, small enough to hold (10,000 64x64 RGB images: 120 MB).
STREAM_SHUFFLE_BUFFER = 10_000
CACHE_MODES = ("auto", True, False)


class TooFewExamples(ValueError):
    """A source holds fewer examples than one batch (``drop_remainder=True``: no batch at all).

    Carries ``batch_size``, ``num_examples`` and ``source`` so a caller that builds the batch
    from its own settings (critic steps x batch size; `eval`'s fixed batch) can name those.
    """

    def __init__(self, batch_size, num_examples, source):
        super().__init__(
            f"batch_size={batch_size} is larger than the {num_examples} images in {source}: "
            f"with drop_remainder=True no batch would come out; use batch_size <= {num_examples}."
        )
        self.batch_size, self.num_examples, self.source = batch_size, num_examples, source


def check_batch_size(batch_size, num_examples, source):
    """Validate ``batch_size`` and return it as an int; ``num_examples`` may be None (unknown)."""
    try:
        valid = not isinstance(batch_size, bool) and int(batch_size) == batch_size >= 1
    except (TypeError, ValueError, OverflowError):  # None, a string, NaN, Inf
        valid = False
    if not valid:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    batch_size = int(batch_size)
    if num_examples is not None and batch_size > num_examples:
        raise TooFewExamples(batch_size, num_examples, source)
    return batch_size


def available_memory():
    """Bytes of memory the OS can hand out now (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def resolve_cache(cache, nbytes):
    """Turn ``cache`` ("auto", True, False or a file path) into False, True or a path.

    "auto" caches in memory when the prepared images (``nbytes``, None if unknown) take at most
    half the memory available now: the rest is left to the model, the shuffle buffer and the OS.
    """
    if isinstance(cache, (str, os.PathLike)) and cache != "auto":
        return os.fspath(cache)
    if cache not in CACHE_MODES:
        raise ValueError(f"cache must be 'auto', True, False or a file path, got {cache!r}.")
    if cache != "auto":
        return bool(cache)
    budget = available_memory()
    return nbytes is not None and budget is not None and nbytes <= budget // 2


def map_options(shuffle, seed):
    """Keyword arguments for a parallel ``Dataset.map``.

    Order only needs to be kept when the caller can observe it: a seeded run, or no shuffling.
    Otherwise let tf.data hand out whichever element is ready first (faster on slow files).
    """
    return {"num_parallel_calls": tf.data.AUTOTUNE, "deterministic": bool(seed is not None or not shuffle)}


def finish(ds, *, batch_size, value_range, shuffle, seed, repeat, cache=False, buffer_size=None,
           labelled=False):
    """Shared tail: ``[cache] -> [shuffle] -> [repeat] -> batch(drop_remainder) -> scale -> prefetch``.

    Args:
        ds: dataset of single images, uint8 or float32, all of one shape (with
            ``labelled``: ``(image, label)`` pairs, the label an int32 scalar).
        batch_size: images per batch; the last partial batch of each pass is dropped.
        value_range: ``(lo, hi)`` of the source values, mapped to [-1, 1].
        shuffle: reshuffle every pass through the data.
        seed: int seed making the order reproducible, or None.
        repeat: repeat the data endlessly (use ``steps_per_epoch`` in ``fit``).
        cache: False, True (memory) or a file path, from `resolve_cache`.
        buffer_size: shuffle buffer; pass the dataset size for an exact uniform shuffle.
            None (size unknown) means `STREAM_SHUFFLE_BUFFER`.
        labelled: the elements are ``(image, label)``: only the images are scaled.
    """
    if cache is True:
        ds = ds.cache()
    elif cache:
        ds = ds.cache(cache)
    if shuffle:
        # After the cache, so each pass is reshuffled; the buffer holds references to cached
        # tensors, not copies, so a full-size buffer costs little once the data is cached.
        buffer = STREAM_SHUFFLE_BUFFER if buffer_size is None else max(int(buffer_size), 1)
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=True)
    if labelled:
        ds = ds.map(lambda x, y: (scale_batch(x, value_range), y), **map_options(shuffle, seed))
    else:
        ds = ds.map(lambda x: scale_batch(x, value_range), **map_options(shuffle, seed))
    return ds.prefetch(tf.data.AUTOTUNE)
