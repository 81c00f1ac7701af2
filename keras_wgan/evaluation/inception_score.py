"""The Inception Score, in any classifier's label space (here: the bundled MNIST classifier).

Salimans et al. 2016, "Improved Techniques for Training GANs" (NeurIPS,
https://arxiv.org/abs/1606.03498), Sec. 4:

    IS = exp( E_x KL( p(y | x) || p(y) ) ),   p(y) = E_x p(y | x)

High when each sample is classified confidently (low-entropy ``p(y|x)``) and the classes are
used evenly (high-entropy ``p(y)``). It lies in ``[1, n_classes]``: 1 when every sample gets the
same distribution, ``n_classes`` when each is one class for sure and the classes are equally
frequent. With the 10-class MNIST classifier, real MNIST images score near 10 and the score
says nothing about how close samples are to the data beyond that (use FID for that).

Computed from logits with ``log_softmax`` (no ``log(0)`` for confident predictions); a class
that no sample gives any probability contributes ``0 log 0 = 0``.
"""

import numpy as np


def _log_softmax(logits):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def inception_score_from_logits(logits, splits=1):
    """``(mean, std)`` of the Inception Score over ``splits`` equal parts of ``(N, K)`` logits.

    ``splits=10`` is the protocol of Salimans et al.'s script; ``splits=1`` scores the whole set
    (std 0). A split holds ``N // splits`` rows; the remainder is left out.
    """
    logits = np.asarray(logits)
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] < 2:
        raise ValueError(
            f"inception_score needs (N >= 1, K >= 2) class logits, got shape {logits.shape}."
        )
    if not np.isfinite(logits).all():
        raise ValueError("The class logits hold NaN or Inf (non-finite samples?): check the "
                         "samples with np.isfinite.")
    splits = int(splits)
    if not 1 <= splits <= len(logits):
        raise ValueError(f"splits must be in [1, {len(logits)}] (the number of rows), got {splits}.")
    size = len(logits) // splits
    scores = []
    for i in range(splits):
        log_p = _log_softmax(logits[i * size : (i + 1) * size])
        p = np.exp(log_p)
        with np.errstate(divide="ignore"):
            log_marginal = np.log(p.mean(axis=0))
        # A class no sample gives any probability (p = 0 there) adds 0 * log 0 = 0 to the KL.
        terms = np.where(p > 0, p * (log_p - np.where(p > 0, log_marginal, 0.0)), 0.0)
        kl = terms.sum(axis=1)
        scores.append(float(np.exp(kl.mean())))
    return float(np.mean(scores)), float(np.std(scores))


def classifier_inception_score(images, classifier=None, splits=1):
    """The Inception Score of MNIST-like ``images`` by the bundled MNIST classifier.

    Args:
        images: ``(N, 28, 28[, 1])`` in ``[-1, 1]``.
        classifier: a `MnistClassifier` (loaded once and reused) or None for the bundled one.
        splits: see `inception_score_from_logits`.

    Returns:
        ``(mean, std)``; at most 10 (the classifier's number of classes).
    """
    if classifier is None:
        from keras_wgan.evaluation.mnist_classifier import MnistClassifier

        classifier = MnistClassifier()
    return inception_score_from_logits(classifier.logits(images), splits)
