"""Streaming Gaussian statistics of features and the Frechet distance between two Gaussians.

The Frechet (2-Wasserstein) distance between ``N(mu1, S1)`` and ``N(mu2, S2)`` is

    d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}),

which is the FID when the Gaussians are fitted to Inception (or any other) features of real
and generated images.

References: Dowson & Landau, "The Frechet distance between multivariate normal distributions",
1982, https://doi.org/10.1016/0047-259X(82)90077-X; Heusel et al., "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium", 2017,
https://arxiv.org/abs/1706.08500.
"""

import warnings

import numpy as np


class GaussianStats:
    """Running mean and covariance of feature vectors, accumulated batch by batch in float64.

    Batches are merged with the pairwise update of Chan et al. (mean and the sum of squared
    deviations ``M2``), which stays accurate when the mean is large relative to the spread,
    unlike accumulating ``sum(x)`` and ``sum(x x^T)``:

        delta = mean_b - mean,  n' = n + n_b
        mean' = mean + delta * n_b / n'
        M2'   = M2 + M2_b + delta delta^T * n n_b / n'

    ``cov`` is the unbiased ``M2 / (n - 1)``, the same as ``np.cov(x, rowvar=False)``.

    References: Chan, Golub & LeVeque, "Updating Formulae and a Pairwise Algorithm for
    Computing Sample Variances", 1979, http://i.stanford.edu/pub/cstr/reports/cs/tr/79/773/CS-TR-79-773.pdf.
    """

    def __init__(self, dim=None):
        self.n = 0
        self.dim = dim
        self._mean = None if dim is None else np.zeros(dim)
        self._m2 = None if dim is None else np.zeros((dim, dim))

    def update(self, features):
        """Add a batch of ``(N, D)`` feature vectors (any leading shape is flattened to rows)."""
        x = np.asarray(features, dtype=np.float64)
        x = x.reshape(x.shape[0], -1)
        if x.shape[0] == 0:
            return self
        if self._mean is None:
            self.dim = x.shape[1]
            self._mean = np.zeros(self.dim)
            self._m2 = np.zeros((self.dim, self.dim))
        if x.shape[1] != self.dim:
            raise ValueError(f"Feature dimension changed from {self.dim} to {x.shape[1]}.")
        n_b = x.shape[0]
        mean_b = x.mean(axis=0)
        centred = x - mean_b
        self._merge(n_b, mean_b, centred.T @ centred)
        return self

    def merge(self, other):
        """Fold another accumulator's statistics into this one (e.g. from another worker)."""
        if other.n:
            if self._mean is None:
                self.dim = other.dim
                self._mean = np.zeros(self.dim)
                self._m2 = np.zeros((self.dim, self.dim))
            self._merge(other.n, other._mean, other._m2)
        return self

    def _merge(self, n_b, mean_b, m2_b):
        n_new = self.n + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / n_new)
        self._m2 = self._m2 + m2_b + np.outer(delta, delta) * (self.n * n_b / n_new)
        self.n = n_new

    @property
    def mean(self):
        if self.n == 0:
            raise ValueError("No features accumulated yet.")
        return self._mean.copy()

    @property
    def cov(self):
        if self.n < 2:
            raise ValueError(f"The covariance needs at least 2 samples; have {self.n}.")
        return self._m2 / (self.n - 1)

    def save(self, path):
        """Write ``n``, ``mean`` and ``cov`` to a ``.npz`` file (cache the real data's statistics)."""
        np.savez(path, n=self.n, mean=self.mean, cov=self.cov)

    @classmethod
    def load(cls, path):
        with np.load(path) as f:
            stats = cls(dim=f["mean"].shape[0])
            stats.n = int(f["n"])
            stats._mean = f["mean"].astype(np.float64)
            stats._m2 = f["cov"].astype(np.float64) * (stats.n - 1)
        return stats


def frechet_distance(mu1, cov1, mu2, cov2, eps=1e-6):
    """Squared Frechet distance ``||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})``.

    ``(S1 S2)^{1/2}`` comes from ``scipy.linalg.sqrtm``. When the product is near singular
    (fewer samples than feature dimensions, dead ReLU units) ``sqrtm`` warns or returns
    non-finite values: then ``eps * I`` is added to both covariances, as in the reference
    implementation.
    Rounding leaves a tiny imaginary part, which is dropped; a large one means the estimate is
    meaningless and raises.

    References: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local
    Nash Equilibrium", 2017, https://arxiv.org/abs/1706.08500 (reference code: bioinf-jku/TTUR).
    """
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    cov1, cov2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape:
        raise ValueError(f"Shapes differ: means {mu1.shape} vs {mu2.shape}, covariances {cov1.shape} vs {cov2.shape}.")
    if not all(np.isfinite(a).all() for a in (mu1, cov1, mu2, cov2)):
        raise ValueError("The feature statistics hold NaN or Inf: the samples (or their "
                         "features) are not all finite; check them with np.isfinite.")
    diff = mu1 - mu2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(cov1 @ cov2)
    singular = any(issubclass(w.category, linalg.LinAlgWarning) for w in caught)
    if singular or not np.isfinite(covmean).all():
        offset = np.eye(cov1.shape[0]) * eps
        covmean = linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    if np.iscomplexobj(covmean):
        max_imag = np.max(np.abs(np.diagonal(covmean).imag))
        if max_imag > 1e-3:
            raise ValueError(
                f"sqrtm(S1 S2) has an imaginary component of {max_imag:.3g}: the covariances are "
                "too ill-conditioned for a meaningful FID (use more samples than feature dimensions)."
            )
        covmean = covmean.real
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * np.trace(covmean))
