"""Mode coverage, high-quality rate, digit-histogram coverage and k-NN precision/recall."""

import numpy as np
import pytest

from keras_wgan.data import mixture_modes, sample
from keras_wgan.evaluation import (
    histogram_coverage,
    knn_radii,
    manifold_membership,
    mixture_mode_stats,
    precision_recall,
    toy_mode_stats,
)

GRID_CENTRES, GRID_STD = mixture_modes("grid25")


def _at_modes(mode_ids, offset=0.0):
    return GRID_CENTRES[np.asarray(mode_ids)] + offset


@pytest.mark.parametrize(
    "points, min_share, modes, hq_rate",
    [
        (_at_modes(np.arange(1000) % 25), None, 25, 1.0),  # every mode, exactly on centres
        (_at_modes(np.arange(1000) % 13), None, 13, 1.0),  # 13 modes only
        (_at_modes(np.zeros(1000, int)), None, 1, 1.0),  # full collapse onto one mode
        (_at_modes(np.arange(1000) % 25, offset=[2.9 * GRID_STD, 0.0]), None, 25, 1.0),  # inside 3 std
        (_at_modes(np.arange(1000) % 25, offset=[3.1 * GRID_STD, 0.0]), None, 0, 0.0),  # just outside
        (np.concatenate([_at_modes(np.arange(500) % 25), np.full((500, 2), 1.0)]), None, 25, 0.5),  # half between modes
        # 995 samples on mode 0, 5 on mode 1: 0.5% of the HQ samples is under the default 1/(4*25) = 1%.
        (_at_modes(np.r_[np.zeros(995, int), np.ones(5, int)]), None, 1, 1.0),
        (_at_modes(np.r_[np.zeros(995, int), np.ones(5, int)]), 0.005, 2, 1.0),
    ],
)
def test_mixture_mode_stats_on_constructed_samples(points, min_share, modes, hq_rate):
    got = mixture_mode_stats(points, GRID_CENTRES, GRID_STD, min_share=min_share)
    assert got["modes_covered"] == modes
    assert got["hq_rate"] == pytest.approx(hq_rate)
    assert got["n_modes"] == 25
    assert got["mode_counts"].sum() == round(hq_rate * len(points))


@pytest.mark.parametrize("name, n_modes", [("grid25", 25), ("ring8", 8)])
def test_real_mixture_samples_cover_every_mode_with_the_3_sigma_rate(name, n_modes):
    got = toy_mode_stats(sample(name, 5000, seed=0), name)
    assert got["modes_covered"] == n_modes
    # P(||z|| <= 3) for a 2-D standard normal = 1 - exp(-4.5) = 0.9889.
    assert got["hq_rate"] == pytest.approx(1 - np.exp(-4.5), abs=0.006)
    assert got["min_share"] == pytest.approx(1 / (4 * n_modes))


@pytest.mark.parametrize(
    "labels, min_share, entropy, covered",
    [
        (np.arange(1000) % 10, None, np.log(10), 10),
        (np.zeros(1000, int), None, 0.0, 1),
        (np.arange(1000) % 2, None, np.log(2), 2),
        (np.r_[np.zeros(980, int), np.arange(20) % 10], None, None, 1),  # 2 per digit = 0.2% < 2.5%
        (np.r_[np.zeros(980, int), np.arange(20) % 10], 0.002, None, 10),
    ],
)
def test_histogram_coverage(labels, min_share, entropy, covered):
    got = histogram_coverage(labels, 10, min_share)
    assert got["classes_covered"] == covered
    if entropy is not None:
        assert got["entropy"] == pytest.approx(entropy)
    assert got["class_shares"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "k, radii",
    [(1, [1.0, 1.0, 2.0, 3.0]), (2, [3.0, 2.0, 3.0, 5.0]), (3, [6.0, 5.0, 3.0, 6.0])],
)
def test_knn_radii_hand_computed(k, radii):
    np.testing.assert_allclose(knn_radii(np.array([[0.0], [1.0], [3.0], [6.0]]), k=k), radii)


def test_manifold_membership_hand_computed():
    points, radii = np.array([[0.0], [10.0]]), np.array([1.0, 2.0])
    queries = np.array([[0.5], [1.0], [1.5], [8.0], [12.5], [-20.0]])
    np.testing.assert_array_equal(
        manifold_membership(queries, points, radii), [True, True, False, True, False, False]
    )


def test_precision_recall_on_constructed_cases():
    real = sample("grid25", 1000, seed=0)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert precision_recall(real, real + 100.0) == (0.0, 0.0)
    # Fake = the real points on the modes with x < 0 (10 of 25): every fake point is real
    # (precision 1) and only those real points are covered (recall = their share).
    left = real[:, 0] < -1.0
    precision, recall = precision_recall(real, real[left])
    assert precision == 1.0
    assert recall == pytest.approx(left.mean())
    assert 0.3 < recall < 0.5


def test_precision_recall_of_two_real_draws_is_high_and_noise_is_low():
    real, other = sample("ring8", 800, seed=1), sample("ring8", 800, seed=2)
    p_real, r_real = precision_recall(real, other)
    assert p_real > 0.9 and r_real > 0.9
    blurred = other + np.random.default_rng(3).normal(scale=0.5, size=other.shape)
    p_blur, r_blur = precision_recall(real, blurred)
    assert p_blur < 0.5  # blurry samples fall off the real manifold
