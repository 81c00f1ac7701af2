"""Bounds for the behavioural tests, shared with the script that measures their margins.

A behavioural test (training moves samples to the data, a loss falls, an experiment shows its
effect) runs a short seeded training and compares statistics with bounds. A seed fixes one
trajectory on one machine only: another CPU (AVX-512 or AVX2, oneDNN on or off) or the other
backend follows another one. So each test module keeps its bounds in a ``BOUNDS`` table, with the
range measured over many seeds, both backends and oneDNN off beside each bound, and
``tests/scripts/seed_margins.py`` (``make test-margins``) re-measures that range from the same
statistics functions the tests call.
"""

import operator

import numpy as np

COMPARISONS = {"<": operator.lt, ">": operator.gt,
               "in": lambda value, interval: interval[0] < value < interval[1]}


def failed_bounds(stats, bounds):
    """The ``bounds`` entries that ``stats`` violates, as readable lines (empty if none).

    Args:
        stats: ``{name: value}`` from one run.
        bounds: ``{name: (comparison, bound)}``: ``("<", b)``, ``(">", b)`` or
            ``("in", (lo, hi))`` for ``lo < value < hi``.
    """
    failures = []
    for name, (comparison, bound) in bounds.items():
        value = stats[name]
        if not (np.isfinite(value) and COMPARISONS[comparison](value, bound)):
            failures.append(f"{name} = {value:.4g}, want {comparison} {bound}")
    return failures


def assert_within(stats, bounds):
    """Assert every bound; the message lists each failing statistic and all of ``stats``."""
    failures = failed_bounds(stats, bounds)
    shown = {name: round(float(value), 4) for name, value in stats.items()}
    assert not failures, "; ".join(failures) + f" (all statistics: {shown})"


#: How many of a behavioural test's seeds ``make test`` runs on TensorFlow (on JAX and PyTorch:
#: the first); the others are marked ``slow`` (``make test-slow``), and ``make test-margins`` measures every bound over
#: seeds 0-9 on every backend. With five seeds, ``make test``'s TensorFlow pass took 17-22 minutes
#: on an AVX2-only 2-core CPU (22 with the MNIST files present); seeds 3 and 4 were 204 s of it.
CI_SEEDS = 3


def seed_params(seeds):
    """``seeds`` as pytest parameters: the first `CI_SEEDS` run in ``make test``'s TensorFlow
    pass and the rest are marked ``slow``; every seed after the first is marked
    ``slow_on_torch`` and ``slow_on_jax`` too.

    On PyTorch these trainings run eagerly (10-65 s a seed on 2 busy cores, against a few on
    JAX's compiled steps), and under JAX each seed compiles its own step (seeds 1 and 2 were 88
    CPU-seconds of ``make test-jax``): ``make test`` runs the first seed there, ``make
    test-torch-slow`` and ``make test-jax-slow`` the others.
    """
    import pytest

    return [pytest.param(seed, marks=[mark for mark, wanted in (
                (pytest.mark.slow_on_torch, i > 0), (pytest.mark.slow_on_jax, i > 0),
                (pytest.mark.slow, i >= CI_SEEDS)) if wanted])
            for i, seed in enumerate(seeds)]
