"""R1 and R2 (Mescheder et al. 2018, Eq. 9) against closed forms, eager and compiled."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from keras_wgan.layers import R1Penalty, R2Penalty
from tests.backend_utils import compile_params, compiled as compile_fn
from tests.conftest import tiny_toy_pair

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends


def linear_critic(w, sample_shape, bias=0.7):
    """``f(x) = w . x + b``: its input gradient is ``w`` at every ``x``."""
    inputs = keras.Input(sample_shape)
    dense = keras.layers.Dense(1)
    critic = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.asarray(w, "float32").reshape(-1, 1), np.array([bias], "float32")])
    return critic


class HalfSquaredNorm(keras.layers.Layer):
    """``f(x) = ||x||^2 / 2`` per example: its input gradient is ``x`` itself."""

    def call(self, x):
        return 0.5 * ops.sum(ops.square(x), axis=-1, keepdims=True)


def quadratic_critic(dim):
    inputs = keras.Input((dim,))
    return keras.Model(inputs, HalfSquaredNorm()(inputs))


def _penalty(penalty, real, fake, critic, compiled):
    real, fake = ops.convert_to_tensor(real), ops.convert_to_tensor(fake)
    call = lambda r, f: penalty(r, f, critic=critic)
    if compiled:
        call = compile_fn(call, jit=True)
    return float(ops.convert_to_numpy(call(real, fake)))


@pytest.mark.parametrize("compiled", compile_params())
@pytest.mark.parametrize("cls", [R1Penalty, R2Penalty], ids=lambda c: c.__name__)
@pytest.mark.parametrize("sample_shape", [(3,), (4, 4, 1)], ids=["points", "images"])
def test_penalty_of_a_linear_critic_is_half_gamma_times_squared_weight_norm(
        cls, sample_shape, compiled):
    rng = np.random.default_rng(0)
    w = rng.normal(size=int(np.prod(sample_shape))).astype("float32")
    critic = linear_critic(w, sample_shape)
    real = rng.normal(size=(5, *sample_shape)).astype("float32")
    fake = 10 * rng.normal(size=(5, *sample_shape)).astype("float32")
    gamma = 3.0
    got = _penalty(cls(gamma), real, fake, critic, compiled)
    np.testing.assert_allclose(got, gamma / 2 * float(np.sum(w.astype("float64") ** 2)),
                               rtol=1e-6)


@pytest.mark.parametrize("compiled", compile_params())
def test_r1_reads_real_samples_and_r2_generated_ones(compiled):
    # f(x) = ||x||^2 / 2 has gradient x: R1 = gamma/2 E||real||^2, R2 = gamma/2 E||fake||^2.
    rng = np.random.default_rng(1)
    real = rng.normal(size=(6, 3)).astype("float32")
    fake = 4 + rng.normal(size=(6, 3)).astype("float32")
    critic = quadratic_critic(3)
    half_mean = lambda x: 0.5 * np.mean(np.sum(x.astype("float64") ** 2, axis=1))
    np.testing.assert_allclose(_penalty(R1Penalty(2.0), real, fake, critic, compiled),
                               2.0 * half_mean(real), rtol=1e-6)
    np.testing.assert_allclose(_penalty(R2Penalty(2.0), real, fake, critic, compiled),
                               2.0 * half_mean(fake), rtol=1e-6)


@pytest.mark.parametrize("cls", [R1Penalty, R2Penalty], ids=lambda c: c.__name__)
def test_config_round_trip(cls):
    penalty = cls(0.05, name="mine")
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(penalty))
    assert type(clone) is cls and clone.get_config() == penalty.get_config()
    assert (clone.gamma, clone.weight, clone.name) == (0.05, 0.025, "mine")
    assert not cls.constrains_lipschitz and cls.needs_per_example_critic


@pytest.mark.parametrize("gamma", [-1.0, float("nan"), float("inf")])
def test_bad_gamma_is_one_line(gamma):
    with pytest.raises(ValueError, match=r"^R1Penalty gamma must be a finite number >= 0, got "):
        R1Penalty(gamma)


def test_a_batch_normalized_critic_is_refused():
    generator, _ = tiny_toy_pair()
    inputs = keras.Input((2,))
    critic = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.BatchNormalization()(inputs)))
    with pytest.raises(ValueError, match="BatchNormalization"):
        kw.models.get_model_class("rpgan_r1r2")(generator=generator, discriminator=critic, latent_dim=2)


def test_penalties_are_logged_and_are_their_closed_form_on_a_linear_critic():
    # Through the model: on f(x) = w.x both logged penalties are gamma/2 ||w||^2, every step.
    w = np.array([0.3, -0.4], "float32")
    generator, _ = tiny_toy_pair()
    gan = kw.models.get_model_class("rpgan_r1r2")(generator=generator, discriminator=linear_critic(w, (2,)),
                              latent_dim=2, seed=0)
    gan.compile(generator_optimizer=keras.optimizers.SGD(0.0),
                discriminator_optimizer=keras.optimizers.SGD(0.0))
    history = gan.fit(kw.data.sample("ring8", 32, seed=0), batch_size=16, verbose=0).history
    for name in ("r1_penalty", "r2_penalty"):
        np.testing.assert_allclose(history[name][0], 0.025 * 0.25, rtol=1e-5)
