"""Improved precision and recall of a generative model by k-NN manifold estimates.

Each set's manifold is the union of balls centred on its samples, the radius of the ball at
``phi`` being the distance to its k-th nearest neighbour within the same set:

    manifold(Phi) = U_{phi in Phi} B(phi, ||phi - NN_k(phi, Phi)||)
    precision = (1 / |Phi_g|) sum_{phi_g} 1[phi_g in manifold(Phi_r)]   (fake samples that look real)
    recall    = (1 / |Phi_r|) sum_{phi_r} 1[phi_r in manifold(Phi_g)]   (real samples the model covers)

Distances are Euclidean in the chosen feature space; they are computed in row blocks so memory
stays ``O(block * N)``.

References: Kynkaanniemi et al., "Improved Precision and Recall Metric for Assessing Generative
Models", NeurIPS 2019, https://arxiv.org/abs/1904.06991.
"""

import numpy as np

from keras_wgan.evaluation.features import extract_features


def _sq_dists(a, b):
    # ||a||^2 + ||b||^2 - 2 a.b, clipped: rounding can make it slightly negative.
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def knn_radii(points, k=3, block=1024):
    """Distance from each point to its k-th nearest neighbour among the others (the point excluded)."""
    points = np.asarray(points, np.float64)
    if not 1 <= k < len(points):
        raise ValueError(f"k must be in [1, {len(points) - 1}] for {len(points)} points; got {k}.")
    radii = np.empty(len(points))
    for i in range(0, len(points), block):
        d = _sq_dists(points[i : i + block], points)
        # Column k of the sorted row: column 0 is the point itself (distance 0).
        radii[i : i + block] = np.sqrt(np.partition(d, k, axis=1)[:, k])
    return radii


def manifold_membership(queries, points, radii, block=1024):
    """Boolean per query: inside at least one ball ``B(points[j], radii[j])``."""
    queries, points = np.asarray(queries, np.float64), np.asarray(points, np.float64)
    sq_radii = np.asarray(radii, np.float64) ** 2
    inside = np.empty(len(queries), dtype=bool)
    for i in range(0, len(queries), block):
        inside[i : i + block] = (_sq_dists(queries[i : i + block], points) <= sq_radii[None, :]).any(1)
    return inside


def precision_recall(real, fake, features=None, k=3, batch_size=500):
    """Improved precision and recall ``(precision, recall)`` of ``fake`` against ``real``.

    ``features`` maps samples to feature vectors (``None``: flattened inputs). ``k = 3`` is the
    paper's default; use equally many real and fake samples.
    """
    f_r = extract_features(real, features, batch_size).astype(np.float64)
    f_g = extract_features(fake, features, batch_size).astype(np.float64)
    precision = manifold_membership(f_g, f_r, knn_radii(f_r, k)).mean()
    recall = manifold_membership(f_r, f_g, knn_radii(f_g, k)).mean()
    return float(precision), float(recall)
