"""Built-in 2-D toy distributions, as NumPy samples and as endless `tf.data` pipelines.

The parameters of the reference scripts (Gulrajani et al. 2017, igul222/improved_wgan_training
``gan_toy.py``, and Arjovsky et al. 2017, Example 1), *before* gan_toy.py's final rescaling:
it divides grid25 by 2.828 and ring8 by 1.414 ("stdev"); here they keep the units below, so the
modes' geometry (std / spacing) is the reference's but distances such as W1 are 2.828x (grid25)
and 1.414x (ring8) theirs:

- ``ring8``: a mixture of 8 equally weighted Gaussians with centres on a circle of
  radius 2 at angles ``k * pi / 4``, each isotropic with std 0.02.
- ``grid25``: a mixture of 25 equally weighted Gaussians centred on the grid
  ``{-4, -2, 0, 2, 4}^2``, each isotropic with std 0.05.
- ``swiss_roll``: ``t = 1.5 pi (1 + 2u)``, ``u ~ U[0, 1]``, the point
  ``(t cos t, t sin t) / 7.5`` plus Gaussian noise of std ``0.25 / 7.5`` per coordinate.
- ``parallel_lines``: ``(theta, U[0, 1])``: the real distribution is ``theta = 0``
  (WGAN paper, Example 1; pass ``theta=`` for the shifted one).

Every sample is ``float32`` of shape ``(n, 2)``. Given a seed, the samples are fully
deterministic (NumPy ``default_rng(seed)`` / TensorFlow stateless random ops). The two
mixtures can also come labelled (``labels=True``): each point with the index of the mode it
was drawn from, ``(points, labels)`` with int32 labels in ``[0, number of modes)``, the data of
a class-conditional model (one class per mode).
"""

import math

import numpy as np

from keras_wgan import memory
from keras_wgan.checks import check_int

RING8_RADIUS = 2.0
RING8_STD = 0.02
GRID25_SPACING = 2.0
GRID25_STD = 0.05
SWISS_ROLL_SCALE = 7.5
SWISS_ROLL_NOISE = 0.25

TOY_DISTRIBUTIONS = ("ring8", "grid25", "swiss_roll", "parallel_lines")
# The mixtures, whose points can carry the index of their mode as a class label.
LABELLED = ("ring8", "grid25")


def mixture_modes(name):
    """Return ``(centres, std)`` of a Gaussian-mixture toy distribution.

    Args:
        name: ``"ring8"`` or ``"grid25"``.

    Returns:
        A ``(k, 2)`` float32 array of mode centres and the per-mode std.
    """
    if name == "ring8":
        angles = np.arange(8) * (2.0 * math.pi / 8)
        centres = RING8_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        return centres.astype("float32"), RING8_STD
    if name == "grid25":
        axis = np.arange(-2, 3) * GRID25_SPACING
        xx, yy = np.meshgrid(axis, axis, indexing="ij")
        centres = np.stack([xx.ravel(), yy.ravel()], axis=1)
        return centres.astype("float32"), GRID25_STD
    raise ValueError(
        f"'{name}' is not a Gaussian-mixture toy distribution; "
        "use one of 'ring8', 'grid25'."
    )


def _check_name(name):
    if name not in TOY_DISTRIBUTIONS:
        raise ValueError(
            f"Unknown toy distribution '{name}'; use one of {', '.join(TOY_DISTRIBUTIONS)}."
        )


def _check_labelled(name):
    if name not in LABELLED:
        raise ValueError(
            f"'{name}' has no classes to label its points with; labels=True needs a mixture "
            f"(one class per mode): {', '.join(LABELLED)}."
        )


def toy_num_classes(name):
    """The number of classes (modes) of a labelled toy distribution (``ring8``: 8)."""
    _check_labelled(name)
    return len(mixture_modes(name)[0])


def sample(name, n, seed=None, theta=0.0, labels=False):
    """Draw ``n`` points of a toy distribution as a NumPy ``(n, 2)`` float32 array.

    Args:
        name: one of ``TOY_DISTRIBUTIONS``.
        n: number of points.
        seed: integer seed for a reproducible draw, or None.
        theta: the horizontal offset for ``parallel_lines`` (ignored otherwise).
        labels: also return each point's mode index (mixtures only): ``(points, labels)``,
            labels int32 ``(n,)``. The points are the same as without labels.
    """
    _check_name(name)
    n = check_int(n, "n (the number of points)", minimum=0)
    # Points and mode indices, in float64/int64 before the cast: 24 bytes a point.
    memory.require_memory(24 * n, f"n={n:,} toy points", "draw fewer at a time.")
    if labels:
        _check_labelled(name)
    rng = np.random.default_rng(seed)
    if name in LABELLED:
        centres, std = mixture_modes(name)
        idx = rng.integers(0, len(centres), size=n)
        points = centres[idx] + std * rng.standard_normal((n, 2))
        if labels:
            return points.astype("float32"), idx.astype("int32")
    elif name == "swiss_roll":
        t = 1.5 * math.pi * (1.0 + 2.0 * rng.uniform(size=n))
        points = np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
        points = (points + SWISS_ROLL_NOISE * rng.standard_normal((n, 2))) / SWISS_ROLL_SCALE
    else:
        points = np.stack([np.full(n, theta), rng.uniform(size=n)], axis=1)
    return points.astype("float32")


def _tf_sample(name, n, seed, theta, labels=False):
    """The same distributions as `sample`, with TensorFlow stateless ops (for tf.data)."""
    import tensorflow as tf

    seeds = tf.random.experimental.stateless_split(seed, 3)
    if name in LABELLED:
        centres, std = mixture_modes(name)
        idx = tf.random.stateless_uniform(
            [n], seeds[0], minval=0, maxval=len(centres), dtype=tf.int32
        )
        noise = tf.random.stateless_normal([n, 2], seeds[1])
        points = tf.gather(tf.constant(centres), idx) + std * noise
        return (points, idx) if labels else points
    if name == "swiss_roll":
        u = tf.random.stateless_uniform([n], seeds[0])
        t = 1.5 * math.pi * (1.0 + 2.0 * u)
        points = tf.stack([t * tf.cos(t), t * tf.sin(t)], axis=1)
        noise = tf.random.stateless_normal([n, 2], seeds[1])
        return (points + SWISS_ROLL_NOISE * noise) / SWISS_ROLL_SCALE
    y = tf.random.stateless_uniform([n], seeds[0])
    return tf.stack([tf.fill([n], tf.constant(theta, tf.float32)), y], axis=1)


def toy_dataset(name, batch_size, seed=None, theta=0.0, start=0, labels=False):
    """An endless ``tf.data.Dataset`` of ``(batch_size, 2)`` float32 batches.

    Batches are generated on the fly by stateless random ops keyed on ``(seed, step)``,
    so a seeded pipeline yields the same batches every time, and ``start=k`` continues a
    stream at its k-th batch (for resumed training). Use ``steps_per_epoch`` in ``fit``
    since the dataset never ends. With ``labels=True`` (mixtures only) each batch is
    ``(points, labels)``, the labels int32 mode indices (the points are the same).
    """
    import tensorflow as tf

    from keras_wgan import memory
    from keras_wgan.data.pipeline import check_batch_size

    _check_name(name)
    if labels:
        _check_labelled(name)
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    batch_size = check_batch_size(batch_size, None, f"toy:{name}")
    memory.require_memory(batch_size * 2 * 4, f"a batch of {batch_size:,} toy:{name} points",
                          "lower batch_size.")
    theta = float(theta)

    def make_batch(step):
        key = tf.stack([tf.constant(seed, tf.int64), step])
        return _tf_sample(name, batch_size, key, theta, labels)

    return (
        tf.data.Dataset.counter(start=int(start))
        .map(make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )
