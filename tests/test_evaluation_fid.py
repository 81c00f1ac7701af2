"""FID, KID and the streaming Gaussian statistics against closed forms and hand computations."""

import numpy as np
import pytest

from keras_wgan.evaluation import GaussianStats, feature_stats, fid, frechet_distance, kid, mmd2_unbiased


def _closed_form_fid(mu1, s1, mu2, s2):
    # Tr((S1 S2)^1/2) = sum sqrt(eig(S1 S2)): the eigenvalues are real and >= 0 for PSD S1, S2.
    eig = np.linalg.eigvals(s1 @ s2).real.clip(min=0)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(eig).sum())


@pytest.mark.parametrize(
    "mu1, var1, mu2, var2",
    [
        ([0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]),
        ([1.0, -2.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]),  # mean shift only: ||dmu||^2 = 5
        ([0.0, 0.0], [4.0, 9.0], [0.0, 0.0], [1.0, 1.0]),  # (2-1)^2 + (3-1)^2 = 5
        ([3.0], [1e-8], [0.0], [1e8]),  # extreme scales
    ],
)
def test_frechet_distance_diagonal_closed_form(mu1, var1, mu2, var2):
    # Diagonal covariances: d^2 = ||mu1 - mu2||^2 + sum_i (sqrt(v1_i) - sqrt(v2_i))^2.
    expected = np.sum((np.subtract(mu1, mu2)) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_fid_matches_closed_form_on_sampled_gaussians():
    rng = np.random.default_rng(0)
    a1, a2 = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    x = rng.standard_normal((5000, 4)) @ a1 + np.array([1.0, 0.0, -1.0, 2.0])
    y = rng.standard_normal((4000, 4)) @ a2
    expected = _closed_form_fid(x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False))
    assert expected > 1.0
    assert fid(x, y, batch_size=333) == pytest.approx(expected, rel=1e-8)
    # Against the population values: the sample estimate converges to the closed form.
    population = _closed_form_fid(np.array([1.0, 0.0, -1.0, 2.0]), a1.T @ a1, np.zeros(4), a2.T @ a2)
    assert fid(x, y) == pytest.approx(population, rel=0.1)


@pytest.mark.parametrize("dim", [2, 16, 64])
def test_fid_of_a_set_with_itself_is_zero(dim):
    x = np.random.default_rng(dim).standard_normal((500, dim)) * 3 + 10
    assert abs(fid(x, x)) < 1e-6


def test_fid_with_singular_covariance_stays_finite():
    # A dead feature (zero variance), like a dead ReLU unit: sqrtm's input is singular.
    x = np.random.default_rng(0).standard_normal((300, 3))
    x[:, 2] = 0.0
    value = fid(x, x + [0.5, 0.0, 0.0])
    assert np.isfinite(value) and value == pytest.approx(0.25, abs=1e-3)


def test_gaussian_stats_streaming_equals_batch_and_round_trips(tmp_path):
    x = np.random.default_rng(1).standard_normal((1001, 5)) + 1e4  # large mean: a stability test
    stats = GaussianStats()
    for lo, hi in [(0, 1), (1, 300), (300, 1001)]:
        stats.update(x[lo:hi])
    np.testing.assert_allclose(stats.mean, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.cov, np.cov(x, rowvar=False), rtol=1e-8, atol=1e-8)
    merged = GaussianStats().update(x[:500]).merge(GaussianStats().update(x[500:]))
    np.testing.assert_allclose(merged.cov, stats.cov, rtol=1e-8, atol=1e-8)
    stats.save(tmp_path / "real.npz")
    loaded = GaussianStats.load(tmp_path / "real.npz")
    assert loaded.n == 1001
    np.testing.assert_allclose(loaded.cov, stats.cov)
    # Cached real statistics plug straight into fid.
    assert fid(loaded, x) == pytest.approx(0.0, abs=1e-6)


def test_fid_streams_an_iterable_of_batches_through_features():
    x = np.random.default_rng(2).standard_normal((600, 3))
    batches = ((x[i : i + 100], np.zeros(100)) for i in range(0, 600, 100))  # (images, labels) pairs
    double = lambda b: 2.0 * b  # noqa: E731
    stats = feature_stats(batches, features=double)
    assert stats.n == 600
    np.testing.assert_allclose(stats.cov, 4.0 * np.cov(x, rowvar=False), rtol=1e-8)


def test_mmd2_unbiased_matches_hand_computation():
    x = np.array([[0.0], [1.0], [2.0]])
    y = np.array([[1.0], [3.0]])
    k = lambda a, b: (a @ b.T + 1.0) ** 3  # noqa: E731  (gamma = 1 / D = 1)
    kxx = sum(k(x[i : i + 1], x[j : j + 1]).item() for i in range(3) for j in range(3) if i != j) / 6
    kyy = sum(k(y[i : i + 1], y[j : j + 1]).item() for i in range(2) for j in range(2) if i != j) / 2
    kxy = sum(k(x[i : i + 1], y[j : j + 1]).item() for i in range(3) for j in range(2)) / 6
    assert mmd2_unbiased(x, y) == pytest.approx(kxx + kyy - 2 * kxy)
    # One subset holding every point reproduces it exactly.
    xs, ys = np.array([[0.0], [1.0]]), np.array([[1.0], [3.0]])
    assert kid(xs, ys, n_subsets=1, subset_size=2) == pytest.approx(mmd2_unbiased(xs, ys))


def test_kid_is_near_zero_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((1000, 8)), rng.standard_normal((1000, 8))
    same, same_std = kid(x, y, n_subsets=20, subset_size=500, return_std=True)
    shifted = kid(x, y + 1.0, n_subsets=20, subset_size=500)
    assert abs(same) < 3 * same_std + 1e-3
    assert abs(same) < 0.01
    assert shifted > 100 * max(abs(same), 1e-4)
