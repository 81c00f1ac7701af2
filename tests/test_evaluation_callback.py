"""MetricsCallback: generated-sample metrics land in History every N epochs."""

import keras
import numpy as np
import pytest

from keras_wgan.data import mixture_modes
from keras_wgan.evaluation import MetricsCallback, mixture_metric_fns


class FakeGenerator(keras.Model):
    """A tiny trainable model with the duck-typed `generate(n, seed=None)` of the GAN family."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.calls = []

    def call(self, x):
        return self.dense(x)

    def generate(self, n, seed=None):
        self.calls.append((n, seed))
        centres, _ = mixture_modes("ring8")
        return centres[np.arange(n) % (1 + len(self.calls))]  # covers one more mode per call


def _fit(callbacks, epochs=4):
    model = FakeGenerator()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
    history = model.fit(x, y, epochs=epochs, batch_size=4, verbose=0, callbacks=callbacks)
    return model, history


def test_callback_writes_metrics_into_history_every_n_epochs():
    metrics = dict(mixture_metric_fns("ring8"), mean_x=lambda s: float(s[:, 0].mean()))
    callback = MetricsCallback(metrics, every=2, n_samples=64, seed=7)
    model, history = _fit([callback], epochs=4)
    assert model.calls == [(64, 7), (64, 7)]  # epochs 1 and 3 (0-based), fixed seed
    assert history.history["modes"] == [2.0, 3.0]
    assert history.history["hq_rate"] == [1.0, 1.0]
    assert len(history.history["mean_x"]) == 2
    assert len(history.history["loss"]) == 4
    assert callback.history["modes"] == [(1, 2.0), (3, 3.0)]


def test_callback_prefix_and_later_callbacks_see_the_values():
    seen = []
    spy = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))
    _, history = _fit([MetricsCallback({"n": len}, n_samples=5, prefix="eval/"), spy], epochs=2)
    assert history.history["eval/n"] == [5.0, 5.0]
    assert all(logs["eval/n"] == 5.0 for logs in seen)


@pytest.mark.parametrize("kwargs, match", [({"metrics": {}}, "at least one"), ({"metrics": {"n": len}, "every": 0}, "every")])
def test_callback_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MetricsCallback(**kwargs)


def test_callback_needs_a_generate_method():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="generate"):
        model.fit(np.ones((4, 3)), np.zeros((4, 1)), epochs=1, verbose=0, callbacks=[MetricsCallback({"n": len})])
