"""No time lost around the steps: `fit` on a `tf.data` pipeline returns as soon as its last
callback is done, instead of waiting for TensorFlow's autotuning thread
(`keras_wgan.backend.datasets`).

These tests check the mechanism; the time it saves is measured, not asserted, by
`bench/epoch_overhead.py` (`make bench-overhead`), which prints the seconds each fit loses
around its steps."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_wgan as kw
from keras_wgan.backend.datasets import without_autotune_thread
from tests.conftest import tiny_toy_pair

pytestmark = pytest.mark.all_backends

BATCH = 32


def make():
    keras.utils.set_random_seed(0)
    generator, critic = tiny_toy_pair()
    gan = kw.WGANGP(generator=generator, critic=critic, critic_steps=2, seed=0)
    gan.compile()
    return gan


def autotune_pipeline():
    """The shape of `keras_wgan.data` pipelines: a parallel map and an autotuned prefetch."""
    points = kw.data.sample("ring8", BATCH * 4, seed=0)
    return (tf.data.Dataset.from_tensor_slices(points).repeat().batch(BATCH)
            .map(lambda x: x * 1.0, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def test_autotuning_is_turned_off_only_where_the_pipeline_left_it_unset():
    data = autotune_pipeline()
    assert data.options().autotune.enabled is None
    assert without_autotune_thread(data).options().autotune.enabled is False
    assert data.options().autotune.enabled is None  # the caller's dataset is not changed
    for chosen in (True, False):
        options = tf.data.Options()
        options.autotune.enabled = chosen
        mine = data.with_options(options)
        assert without_autotune_thread(mine) is mine
    points = np.zeros((4, 2), "float32")
    assert without_autotune_thread(points) is points
    assert without_autotune_thread(None) is None


def test_fit_hands_keras_the_pipeline_without_autotuning(monkeypatch):
    gan = make()
    seen = []
    keras_fit = keras.Model.fit

    def spy(model, x=None, *args, **kwargs):
        seen.append(x)
        return keras_fit(model, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    history = gan.fit(autotune_pipeline(), steps_per_epoch=2, epochs=1, verbose=0).history
    assert np.all(np.isfinite(history["d_loss"]))
    assert seen[0].options().autotune.enabled is False

