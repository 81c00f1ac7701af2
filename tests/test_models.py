"""The shared harness: every model fits, logs its metrics, evaluates, saves and reloads."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from tests.backend_utils import compile_params, one_variant_on_jax
from tests.conftest import tiny_image_pair, tiny_toy_pair


# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

# One row per registered variant: what it logs and its paper defaults, written out by hand
# as the oracle the registry is checked against. A new variant is one row here (a missing or
# extra row fails `test_every_registered_variant_has_one_row`); every "each model" test below
# runs over the registry.
ROWS = {
    "gan": dict(metrics={"d_loss", "g_loss", "d_real", "d_fake"}, objective="minimax",
                critic_steps=1, clip_value=None, penalties={}, critic_norm="batch",
                optimizer=("Adam", 2e-4, {"beta_1": 0.5, "beta_2": 0.999})),
    "nsgan": dict(metrics={"d_loss", "g_loss", "d_real", "d_fake"}, objective="non_saturating",
                  critic_steps=1, clip_value=None, penalties={}, critic_norm="batch",
                  optimizer=("Adam", 2e-4, {"beta_1": 0.5, "beta_2": 0.999})),
    "wgan": dict(metrics={"d_loss", "g_loss", "wasserstein"}, objective="wasserstein",
                 critic_steps=5, clip_value=0.01, penalties={}, critic_norm=None,
                 optimizer=("RMSprop", 5e-5, {"rho": 0.99, "epsilon": 1e-8})),
    "wgan_gp": dict(metrics={"d_loss", "g_loss", "wasserstein", "gradient_penalty"},
                    objective="wasserstein", critic_steps=5, clip_value=None,
                    penalties={"gradient_penalty": 10.0}, critic_norm=None,
                    optimizer=("Adam", 1e-4, {"beta_1": 0.5, "beta_2": 0.9})),
    "hinge": dict(metrics={"d_loss", "g_loss", "critic_gap"}, objective="hinge",
                  critic_steps=5, clip_value=None, penalties={}, critic_norm="spectral",
                  optimizer=("Adam", 2e-4, {"beta_1": 0.0, "beta_2": 0.9})),
    # penalties: the factor in front of E||grad||^2, gamma / 2 with R3GAN's gamma = 0.05.
    "rpgan_r1r2": dict(metrics={"d_loss", "g_loss", "critic_gap", "r1_penalty", "r2_penalty"},
                       objective="relativistic", critic_steps=1, clip_value=None,
                       penalties={"r1_penalty": 0.025, "r2_penalty": 0.025}, critic_norm=None,
                       optimizer=("Adam", 2e-4, {"beta_1": 0.0, "beta_2": 0.99})),
}
MODELS = [variant.model_class for variant in kw.models.VARIANTS.values()]
EXPECTED_METRICS = {v.model_class: ROWS[name]["metrics"] for name, v in kw.models.VARIANTS.items()
                    if name in ROWS}


def make(cls, **kwargs):
    generator, critic = tiny_toy_pair()
    return cls(generator=generator, discriminator=critic, latent_dim=2, seed=0, **kwargs)


@pytest.mark.parametrize("jit", compile_params(ids=("graph", "xla")))
@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_fit_logs_finite_metrics_and_moves_weights(cls, jit):
    # Two critic steps instead of the papers' five keep the XLA compile short.
    gan = make(cls, critic_steps=2 if cls.default_critic_steps > 1 else None)
    gan.compile(jit_compile=jit)
    assert gan.jit_compile is jit
    before_g = [v.numpy().copy() for v in gan.generator.trainable_variables]
    before_d = [v.numpy().copy() for v in gan.discriminator.trainable_variables]
    data = kw.data.toy_dataset("grid25", 16 * gan.critic_steps, seed=1)
    history = gan.fit(data, steps_per_epoch=4, epochs=2, verbose=0).history
    assert set(history) == EXPECTED_METRICS[cls]
    for name, values in history.items():
        assert len(values) == 2 and np.all(np.isfinite(values)), name
    assert gan.generator_optimizer.iterations.numpy() == 8
    assert gan.discriminator_optimizer.iterations.numpy() == 8 * gan.critic_steps
    changed = lambda before, model: any(
        not np.allclose(b, v.numpy()) for b, v in zip(before, model.trainable_variables)
    )
    assert changed(before_g, gan.generator) and changed(before_d, gan.discriminator)


def test_paper_defaults():
    wgan, wgangp, gan = make(kw.WGAN), make(kw.WGANGP), make(kw.GAN)
    for model in (wgan, wgangp, gan):
        model.compile()
    assert (wgan.critic_steps, wgan.clip_value, wgan.gradient_penalty) == (5, 0.01, None)
    assert isinstance(wgan.generator_optimizer, keras.optimizers.RMSprop)
    assert wgan.discriminator_optimizer.learning_rate.numpy() == pytest.approx(5e-5)
    assert all(v.constraint is not None for v in wgan.critic.trainable_variables)
    assert (wgangp.critic_steps, wgangp.gradient_penalty.weight, wgangp.clip_value) == (5, 10.0, None)
    adam = wgangp.discriminator_optimizer
    assert isinstance(adam, keras.optimizers.Adam)
    assert (float(adam.learning_rate.numpy()), adam.beta_1, adam.beta_2) == pytest.approx((1e-4, 0.5, 0.9))
    assert all(v.constraint is None for v in wgangp.critic.trainable_variables)
    assert (gan.critic_steps, gan.objective.name) == (1, "minimax")
    assert make(kw.NSGAN).objective.name == "non_saturating"
    g_adam = gan.generator_optimizer
    assert (float(g_adam.learning_rate.numpy()), g_adam.beta_1) == pytest.approx((2e-4, 0.5))
    assert gan.generator_optimizer is not gan.discriminator_optimizer


def test_user_choices_override_defaults():
    gan = make(kw.WGANGP, critic_steps=2, gradient_penalty=kw.GradientPenalty(1.0, one_sided=True))
    gan.compile(keras.optimizers.SGD(0.1), critic_optimizer=keras.optimizers.SGD(0.2))
    assert gan.critic_steps == 2 and gan.gradient_penalty.one_sided
    assert float(gan.discriminator_optimizer.learning_rate.numpy()) == pytest.approx(0.2)


def test_each_critic_step_sees_its_own_slice_of_real_data():
    gan = make(kw.WGAN)
    batch = np.arange(10 * 2, dtype="float32").reshape(10, 2)
    slices, size = gan._critic_slices(ops.convert_to_tensor(batch))
    assert size == 2 and len(slices) == 5
    rows = np.concatenate([ops.convert_to_numpy(s) for s in slices])
    np.testing.assert_array_equal(rows, batch)  # disjoint, in order, nothing reused


def test_evaluate_reports_metrics_without_updating_weights():
    gan = make(kw.WGANGP)
    gan.compile()
    weights = [v.numpy().copy() for v in gan.weights if "seed" not in v.path]
    points = kw.data.sample("ring8", 64, seed=0)
    result = gan.evaluate(points, batch_size=32, verbose=0, return_dict=True)
    assert set(result) == EXPECTED_METRICS[kw.WGANGP]
    assert all(np.isfinite(v) for v in result.values())
    after = [v.numpy() for v in gan.weights if "seed" not in v.path]
    assert all(np.array_equal(a, b) for a, b in zip(weights, after))


def test_generate_is_reproducible_with_a_seed():
    gan = make(kw.GAN)
    a, b, c = gan.generate(10, seed=5), gan.generate(10, seed=5), gan.generate(10, seed=6)
    assert a.shape == (10, 2) and isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert gan.generate(600, batch_size=256).shape == (600, 2)


def test_latent_dim_is_inferred_from_the_generator():
    generator, critic = tiny_toy_pair(latent_dim=3)
    assert kw.GAN(generator=generator, discriminator=critic).latent_dim == 3


@pytest.mark.parametrize("cls", one_variant_on_jax(MODELS))
def test_keras_file_round_trip_then_fit(cls, tmp_path):
    generator, critic = tiny_image_pair(norm=None)
    # Two critic steps, not the papers' five: a shorter compile, and a non-default value to keep.
    gan = cls(generator=generator, discriminator=critic, latent_dim=8, seed=0,
              critic_steps=2 if cls.default_critic_steps > 1 else None)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (4 * gan.critic_steps, 28, 28, 1))
    images = images.astype("float32")
    gan.fit(images, batch_size=2 * gan.critic_steps, epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode is on by default
    assert type(loaded) is cls
    noise = np.random.default_rng(1).standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(noise)), ops.convert_to_numpy(gan(noise)),
                               atol=1e-6)
    # The compile state: optimizer class, hyperparameters and slots; critic steps; penalty.
    assert loaded.critic_steps == gan.critic_steps
    assert type(loaded.discriminator_optimizer) is type(gan.discriminator_optimizer)
    for mine, theirs in [
        (gan.generator_optimizer, loaded.generator_optimizer),
        (gan.discriminator_optimizer, loaded.discriminator_optimizer),
    ]:
        assert theirs.get_config() == mine.get_config()
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_allclose(a.numpy(), b.numpy())
    assert loaded.get_config()["penalties"] == gan.get_config()["penalties"]
    assert loaded.clip_value == gan.clip_value
    if gan.clip_value is not None:
        assert all(v.constraint.clip_value == gan.clip_value
                   for v in loaded.critic.trainable_variables)
    # The noise streams continue where they stopped (Keras alone does not save them).
    np.testing.assert_array_equal(loaded.seed_generator.state.numpy(), gan.seed_generator.state.numpy())
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded.sample_noise(4)),
                                  ops.convert_to_numpy(gan.sample_noise(4)))
    drawing = [name for name, p in gan.penalties.items() if isinstance(p, kw.GradientPenalty)]
    assert all(hasattr(p, "seed_generator") == (name in drawing)
               for name, p in gan.penalties.items())  # R1/R2 draw nothing
    for name in drawing:
        penalty = gan.penalties[name]
        np.testing.assert_array_equal(loaded.penalties[name].seed_generator.state.numpy(),
                                      penalty.seed_generator.state.numpy())
    # Training continues from the restored state.
    loaded.fit(images, batch_size=2 * gan.critic_steps, epochs=1, verbose=0)
    assert loaded.generator_optimizer.iterations.numpy() == 2 * gan.generator_optimizer.iterations.numpy()


def test_config_round_trip_keeps_every_argument():
    gan = make(kw.WGAN, critic_steps=3, clip_value=0.05, clip_pattern="kernel", name="mine")
    clone = kw.WGAN.from_config(gan.get_config())
    for key in ("latent_dim", "critic_steps", "clip_value", "clip_pattern", "seed", "name"):
        assert getattr(clone, key) == getattr(gan, key), key
    assert clone.get_config()["generator"] == gan.get_config()["generator"]


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_zero_critic_steps_is_an_error_not_the_default(cls):
    with pytest.raises(ValueError, match="critic_steps must be an integer >= 1, got 0"):
        make(cls, critic_steps=0)
    assert make(cls, critic_steps=None).critic_steps == cls.default_critic_steps
    assert make(cls, critic_steps=3).critic_steps == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"critic_steps": 2.5}, "critic_steps must be an integer >= 1, got 2.5"),
    ({"critic_steps": "5"}, r"critic_steps must be an integer >= 1, got '5' \(str\)"),
    ({"gradient_penalty": -1.0}, "gradient_penalty must be a finite number >= 0"),
    ({"gradient_penalty": float("nan")}, "gradient_penalty must be a finite number >= 0"),
    ({"clip_value": 0.0}, "clip_value must be a finite number > 0"),
    ({"clip_value": float("inf")}, "clip_value must be a finite number > 0"),
    ({"objective": ""}, "Unknown objective ''"),
])
def test_out_of_range_settings_are_refused(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(kw.WGANGP, **kwargs)


def test_zero_latent_dim_is_refused_before_any_layer_runs():
    # Unchecked, `keras-wgan train --latent-dim 0` aborted inside oneDNN (SIGABRT).
    generator, critic = tiny_toy_pair()
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1, got 0"):
        kw.WGANGP(generator=generator, discriminator=critic, latent_dim=0)


def test_generate_zero_gives_an_empty_array_of_samples():
    toy = make(kw.GAN)
    assert toy.generate(0).shape == (0, 2) and toy.generate(0, seed=1).dtype == toy.generate(1).dtype
    generator, critic = tiny_image_pair()
    images = kw.GAN(generator=generator, discriminator=critic, latent_dim=8)
    assert images.generate(0, seed=0).shape == (0, 28, 28, 1)
    for n, error in ((-1, ValueError), (2.5, ValueError), ("3", TypeError), (None, TypeError)):
        with pytest.raises(error, match=r"^n must be an integer >= 0"):
            toy.generate(n)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        toy.generate(4, batch_size=0)


def test_pretrained_generator_generate_zero_has_the_sample_shape():
    # sampling.generate is the one path: the hub's PretrainedGenerator gets the same answer.
    generator, _ = tiny_image_pair()
    pretrained = kw.hub.PretrainedGenerator(generator, latent_dim=8)
    assert pretrained.generate(0).shape == (0, 28, 28, 1)
    with pytest.raises(ValueError, match=r"^n must be an integer >= 0"):
        pretrained.generate(-2)
