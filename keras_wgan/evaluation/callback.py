"""A Keras callback that scores generated samples every N epochs and logs the numbers."""

import keras
import numpy as np

from keras_wgan.evaluation.coverage import digit_coverage, toy_mode_stats


class MetricsCallback(keras.callbacks.Callback):
    """Every ``every`` epochs, draw ``n_samples`` with ``model.generate(n, seed=seed)`` and log
    ``{name: fn(samples)}`` into the epoch's ``logs``.

    Values land in ``History`` (added after user callbacks by ``fit``) and in any later callback,
    so list this callback **before** ``keras.callbacks.TensorBoard``/``CSVLogger`` for them to
    record the values. Skipped epochs add no key, so a ``History`` list holds one value per
    evaluated epoch; ``self.history`` keeps ``{name: [(epoch, value), ...]}``. A fixed ``seed``
    scores the same latent noise every time, so changes come from the generator, not the draw.

    Args:
        metrics: dict ``name -> fn(samples) -> float``: cheap metrics only (they run on the
            training thread), e.g. `mixture_metric_fns` or `digit_metric_fns`.
        every: evaluate on epochs ``every - 1, 2 every - 1, ...`` (0-based).
        n_samples: samples per evaluation.
        seed: passed to ``generate``; ``None`` for fresh noise each time.
        prefix: prepended to every logged key (e.g. ``"eval/"``).
    """

    def __init__(self, metrics, every=1, n_samples=1000, seed=0, prefix=""):
        super().__init__()
        if not metrics:
            raise ValueError("MetricsCallback needs at least one metric: a dict name -> fn(samples) -> float.")
        if int(every) < 1:
            raise ValueError(f"`every` must be >= 1; got {every}.")
        self.metrics = dict(metrics)
        self.every = int(every)
        self.n_samples = int(n_samples)
        self.seed = seed
        self.prefix = prefix
        self.history = {prefix + name: [] for name in self.metrics}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        if not hasattr(self.model, "generate"):
            raise TypeError(
                f"MetricsCallback needs a model with `generate(n, seed=None)`; {type(self.model).__name__} has none."
            )
        samples = np.asarray(self.model.generate(self.n_samples, seed=self.seed))
        for name, fn in self.metrics.items():
            value = float(fn(samples))
            key = self.prefix + name
            self.history[key].append((epoch, value))
            if logs is not None:
                logs[key] = value


def mixture_metric_fns(name, hq_stds=3.0, min_share=None):
    """``{"modes": ..., "hq_rate": ...}`` for a built-in toy mixture, ready for `MetricsCallback`."""

    def modes(samples):
        return toy_mode_stats(samples, name, hq_stds, min_share)["modes_covered"]

    def hq_rate(samples):
        return toy_mode_stats(samples, name, hq_stds, min_share)["hq_rate"]

    return {"modes": modes, "hq_rate": hq_rate}


def digit_metric_fns(min_share=None):
    """``{"digit_entropy": ..., "digits_covered": ...}`` by the bundled classifier (loaded once)."""
    from keras_wgan.evaluation.mnist_classifier import MnistClassifier

    classifier = MnistClassifier()

    def digit_entropy(samples):
        return digit_coverage(samples, classifier, min_share)["entropy"]

    def digits_covered(samples):
        return digit_coverage(samples, classifier, min_share)["digits_covered"]

    return {"digit_entropy": digit_entropy, "digits_covered": digits_covered}
