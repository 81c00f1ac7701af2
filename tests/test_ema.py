"""Generator EMA (Yazici et al. 2019): the closed-form average, kept apart, used, saved."""

import keras
import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.models import ema

pytestmark = pytest.mark.all_backends


def _tiny_generator(seed=0):
    keras.utils.set_random_seed(seed)
    return kw.architectures.mlp_generator(2, 2, width=8, depth=2)


def _tiny_gan(**kwargs):
    generator = _tiny_generator()
    critic = kw.architectures.mlp_critic(2, width=8, depth=2)
    gan = kw.NSGAN(generator, critic, seed=0, **kwargs)
    gan.compile()
    return gan


def _data(n=256):
    return np.random.default_rng(0).normal(0.3, 0.2, size=(n, 2)).astype("float32")


@pytest.mark.parametrize("decay,start", [(0.9, 0), (0.5, 3), (0.99, 0)])
def test_average_equals_closed_form_over_a_fixed_weight_sequence(decay, start):
    generator = _tiny_generator()
    average = ema.average_copy(generator)
    rng = np.random.default_rng(1)
    initial = [w.copy() for w in generator.get_weights()]
    expected = [w.astype("float64") for w in initial]
    for step in range(1, 8):
        sequence = [rng.normal(size=w.shape).astype("float32") for w in initial]
        generator.set_weights(sequence)
        ema.update(average, generator, decay, step=step, start=start)
        beta = 0.0 if step < start else decay
        expected = [beta * e + (1 - beta) * w for e, w in zip(expected, sequence)]
    for got, want in zip(average.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_average_starts_as_a_copy_and_stays_out_of_training():
    gan = _tiny_gan(ema_decay=0.9)
    for a, g in zip(gan.ema_generator.get_weights(), gan.generator.get_weights()):
        np.testing.assert_array_equal(a, g)
    assert gan.ema_generator.trainable_weights == []
    assert all(id(v) not in {id(w) for w in gan.ema_generator.weights}
               for v in gan.trainable_weights)


def test_fit_updates_the_average_apart_from_the_trained_weights():
    gan = _tiny_gan(ema_decay=0.9)
    before = [w.copy() for w in gan.generator.get_weights()]
    gan.fit(_data(), batch_size=64, epochs=1, verbose=0)
    trained, averaged = gan.generator.get_weights(), gan.ema_generator.get_weights()
    # The trained generator moved; the average lags behind it: it differs from both the
    # last iterate and the starting weights.
    assert max(np.abs(t - b).max() for t, b in zip(trained, before)) > 1e-4
    assert max(np.abs(a - t).max() for a, t in zip(averaged, trained)) > 1e-6
    assert max(np.abs(a - b).max() for a, b in zip(averaged, before)) > 1e-6
    assert not np.allclose(gan.generate(8, seed=3), gan.generate(8, seed=3, use_ema=False))
    np.testing.assert_allclose(
        gan.generate(8, seed=3),
        keras.ops.convert_to_numpy(gan.ema_generator(kw.sampling.latent_noise(8, 2, 3))),
        rtol=1e-5, atol=1e-6)


def test_before_start_the_average_copies_the_trained_weights():
    gan = _tiny_gan(ema_decay=0.9, ema_start=1000)
    gan.fit(_data(), batch_size=64, epochs=1, verbose=0)
    for a, g in zip(gan.ema_generator.get_weights(), gan.generator.get_weights()):
        np.testing.assert_allclose(a, g, rtol=1e-6, atol=1e-7)


def test_keras_round_trip_keeps_the_average(tmp_path):
    gan = _tiny_gan(ema_decay=0.8)
    gan.fit(_data(), batch_size=64, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.ema_decay == 0.8 and loaded.ema_start == 0
    np.testing.assert_allclose(loaded.generate(16, seed=5), gan.generate(16, seed=5),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loaded.generate(16, seed=5, use_ema=False),
                               gan.generate(16, seed=5, use_ema=False), rtol=1e-6, atol=1e-6)
    loaded.fit(_data(), batch_size=64, epochs=1, verbose=0)  # and it trains on


def test_presets_and_hub_sample_from_the_average(tmp_path):
    gan = _tiny_gan(ema_decay=0.8)
    gan.fit(_data(), batch_size=64, epochs=1, verbose=0)
    kw.hub.save_preset(gan, tmp_path / "preset")
    loaded = kw.hub.load(str(tmp_path / "preset"))
    np.testing.assert_allclose(loaded.generate(8, seed=2), gan.generate(8, seed=2),
                               rtol=1e-6, atol=1e-6)


def test_no_average_by_default_and_with_none():
    assert _tiny_gan().ema_generator is None
    gan = _tiny_gan(ema_decay="none")
    assert gan.ema_generator is None and gan.get_config()["ema_decay"] == "none"


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, float("nan"), "0.9", True])
def test_bad_decay_is_one_line(bad):
    with pytest.raises(ValueError, match=r"ema_decay must be a number in \(0, 1\)"):
        _tiny_gan(ema_decay=bad)


def test_bad_start_is_one_line():
    with pytest.raises(ValueError, match="ema_start"):
        _tiny_gan(ema_decay=0.9, ema_start=-1)
