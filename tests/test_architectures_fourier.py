"""FourierFeatures: the Gaussian Fourier mapping of Tancik et al. 2020, fixed, seeded and saved."""

import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from tests.backend_utils import input_gradient

pytestmark = pytest.mark.all_backends


def _frequencies(layer):
    return ops.convert_to_numpy(layer.frequencies)


def test_mapping_is_cos_and_sin_of_the_projection():
    layer = kw.architectures.FourierFeatures(num_frequencies=8, scale=0.5, seed=3)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    angles = 2 * math.pi * x @ _frequencies(layer)
    assert out.shape == (5, 16) == layer.compute_output_shape((5, 2))
    np.testing.assert_allclose(out, np.concatenate([np.cos(angles), np.sin(angles)], -1),
                               atol=1e-5)


def test_frequencies_are_seeded_fixed_and_scaled():
    a = kw.architectures.FourierFeatures(4096, scale=0.5, seed=1)
    b = kw.architectures.FourierFeatures(4096, scale=0.5, seed=1)
    c = kw.architectures.FourierFeatures(4096, scale=0.5, seed=2)
    for layer in (a, b, c):
        layer.build((None, 2))
    np.testing.assert_array_equal(_frequencies(a), _frequencies(b))
    assert not np.allclose(_frequencies(a), _frequencies(c))
    assert _frequencies(a).std() == pytest.approx(0.5, rel=0.05)
    assert a.trainable_weights == [] and len(a.non_trainable_weights) == 1


def test_input_gradient_is_the_analytic_one():
    """d/dx sum_j [cos(2 pi x.b_j) + sin(2 pi x.b_j)] = 2 pi sum_j (cos - sin)(2 pi x.b_j) b_j."""
    layer = kw.architectures.FourierFeatures(16, scale=1.0, seed=0)
    x = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    grad = ops.convert_to_numpy(input_gradient(layer, x))
    freq = _frequencies(layer)
    angles = 2 * math.pi * x @ freq
    expected = 2 * math.pi * (np.cos(angles) - np.sin(angles)) @ freq.T
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-4)


def test_critic_with_fourier_features_survives_a_keras_file(tmp_path):
    critic = kw.architectures.mlp_critic(2, width=16, depth=2, fourier_scale=0.5,
                                         fourier_features=8)
    assert critic.get_layer("fourier_features").output.shape == (None, 16)
    x = np.random.default_rng(2).normal(size=(4, 2)).astype("float32")
    path = tmp_path / "critic.keras"
    critic.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(critic(x)),
                               atol=1e-6)


def test_critic_without_fourier_features_is_the_papers():
    critic = kw.architectures.mlp_critic(2, width=16, depth=2)
    assert not any(isinstance(l, kw.architectures.FourierFeatures) for l in critic.layers)


@pytest.mark.parametrize("kwargs,message", [({"num_frequencies": 0}, "num_frequencies"),
                                            ({"scale": 0.0}, "scale")])
def test_bad_arguments_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kw.architectures.FourierFeatures(**kwargs)
