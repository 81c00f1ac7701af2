"""Wasserstein distances between point sets: exact W1 by optimal transport, sliced W_p, 1-D W_p.

For empirical measures with uniform weights,

    W_p(P, Q)^p = min_{T in Pi(a, b)} sum_ij T_ij ||x_i - y_j||^p,

a linear program solved exactly by ``ot.emd2`` (network simplex) for ``p = 1``: practical for a
few thousand low-dimensional points. In one dimension ``W_p^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt``
with the empirical quantile functions (with equal sizes: the mean of ``|x_(i) - y_(i)|^p`` over the
sorted samples). The sliced distance averages that over random directions ``theta``:

    SW_p(P, Q) = ( E_theta W_p^p(theta # P, theta # Q) )^(1/p).

References: Villani, "Optimal Transport: Old and New", 2009; Bonneel et al., "Sliced and Radon
Wasserstein Barycenters of Measures", 2015, https://doi.org/10.1007/s10851-014-0506-3; Flamary et
al., "POT: Python Optimal Transport", JMLR 2021, https://jmlr.org/papers/v22/20-451.html.
"""

import numpy as np

from keras_wgan import memory
from keras_wgan.checks import check_int


def _flat(x):
    """``x`` as a float64 ``(n, d)`` array of at least one finite point, or a one-line error."""
    x = np.asarray(x, np.float64)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"A Wasserstein distance needs at least one point per set, got shape "
                         f"{x.shape}.")
    x = x.reshape(len(x), -1)
    if not np.isfinite(x).all():
        raise ValueError("The points hold NaN or Inf: a Wasserstein distance needs finite "
                         "points; check them with np.isfinite.")
    return x


def wasserstein_1d(u, v, p=1):
    """Exact ``W_p`` between 1-D samples (columns are treated as independent 1-D problems).

    ``u`` of shape ``(n,)`` or ``(n, P)``, ``v`` of shape ``(m,)`` or ``(m, P)``: the integral of
    ``|F^-1 - G^-1|^p`` over the merged quantile breakpoints ``{i/n} U {j/m}``, on each piece of
    which both empirical quantile functions are constant.
    """
    u, v = np.sort(np.asarray(u, np.float64), axis=0), np.sort(np.asarray(v, np.float64), axis=0)
    n, m = len(u), len(v)
    if n == m:
        cost = np.mean(np.abs(u - v) ** p, axis=0)
    else:
        t = np.unique(np.concatenate([np.arange(1, n + 1) / n, np.arange(1, m + 1) / m]))
        widths = np.diff(t, prepend=0.0)
        mid = t - widths / 2
        iu = np.minimum((mid * n).astype(int), n - 1)
        iv = np.minimum((mid * m).astype(int), m - 1)
        diff = np.abs(u[iu] - v[iv]) ** p
        cost = np.tensordot(widths, diff, axes=(0, 0))
    result = cost ** (1.0 / p)
    return float(result) if np.ndim(result) == 0 else result


def sliced_wasserstein(x, y, n_projections=256, p=2, seed=0):
    """Sliced Wasserstein distance ``SW_p`` over ``n_projections`` random unit directions (seeded).

    0 for identical sets (any directions); grows with a shift ``delta`` like
    ``(E |theta . delta|^p)^(1/p)``. Sizes may differ.
    """
    x, y = _flat(x), _flat(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"Dimensions differ: {x.shape[1]} vs {y.shape[1]}.")
    n_projections = check_int(n_projections, "n_projections")
    theta = np.random.default_rng(seed).standard_normal((x.shape[1], n_projections))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    per_direction = wasserstein_1d(x @ theta, y @ theta, p=p) ** p
    return float(np.mean(per_direction) ** (1.0 / p))


def _import_ot():
    try:
        import ot
    except ImportError as err:
        raise ImportError(
            "Exact W1 needs the POT optimal-transport package: `pip install POT` "
            "(or `pip install keras-wgan[eval]`)."
        ) from err
    return ot


def exact_w1(x, y, max_iter=10_000_000):
    """Exact ``W1`` between two point sets with uniform weights (Euclidean ground cost), via ``ot.emd2``.

    Cost is ``O(n m)`` memory and roughly cubic time: meant for low-dimensional data and up to a
    few thousand points per set.
    """
    ot = _import_ot()
    x, y = _flat(x), _flat(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"Dimensions differ: {x.shape[1]} vs {y.shape[1]}.")
    memory.require_memory(8 * len(x) * len(y), f"exact W1 of {len(x):,} x {len(y):,} points "
                          "(its cost matrix)", "compare fewer points, or use "
                          "sliced_wasserstein for large sets.")
    cost = ot.dist(x, y, metric="euclidean")
    a, b = np.full(len(x), 1.0 / len(x)), np.full(len(y), 1.0 / len(y))
    return float(ot.emd2(a, b, cost, numItermax=int(max_iter)))


def w1_with_noise_floor(fake, real, seed=0, repeats=3):
    """Exact W1 of ``fake`` against real samples, with the noise floor beside it.

    Two finite samples of one distribution are not at distance 0: the floor is W1 between two
    independent real samples of the same size as ``fake``, so a perfect generator scores about
    the floor, not 0. Both numbers fluctuate with the real draws (by about 20% for 500 points
    of ``grid25``), so each is averaged over ``repeats`` independent pairs ``(real_a, real_b)``:

        w1 = mean_r W1(fake, real_a_r),   noise_floor = mean_r W1(real_b_r, real_a_r).

    Args:
        fake: ``(n, d)`` generated points.
        real: a callable ``(n, seed=...) -> (n, d)`` real sampler (e.g.
            ``functools.partial(keras_wgan.data.sample, "grid25")``), or an array with at least
            ``2 n`` rows, from which each repeat draws two disjoint subsets.
        seed: seeds the real draws (``seed + 2 r`` and ``seed + 2 r + 1`` for a sampler).
        repeats: independent pairs to average over.

    Returns:
        A dict: ``w1``, ``noise_floor``, ``ratio`` (``w1 / noise_floor``), their standard
        deviations over repeats ``w1_std`` and ``noise_floor_std``, and ``n``.
    """
    fake = _flat(fake)
    n = len(fake)
    if not callable(real):
        real = _flat(real)
        if len(real) < 2 * n:
            raise ValueError(f"Need at least 2 * {n} real points for the noise floor; got {len(real)}.")
    w1s, floors = [], []
    for r in range(int(repeats)):
        if callable(real):
            real_a, real_b = _flat(real(n, seed=seed + 2 * r)), _flat(real(n, seed=seed + 2 * r + 1))
        else:
            order = np.random.default_rng(seed + r).permutation(len(real))
            real_a, real_b = real[order[:n]], real[order[n : 2 * n]]
        w1s.append(exact_w1(fake, real_a))
        floors.append(exact_w1(real_b, real_a))
    w1, floor = float(np.mean(w1s)), float(np.mean(floors))
    return {
        "w1": w1,
        "noise_floor": floor,
        "ratio": w1 / floor if floor > 0 else float("inf"),
        "w1_std": float(np.std(w1s)),
        "noise_floor_std": float(np.std(floors)),
        "n": n,
    }
