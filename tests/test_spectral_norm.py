"""Spectral normalization (Miyato et al. 2018) in the critic builders, on every backend."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from keras_wgan import architectures, training
from keras_wgan.architectures.spectral_norm import SpectralNormalization

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends


def wrapped(model):
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, SpectralNormalization)]


def test_the_estimate_tracks_numpys_largest_singular_value_while_training():
    rng = np.random.default_rng(0)
    # A kernel with a known spectrum (3, 1, 0.5, 0.2): power iteration gains 9x per step.
    left, _ = np.linalg.qr(rng.normal(size=(8, 4)))
    right, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    kernel = (left * np.array([3.0, 1.0, 0.5, 0.2])) @ right.T
    inputs = keras.Input((8,))
    layer = SpectralNormalization(keras.layers.Dense(4))
    model = keras.Model(inputs, layer(inputs))
    layer.layer.kernel.assign(kernel.astype("float32"))
    layer.vector_u.assign(np.full((1, 4), 0.5, "float32"))
    model.compile(keras.optimizers.SGD(0.01), loss="mse")
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.normal(size=(64, 4)).astype("float32")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)  # 8 training steps
    trained = layer.layer.kernel.numpy()
    assert not np.allclose(trained, kernel, atol=1e-4)  # the steps moved the raw kernel
    largest = np.linalg.svd(trained, compute_uv=False)[0]
    assert layer.spectral_norm_estimate() == pytest.approx(largest, rel=0.01)
    # The layer computes with W / sigma: its effective kernel has spectral norm ~1.
    effective = ops.convert_to_numpy(layer(np.eye(8, dtype="float32"))) - layer.layer.bias.numpy()
    assert np.linalg.svd(effective, compute_uv=False)[0] == pytest.approx(1.0, rel=0.01)


def test_inference_changes_no_state():
    critic = architectures.mlp_critic(2, width=8, depth=2, norm="spectral")
    points = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    before = [v.numpy().copy() for v in critic.weights]
    first = ops.convert_to_numpy(critic(points))
    np.testing.assert_array_equal(ops.convert_to_numpy(critic(points)), first)
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, critic.weights))
    critic(points, training=True)  # a training call refines u
    assert not all(np.array_equal(b, v.numpy()) for b, v in zip(before, critic.weights))


@pytest.mark.parametrize("build", [
    lambda norm: architectures.dcgan_critic((28, 28, 1), width=4, norm=norm),
    lambda norm: architectures.mlp_critic(2, width=8, depth=2, norm=norm),
], ids=["dcgan", "mlp"])
def test_builders_wrap_every_weight_layer(build):
    critic = build("spectral")
    kernels = [layer for layer in critic._flatten_layers(include_self=False)
               if isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D))]
    assert len(wrapped(critic)) == len(kernels) >= 3
    assert {id(layer.layer) for layer in wrapped(critic)} == {id(k) for k in kernels}
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in critic._flatten_layers(include_self=False))
    assert wrapped(build(None)) == []
    with pytest.raises(ValueError, match=r"^norm must be one of .*'spectral'\), got 'spectrall'"):
        build("spectrall")


@pytest.mark.slow_on_jax  # 26 s there; make test runs it on TensorFlow and PyTorch
def test_spectral_hinge_gan_fits_saves_loads_and_trains_on(tmp_path):
    gan = training.build_model("hinge", (28, 28, 1), latent_dim=4, width=4, critic_steps=1,
                               seed=0)
    assert len(wrapped(gan.critic)) == 3
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    history = gan.fit(images, batch_size=4, verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    gan.save(tmp_path / "hinge.keras")
    loaded = keras.saving.load_model(tmp_path / "hinge.keras")
    assert type(loaded) is kw.models.HingeGAN and len(wrapped(loaded.critic)) == 3
    for mine, theirs in zip(gan.critic.weights, loaded.critic.weights):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_allclose(ops.convert_to_numpy(loaded.critic(images)),
                               ops.convert_to_numpy(gan.critic(images)), atol=1e-6)
    loaded.fit(images, batch_size=4, verbose=0)
    assert loaded.discriminator_optimizer.iterations.numpy() == 4


def test_input_gradient_penalties_see_through_the_normalization():
    # R1/R2 differentiate the critic with respect to its input inside the critic's loss: the
    # power-iteration update made in that inner call must not leak out of it (JAX tracers).
    generator = architectures.mlp_generator(2, 2, width=8, depth=2)
    critic = architectures.mlp_critic(2, width=8, depth=2, norm="spectral")
    gan = kw.models.get_model_class("rpgan_r1r2")(generator=generator, discriminator=critic,
                                                  latent_dim=2, seed=0)
    gan.compile()
    before = [layer.vector_u.numpy().copy() for layer in wrapped(critic)]
    history = gan.fit(kw.data.toy_dataset("ring8", 16, seed=0), steps_per_epoch=3,
                      verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    assert history["r1_penalty"][0] > 0 and history["r2_penalty"][0] > 0
    assert not any(np.array_equal(b, layer.vector_u.numpy())
                   for b, layer in zip(before, wrapped(critic)))
