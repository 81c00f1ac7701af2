"""Exact W1 (optimal transport), 1-D W_p, sliced Wasserstein and the noise floor."""

import functools
import sys

import numpy as np
import pytest
from scipy import stats

from keras_wgan.data import sample
from keras_wgan.evaluation import exact_w1, sliced_wasserstein, w1_with_noise_floor, wasserstein_1d


@pytest.mark.parametrize(
    "u, v, expected",
    [
        ([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], 0.0),
        ([0.0, 1.0, 2.0], [2.0, 0.0, 1.0], 0.0),  # order does not matter
        ([0.0, 1.0, 2.0], [5.0, 6.0, 7.0], 5.0),  # a shift by 5
        ([0.0, 0.0], [1.0, 3.0], 2.0),
        ([-1e9, 1e9], [1e9, -1e9], 0.0),  # extreme values
    ],
)
def test_w1_1d_equals_the_sorted_sample_formula(u, v, expected):
    sorted_formula = np.mean(np.abs(np.sort(u) - np.sort(v)))
    assert sorted_formula == pytest.approx(expected)
    assert wasserstein_1d(u, v) == pytest.approx(expected)
    if abs(expected) < 1e8 and max(map(abs, u + v)) < 1e8:
        assert exact_w1(np.array(u)[:, None], np.array(v)[:, None]) == pytest.approx(expected, abs=1e-9)


def test_w1_1d_unequal_sizes_matches_scipy():
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal(37), rng.exponential(size=50)
    expected = stats.wasserstein_distance(u, v)
    assert wasserstein_1d(u, v) == pytest.approx(expected, rel=1e-10)
    assert exact_w1(u[:, None], v[:, None]) == pytest.approx(expected, rel=1e-6)


def test_exact_w1_of_a_translation_is_the_shift_length():
    # W1(P, P + d) = ||d||: the identity coupling costs ||d||, and f(x) = <x, d/||d||> is 1-Lipschitz.
    x = sample("grid25", 300, seed=0)
    delta = np.array([0.3, -0.4])
    assert exact_w1(x, x + delta) == pytest.approx(0.5, rel=1e-6)
    assert exact_w1(x, x) == pytest.approx(0.0, abs=1e-12)


def test_exact_w1_without_pot_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ot", None)  # makes `import ot` raise ImportError
    with pytest.raises(ImportError, match="pip install POT"):
        exact_w1(np.zeros((2, 2)), np.ones((2, 2)))


def test_sliced_wasserstein_is_zero_for_identical_sets_and_grows_with_a_shift():
    x = sample("ring8", 500, seed=1)
    assert sliced_wasserstein(x, x) == pytest.approx(0.0, abs=1e-12)
    assert sliced_wasserstein(x, x[::-1].copy()) == pytest.approx(0.0, abs=1e-12)
    shifts = [0.1, 0.5, 1.0, 2.0]
    values = [sliced_wasserstein(x, x + [s, 0.0], seed=0) for s in shifts]
    assert all(a < b for a, b in zip(values, values[1:]))
    # A pure shift d: SW_2 = (E_theta (theta . d)^2)^(1/2) = ||d|| / sqrt(2) in 2-D.
    assert values[-1] == pytest.approx(2.0 / np.sqrt(2.0), rel=0.1)


def test_sliced_wasserstein_is_seeded_and_reduces_to_w_p_in_one_dimension():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((200, 5)), rng.standard_normal((150, 5)) + 0.2
    assert sliced_wasserstein(x, y, seed=3) == sliced_wasserstein(x, y, seed=3)
    u, v = rng.standard_normal((100, 1)), rng.standard_normal((80, 1))
    assert sliced_wasserstein(u, v, p=1, n_projections=4) == pytest.approx(stats.wasserstein_distance(u[:, 0], v[:, 0]))


def test_w1_noise_floor_for_real_and_collapsed_samples():
    real = functools.partial(sample, "grid25")
    good = w1_with_noise_floor(sample("grid25", 500, seed=10), real, seed=0)
    assert good["n"] == 500 and good["noise_floor"] > 0
    assert good["ratio"] < 1.5  # a sample of the real distribution scores about the floor
    collapsed = w1_with_noise_floor(np.repeat(sample("grid25", 1, seed=0), 500, axis=0), real, seed=0)
    assert collapsed["noise_floor"] == pytest.approx(good["noise_floor"])  # same seeds, same floor
    assert collapsed["ratio"] > 10
    # An array with >= 2n rows is split into two disjoint halves instead.
    from_array = w1_with_noise_floor(sample("grid25", 100, seed=1), sample("grid25", 200, seed=2))
    assert from_array["n"] == 100 and from_array["noise_floor"] > 0
    with pytest.raises(ValueError, match="at least 2"):
        w1_with_noise_floor(np.zeros((100, 2)), np.zeros((150, 2)))
