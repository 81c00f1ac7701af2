"""Mode coverage: the toy Gaussian mixtures (geometry) and the 10 MNIST digits (a classifier).

The coverage rule, shared by both: a mode (or digit) is **covered** when it receives at least
``min_share`` of the assigned samples. The default is a quarter of a uniform share,
``min_share = 1 / (4 K)`` for ``K`` modes: 1% of the high-quality samples for the 25-Gaussian
grid, 3.125% for the 8-Gaussian ring, 2.5% per digit. A mode visited by a stray handful of
samples therefore does not count, while an unbalanced but present mode does.

Toy mixtures (isotropic modes of std ``sigma``): a sample is **high quality** when it lies within
``hq_stds * sigma`` (3 by default) of its nearest centre, and only high-quality samples are
assigned to modes. For a true 2-D isotropic Gaussian, P(||z|| <= 3) = 1 - exp(-9/2) = 0.989, so
real data scores an HQ rate of about 98.9%.

References: Srivastava et al., "VEEGAN: Reducing Mode Collapse in GANs using Implicit
Variational Learning", NeurIPS 2017, https://arxiv.org/abs/1705.07761 (3-sigma high-quality
rule); Lin et al., "PacGAN: The power of two samples in generative adversarial networks",
NeurIPS 2018, https://arxiv.org/abs/1712.04086 (modes covered by a count threshold).
"""

import numpy as np


def _min_count(min_share, n_modes, n_assigned):
    share = 1.0 / (4 * n_modes) if min_share is None else float(min_share)
    return share, share * n_assigned


def mixture_mode_stats(samples, centres, std, hq_stds=3.0, min_share=None):
    """Modes covered and high-quality rate of ``(n, d)`` samples against a mixture's ``centres``.

    Args:
        samples: generated points, ``(n, d)``.
        centres: ``(K, d)`` mode centres; ``std``: the modes' isotropic std (see
            ``keras_wgan.data.mixture_modes``).
        hq_stds: the high-quality radius in stds (3, as in VEEGAN).
        min_share: share of the high-quality samples a mode needs to count as covered
            (default ``1 / (4 K)``).

    Returns:
        A dict: ``modes_covered`` (int), ``n_modes``, ``hq_rate`` (share of samples within
        ``hq_stds * std`` of their nearest centre), ``mode_counts`` (``(K,)`` HQ samples per
        mode) and ``min_share`` (the threshold used).
    """
    x = np.asarray(samples, np.float64).reshape(len(samples), -1)
    c = np.asarray(centres, np.float64)
    if x.shape[1] != c.shape[1]:
        raise ValueError(f"The samples are {x.shape[1]}-D points, the mixture's modes "
                         f"{c.shape[1]}-D: compare samples of the mixture's own space.")
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(axis=1)
    hq = np.sqrt(d2[np.arange(len(x)), nearest]) <= hq_stds * std
    counts = np.bincount(nearest[hq], minlength=len(c))
    share, min_count = _min_count(min_share, len(c), hq.sum())
    covered = int(((counts >= min_count) & (counts > 0)).sum())
    return {
        "modes_covered": covered,
        "n_modes": len(c),
        "hq_rate": float(hq.mean()) if len(x) else 0.0,
        "mode_counts": counts,
        "min_share": share,
    }


def toy_mode_stats(samples, name, hq_stds=3.0, min_share=None):
    """`mixture_mode_stats` for a built-in mixture by name (``"grid25"`` or ``"ring8"``)."""
    from keras_wgan.data import mixture_modes

    centres, std = mixture_modes(name)
    return mixture_mode_stats(samples, centres, std, hq_stds, min_share)


def histogram_coverage(labels, n_classes, min_share=None):
    """Entropy (nats) of the label histogram and the classes holding at least ``min_share``.

    ``H = -sum_k q_k log q_k`` for class shares ``q``; ``log K`` (2.303 for 10 digits) when
    uniform, 0 when collapsed on one class.
    """
    counts = np.bincount(np.asarray(labels, np.int64).ravel(), minlength=n_classes)
    shares = counts / max(counts.sum(), 1)
    nonzero = shares[shares > 0]
    share, _ = _min_count(min_share, n_classes, 1)
    return {
        "entropy": float(-(nonzero * np.log(nonzero)).sum()),
        "classes_covered": int((shares >= share).sum()),
        "class_shares": shares,
        "min_share": share,
    }


def digit_coverage(images, classifier=None, min_share=None):
    """Digit coverage of generated MNIST images by the bundled classifier.

    Args:
        images: ``(N, 28, 28[, 1])`` in ``[-1, 1]``.
        classifier: a `MnistClassifier` (loaded once and reused) or ``None`` to load the bundled one.
        min_share: share of the images a digit needs to count as covered (default 0.025).

    Returns:
        ``{"entropy", "digits_covered", "class_shares", "min_share"}`` (see `histogram_coverage`).
    """
    if classifier is None:
        from keras_wgan.evaluation.mnist_classifier import MnistClassifier

        classifier = MnistClassifier()
    stats = histogram_coverage(classifier.predict(images), 10, min_share)
    stats["digits_covered"] = stats.pop("classes_covered")
    return stats
