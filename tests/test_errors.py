"""Bad input gets one clear line naming the problem and the fix, at construction or trace time."""

import keras
import numpy as np
import pytest

import keras_wgan as kw
from tests.conftest import tiny_image_pair, tiny_toy_pair


def test_generator_critic_shape_mismatch():
    generator, _ = tiny_image_pair(image_shape=(28, 28, 1))
    _, critic = tiny_image_pair(image_shape=(32, 32, 3))
    with pytest.raises(
        ValueError,
        match=r"generator makes samples of shape \(28, 28, 1\) but the discriminator expects \(32, 32, 3\)",
    ):
        kw.WGANGP(generator=generator, discriminator=critic, latent_dim=8)


def test_critic_with_more_than_one_score():
    generator, _ = tiny_toy_pair()
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"one score per example.*\(batch, 10\).*Dense\(1\)"):
        kw.WGAN(generator=generator, critic=critic)


def test_latent_dim_mismatch():
    generator, critic = tiny_toy_pair(latent_dim=2)
    with pytest.raises(ValueError, match="latent_dim=5 does not match the generator's input shape"):
        kw.GAN(generator=generator, discriminator=critic, latent_dim=5)


def test_latent_dim_is_inferred():
    generator, critic = tiny_toy_pair(latent_dim=3)
    assert kw.GAN(generator=generator, discriminator=critic).latent_dim == 3


def test_unknown_objective():
    generator, critic = tiny_toy_pair()
    with pytest.raises(ValueError, match="Unknown objective 'wassertein'; use one of"):
        kw.AdversarialModel(generator=generator, discriminator=critic, objective="wassertein")


def test_batch_norm_critic_refused_by_wgan_gp():
    generator, critic = tiny_image_pair(norm="batch")
    with pytest.raises(ValueError, match="BatchNormalization.*use LayerNormalization"):
        kw.WGANGP(generator=generator, critic=critic)
    assert kw.GAN(generator=generator, discriminator=critic) is not None  # fine without a penalty


def test_non_model_arguments():
    _, critic = tiny_toy_pair()
    with pytest.raises(TypeError, match="generator must be a keras.Model"):
        kw.GAN(generator=lambda z: z, discriminator=critic, latent_dim=2)
    with pytest.raises(ValueError, match="discriminator= or critic=, not both"):
        kw.WGAN(generator=tiny_toy_pair()[0], discriminator=critic, critic=critic)


def _compiled(cls=kw.NSGAN):
    generator, critic = tiny_image_pair()
    gan = cls(generator=generator, discriminator=critic, latent_dim=8)
    gan.compile()
    return gan


def test_integer_images_are_refused():
    gan = _compiled()
    images = np.zeros((8, 28, 28, 1), "uint8")
    with pytest.raises(TypeError, match="floating point scaled to \\[-1, 1\\], got uint8"):
        gan.fit(images, batch_size=4, epochs=1, verbose=0)


def test_wrongly_shaped_images_are_refused():
    gan = _compiled()
    images = np.zeros((8, 32, 32, 3), "float32")
    with pytest.raises(ValueError, match=r"Real samples have shape \(32, 32, 3\).*\(28, 28, 1\)"):
        gan.fit(images, batch_size=4, epochs=1, verbose=0)


def test_batch_not_divisible_by_critic_steps():
    gan = _compiled(kw.WGANGP)
    images = np.zeros((12, 28, 28, 1), "float32")
    with pytest.raises(ValueError, match="cannot be split into critic_steps=5 equal parts"):
        gan.fit(keras.ops.convert_to_tensor(images), batch_size=12, epochs=1, verbose=0)


def test_fit_before_compile():
    generator, critic = tiny_toy_pair()
    gan = kw.GAN(generator=generator, discriminator=critic)
    with pytest.raises(ValueError, match="compile"):
        gan.fit(np.zeros((4, 2), "float32"), batch_size=2, verbose=0)


def test_one_optimizer_for_both_is_refused():
    generator, critic = tiny_toy_pair()
    gan = kw.GAN(generator=generator, discriminator=critic)
    adam = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two optimizer instances"):
        gan.compile(adam, adam)
