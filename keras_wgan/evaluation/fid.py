"""FID and KID between real and generated samples in a pluggable feature space.

``real`` and ``fake`` may be arrays, eager tensors or iterables of batches (a ``tf.data``
pipeline); ``features`` is any callable ``images -> (N, D)`` (`InceptionFeatures`,
`MnistClassifierFeatures`, or ``None`` for the identity on flattened inputs). FID streams:
only the running mean and covariance are kept. KID needs the features of both sets in memory
(``N x D`` floats), not the images.
"""

import numpy as np

from keras_wgan.checks import check_int
from keras_wgan.evaluation.features import extract_features, iterate_batches
from keras_wgan.evaluation.stats import GaussianStats, frechet_distance


def feature_stats(data, features=None, batch_size=500):
    """Stream ``data`` through ``features`` into a `GaussianStats` (mean and covariance, float64)."""
    stats = GaussianStats()
    for batch in iterate_batches(data, batch_size):
        stats.update(batch if features is None else features(batch))
    if stats.n < 2:
        raise ValueError(f"FID needs at least 2 samples per set; got {stats.n}.")
    return stats


def fid(real, fake, features=None, batch_size=500):
    """Frechet Inception Distance ``||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^{1/2})``.

    Gaussians are fitted to ``features(real)`` and ``features(fake)``. Either argument may
    also be a precomputed `GaussianStats` (cache the real data's statistics with
    ``feature_stats(real, features).save(path)``). FID is biased upwards at small N: compare
    values computed with the same number of samples (10,000 or 50,000 in the literature).

    References: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local
    Nash Equilibrium", 2017, https://arxiv.org/abs/1706.08500.
    """
    s_r = real if isinstance(real, GaussianStats) else feature_stats(real, features, batch_size)
    s_g = fake if isinstance(fake, GaussianStats) else feature_stats(fake, features, batch_size)
    return frechet_distance(s_r.mean, s_r.cov, s_g.mean, s_g.cov)


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    """``k(x, y) = (gamma x.y + coef0)^degree`` with ``gamma = 1 / D`` by default (KID's kernel)."""
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(x, y, kernel=polynomial_kernel):
    """Unbiased estimate of the squared MMD between the samples ``x`` (m, D) and ``y`` (n, D):

        MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (n (n - 1))
                  - 2 sum_{i, j} k(x_i, y_j) / (m n).

    Its expectation is exactly 0 when both samples come from the same distribution, so it can
    be negative.

    References: Gretton et al., "A Kernel Two-Sample Test", JMLR 2012,
    https://jmlr.org/papers/v13/gretton12a.html (Lemma 6).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"The unbiased MMD needs at least 2 samples per set; got {m} and {n}.")
    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    term_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    term_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(term_xx + term_yy - 2.0 * k_xy.mean())


def kid(real, fake, features=None, n_subsets=100, subset_size=1000, seed=0, batch_size=500, return_std=False):
    """Kernel Inception Distance: unbiased MMD^2 with the kernel ``(x.y / D + 1)^3``.

    Averaged over ``n_subsets`` random subsets of ``min(subset_size, N_real, N_fake)`` samples
    drawn without replacement from each set (seeded), as in the reference implementation.
    Unbiased: close to 0 (possibly negative) when both sets come from one distribution.

    Returns:
        The mean over subsets, or ``(mean, std)`` when ``return_std``.

    References: Binkowski et al., "Demystifying MMD GANs", ICLR 2018,
    https://arxiv.org/abs/1801.01401.
    """
    f_r = extract_features(real, features, batch_size).astype(np.float64)
    f_g = extract_features(fake, features, batch_size).astype(np.float64)
    if f_r.shape[1] != f_g.shape[1]:
        raise ValueError(f"Feature dimensions differ: {f_r.shape[1]} vs {f_g.shape[1]}.")
    n_subsets = check_int(n_subsets, "n_subsets")
    size = min(check_int(subset_size, "subset_size", minimum=2), len(f_r), len(f_g))
    rng = np.random.default_rng(seed)
    values = np.array([
        mmd2_unbiased(f_r[rng.choice(len(f_r), size, replace=False)],
                      f_g[rng.choice(len(f_g), size, replace=False)])
        for _ in range(int(n_subsets))
    ])
    mean = float(values.mean())
    return (mean, float(values.std())) if return_std else mean
