"""The small MNIST CNN that gives an offline feature space ("classifier FID") and digit labels.

Architecture (about 57k parameters): two 3x3 conv + 2x2 max-pool blocks (16 and 32 filters),
dropout, a 64-unit ReLU layer named ``"features"`` (the penultimate layer, the FID feature
space) and 10 logits. Inputs are ``(N, 28, 28, 1)`` images in ``[-1, 1]``, the same scaling as
the generators' outputs.

It is trained by ``python -m keras_wgan.evaluation.train_mnist_classifier`` on 8,000 of the
10,000 MNIST *test* images and evaluated on the other 2,000 (a fixed, seeded split): those
are the only MNIST files available offline here. Generators trained on MNIST's 60k train
split are scored in a feature space fit on other images; the bundled ``wgan_gp/mnist``
preset, trained on the same 10k test images, is not (its metadata says so).
"""

import json
import os

import numpy as np

ASSETS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
BUNDLED_WEIGHTS = os.path.join(ASSETS_DIR, "mnist_classifier.weights.h5")
BUNDLED_REPORT = os.path.join(ASSETS_DIR, "mnist_classifier.json")
DEFAULT_MNIST_DIR = None  # keras_wgan.data.mnist.find_mnist decides where MNIST is
SPLIT_SEED = 0
N_TRAIN = 8000


def build_mnist_classifier():
    """The untrained classifier: ``(N, 28, 28, 1)`` in ``[-1, 1]`` -> ``(N, 10)`` logits."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(name="pool1")(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(64, activation="relu", name="features")(x)
    logits = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, logits, name="mnist_classifier")


def load_mnist_classifier(weights=None):
    """The classifier with trained weights (the bundled file unless ``weights`` names another)."""
    path = BUNDLED_WEIGHTS if weights is None else os.fspath(weights)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No MNIST classifier weights at {path}; train them with "
            "`python -m keras_wgan.evaluation.train_mnist_classifier`."
        )
    model = build_mnist_classifier()
    model.load_weights(path)
    return model


def bundled_report():
    """The JSON written beside the bundled weights: held-out accuracy and the command used."""
    with open(BUNDLED_REPORT) as f:
        return json.load(f)


def load_mnist_split(data_dir=DEFAULT_MNIST_DIR, seed=SPLIT_SEED, n_train=N_TRAIN):
    """The fixed split of the 10,000 MNIST test images: ``(x_train, y_train), (x_held, y_held)``.

    Images come back as float32 ``(N, 28, 28, 1)`` in ``[-1, 1]``, labels as int64. The test
    split is found by `keras_wgan.data.mnist.load_mnist` (``data_dir``, ``$KERAS_WGAN_MNIST``,
    the repository's ``../shared/data/mnist``, else the official download).
    """
    from keras_wgan.data.mnist import load_mnist

    x, labels = load_mnist(data_dir, labels=True, split="test")
    order = np.random.default_rng(seed).permutation(len(x))
    train, held = order[:n_train], order[n_train:]
    return (x[train], labels[train]), (x[held], labels[held])


def _as_images(images):
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[1:] != (28, 28, 1):
        raise ValueError(f"The MNIST classifier takes (N, 28, 28[, 1]) images in [-1, 1]; got {x.shape}.")
    if not np.isfinite(x).all():  # a diverged generator: scored as some digit, silently
        raise ValueError("The images hold NaN or Inf (a diverged generator?): the MNIST "
                         "classifier takes finite images in [-1, 1]; check them with np.isfinite.")
    return x


class MnistClassifier:
    """The bundled classifier wrapped for evaluation: logits, labels and penultimate features."""

    def __init__(self, weights=None, batch_size=500):
        import keras

        self.model = load_mnist_classifier(weights)
        self.feature_model = keras.Model(self.model.input, self.model.get_layer("features").output)
        self.batch_size = int(batch_size)

    def _run(self, model, images):
        import keras

        x = _as_images(images)
        outs = [
            keras.ops.convert_to_numpy(model(x[i : i + self.batch_size], training=False))
            for i in range(0, len(x), self.batch_size)
        ]
        return np.concatenate(outs) if outs else np.zeros((0, model.output.shape[-1]), np.float32)

    def logits(self, images):
        return self._run(self.model, images)

    def predict(self, images):
        """Predicted digit (argmax of the logits) per image."""
        return self.logits(images).argmax(axis=-1)

    def features(self, images):
        """The 64-d activations of the ``"features"`` layer."""
        return self._run(self.feature_model, images)
