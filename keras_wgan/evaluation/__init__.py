"""Sample-quality metrics: FID/KID, Inception Score, precision/recall, Wasserstein distances,
mode coverage.

Feature spaces are pluggable (any callable ``images -> (N, D)``): `InceptionFeatures`
(ImageNet InceptionV3), `MnistClassifierFeatures` (the bundled MNIST CNN, offline), or ``None``
for raw coordinates. `MetricsCallback` logs cheap metrics during ``fit``.
"""

from keras_wgan.evaluation.callback import MetricsCallback, digit_metric_fns, mixture_metric_fns
from keras_wgan.evaluation.coverage import (
    digit_coverage,
    histogram_coverage,
    mixture_mode_stats,
    toy_mode_stats,
)
from keras_wgan.evaluation.features import (
    InceptionFeatures,
    MnistClassifierFeatures,
    extract_features,
    identity_features,
    iterate_batches,
)
from keras_wgan.evaluation.fid import feature_stats, fid, kid, mmd2_unbiased, polynomial_kernel
from keras_wgan.evaluation.inception_score import (
    classifier_inception_score,
    inception_score_from_logits,
)
from keras_wgan.evaluation.mnist_classifier import (
    MnistClassifier,
    build_mnist_classifier,
    load_mnist_classifier,
    load_mnist_split,
)
from keras_wgan.evaluation.precision_recall import knn_radii, manifold_membership, precision_recall
from keras_wgan.evaluation.stats import GaussianStats, frechet_distance
from keras_wgan.evaluation.wasserstein import (
    exact_w1,
    sliced_wasserstein,
    w1_with_noise_floor,
    wasserstein_1d,
)
