"""Short real training runs that check what the papers promise, on tiny 2-D problems."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw


# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends


def mean_distance_to_nearest_mode(points, name="ring8"):
    centres, _ = kw.data.mixture_modes(name)
    distances = np.linalg.norm(points[:, None, :] - centres[None], axis=-1)
    return distances.min(axis=1).mean()


def critic_gradient_norms(gan, n=512):
    real = ops.convert_to_tensor(kw.data.sample("ring8", n, seed=123))
    fake = gan.generator(gan.sample_noise(n))
    return ops.convert_to_numpy(gan.gradient_penalty.gradient_norms(real, fake, gan.critic))


@pytest.mark.parametrize("seed", [0, 1])
def test_wgan_gp_pulls_critic_gradients_to_one_and_samples_to_the_data(seed):
    keras.utils.set_random_seed(seed)  # unseeded, the initial weights made this test flaky
    generator = kw.architectures.mlp_generator(2, 2, width=64, depth=3)
    critic = kw.architectures.mlp_critic(2, width=64, depth=3)
    gan = kw.WGANGP(generator=generator, critic=critic, latent_dim=2, seed=seed)
    # A larger step than the paper's 1e-4 so a 500-step run shows the effect clearly.
    gan.compile(
        keras.optimizers.Adam(5e-4, beta_1=0.5, beta_2=0.9),
        keras.optimizers.Adam(5e-4, beta_1=0.5, beta_2=0.9),
    )
    norms_before = critic_gradient_norms(gan)
    distance_before = mean_distance_to_nearest_mode(gan.generate(1000, seed=1))

    data = kw.data.toy_dataset("ring8", 5 * 64, seed=0)
    history = gan.fit(data, steps_per_epoch=100, epochs=5, verbose=0).history

    norms_after = critic_gradient_norms(gan)
    distance_after = mean_distance_to_nearest_mode(gan.generate(1000, seed=1))
    gap_before = np.mean(np.abs(norms_before - 1.0))
    gap_after = np.mean(np.abs(norms_after - 1.0))
    assert gap_after < 0.5 * gap_before, (gap_before, gap_after)
    assert gap_after < 0.3
    # Measured after 500 steps, seeds 0-3: ratio 0.31-0.67 (TF and JAX); after 300 up to 0.75.
    assert distance_after < 0.7 * distance_before, (distance_before, distance_after)
    assert history["gradient_penalty"][-1] < history["gradient_penalty"][0]
