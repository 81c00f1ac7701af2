"""Feature extractors (any callable ``images -> (N, D)`` array) and batch streaming helpers.

FID, KID and precision/recall are only as meaningful as the feature space. Two are provided:

- `InceptionFeatures`: the 2048-d average-pooled activations of ImageNet InceptionV3
  (``keras.applications``). Note: published FIDs use the TF-slim graph of Heusel et al.
  (``pt_inception-2015-12-05``); the Keras weights differ slightly, so numbers are comparable
  with each other but not digit-for-digit with papers.
- `MnistClassifierFeatures`: the 64-d penultimate layer of the bundled MNIST CNN ("classifier
  FID"), available offline.

``None`` as a feature extractor means the identity on flattened inputs (points in R^D).
"""

import os

import numpy as np

INCEPTION_NOTOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_NOTOP_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/" + INCEPTION_NOTOP_FILE
)


def iterate_batches(data, batch_size=500):
    """Yield NumPy batches from an array (sliced) or from any iterable of batches.

    Iterables may yield arrays, tensors, or tuples whose first element is the images (as a
    ``tf.data`` pipeline of ``(x, y)`` does), so a dataset never has to fit in memory.
    """
    if isinstance(data, (np.ndarray, list)) or (hasattr(data, "shape") and hasattr(data, "numpy")):
        data = np.asarray(data)  # an array, a list, or one eager tensor: slice it
        for i in range(0, len(data), batch_size):
            yield data[i : i + batch_size]
        return
    for batch in data:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        yield np.asarray(batch)


def identity_features(x):
    """Flatten each sample: the feature space of raw coordinates or pixels."""
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1)


def extract_features(data, features=None, batch_size=500):
    """Concatenate ``features(batch)`` over the batches of ``data`` into one ``(N, D)`` array."""
    features = identity_features if features is None else features
    outs = [np.asarray(features(b)) for b in iterate_batches(data, batch_size)]
    if not outs:
        raise ValueError("No samples to extract features from.")
    return np.concatenate([o.reshape(o.shape[0], -1) for o in outs])


class InceptionFeatures:
    """ImageNet InceptionV3 pool features (2048-d) of images in ``[-1, 1]``.

    Images ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)`` are tiled to 3 channels and
    resized bilinearly to ``size x size`` (299, the network's native input). Values in
    ``[-1, 1]`` are already InceptionV3's input scaling (``preprocess_input`` maps [0, 255]
    to [-1, 1]).

    Args:
        weights: ``"imagenet"`` (downloaded once into ``~/.keras/models``), the path of a local
            ``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5``, or ``None`` (random
            weights: for tests only).
        size: input resolution (>= 75).
        batch_size: images per forward pass.

    Raises:
        RuntimeError: when the ImageNet weights cannot be downloaded (the message says how to
            pass a local file); FileNotFoundError for a missing local file.

    References: Szegedy et al., "Rethinking the Inception Architecture for Computer Vision",
    2016, https://arxiv.org/abs/1512.00567.
    """

    def __init__(self, weights="imagenet", size=299, batch_size=64):
        import keras

        if weights not in (None, "imagenet"):
            weights = os.fspath(weights)
            if not os.path.isfile(weights):
                raise FileNotFoundError(f"No InceptionV3 weights file at {weights}. {_how_to_get_weights()}")
        self.size = int(size)
        self.batch_size = int(batch_size)
        try:
            self.model = keras.applications.InceptionV3(
                include_top=False, weights=weights, input_shape=(self.size, self.size, 3), pooling="avg"
            )
        except Exception as err:  # the download raises URLError/HTTPError/OSError/Exception
            if weights != "imagenet":
                raise
            raise RuntimeError(
                f"Could not obtain the ImageNet InceptionV3 weights ({type(err).__name__}: {err}). "
                + _how_to_get_weights()
            ) from err

    def _prepare(self, images):
        import keras

        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or x.shape[-1] not in (1, 3):
            raise ValueError(f"Expected (N, H, W[, 1 or 3]) images in [-1, 1]; got shape {x.shape}.")
        if x.shape[-1] == 1:
            x = np.repeat(x, 3, axis=-1)
        if x.shape[1:3] != (self.size, self.size):
            x = keras.ops.image.resize(x, (self.size, self.size), interpolation="bilinear")
        return x

    def __call__(self, images):
        import keras

        outs = []
        for i in range(0, len(images), self.batch_size):
            x = self._prepare(images[i : i + self.batch_size])
            features = keras.ops.convert_to_numpy(self.model(x, training=False))  # any backend
            outs.append(features.astype(np.float32))
        return np.concatenate(outs) if outs else np.zeros((0, 2048), np.float32)


def _how_to_get_weights():
    return (
        f"Download {INCEPTION_NOTOP_URL} on a machine with internet access, then either copy it to "
        f"~/.keras/models/{INCEPTION_NOTOP_FILE} or pass its path: "
        f"InceptionFeatures(weights='/path/to/{INCEPTION_NOTOP_FILE}'). Offline, for MNIST, use "
        "MnistClassifierFeatures() (the bundled classifier) instead."
    )


class MnistClassifierFeatures:
    """The 64-d penultimate ("features") layer of the bundled MNIST classifier.

    Takes ``(N, 28, 28[, 1])`` images in ``[-1, 1]``. ``weights`` overrides the bundled file.
    """

    def __init__(self, weights=None, batch_size=500):
        from keras_wgan.evaluation.mnist_classifier import MnistClassifier

        self.classifier = MnistClassifier(weights, batch_size)

    def __call__(self, images):
        return self.classifier.features(images)
