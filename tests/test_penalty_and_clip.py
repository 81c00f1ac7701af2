"""GradientPenalty against closed forms; WeightClip as a constraint the optimizer applies."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from tests.backend_utils import compile_params, compiled, variable_gradients
from tests.conftest import tiny_toy_pair
from tests.margins import assert_within


# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends


def linear_critic(w):
    """f(x) = w . x: its input gradient is w everywhere, so the penalty is exactly known."""
    critic = keras.Sequential([keras.Input((len(w),)), keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(np.array(w, "float32").reshape(-1, 1))
    return critic


@pytest.mark.parametrize("jit", compile_params(ids=("False", "True")))
@pytest.mark.parametrize(
    "w,one_sided,target",
    [
        ([3.0, 4.0], False, 1.0),  # ||w|| = 5 -> (5 - 1)^2 = 16
        ([0.3, 0.4], False, 1.0),  # ||w|| = 0.5 -> 0.25
        ([0.3, 0.4], True, 1.0),  # below the target: one-sided penalty is 0
        ([3.0, 4.0], True, 1.0),  # above it: same as two-sided
        ([0.0, 0.0], False, 1.0),  # zero gradient: finite, (0 - 1)^2
        ([3.0, 4.0], False, 2.0),  # a different target: (5 - 2)^2
    ],
)
def test_penalty_on_linear_critic_is_exact(w, one_sided, target, jit):
    critic = linear_critic(w)
    penalty = kw.GradientPenalty(weight=10.0, target=target, one_sided=one_sided, seed=0)
    real = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    fake = np.random.default_rng(2).normal(size=(16, 2)).astype("float32")
    value = compiled(lambda r, f: penalty(r, f, critic=critic), jit=jit)(real, fake)
    gap = np.linalg.norm(w) - target
    expected = 10.0 * (max(gap, 0.0) if one_sided else gap) ** 2
    np.testing.assert_allclose(float(value), expected, rtol=1e-5, atol=1e-6)


def test_penalty_gradient_is_finite_at_zero_critic_gradient():
    critic = linear_critic([0.0, 0.0])
    penalty = kw.GradientPenalty(weight=10.0)
    real, fake = ops.ones((4, 2)), ops.zeros((4, 2))
    grads = variable_gradients(lambda: penalty(real, fake, critic=critic),
                               critic.trainable_variables)
    assert np.all(np.isfinite(ops.convert_to_numpy(grads[0])))


# Measured by `make test-margins` over seeds 0-9 on TF and JAX (each backend draws its own
# stream; TF's is the same with oneDNN off or at AVX2): see each line. A normal draw clipped to
# [0, 1] (the bug in a popular Keras example; `--ablations` draws N(0.5, 0.25)) breaks four:
# variance off by 0.026, bins at 0.52-1.57 of their share, 4.5% of the weights at 0 or 1.
MIXING_WEIGHT_BOUNDS = {
    "mean_error": ("<", 0.01),  # |mean - 1/2|; measured up to 0.0039 (sd 0.002)
    "variance_error": ("<", 0.003),  # |variance - 1/12|; measured up to 0.0011
    "fullest_bin": ("<", 1.1),  # of 10 bins, over n / 10; measured 1.02-1.06 (sd 0.02)
    "emptiest_bin": (">", 0.9),  # measured 0.93-0.99
    "distinct_share": (">", 0.99),  # not one weight for the batch; measured 0.998-0.999
}


def mixing_weight_statistics(seed, n=20000, draw_normal=False):
    """The penalty's per-example mixing weights, drawn from ``GradientPenalty(seed=seed)``."""
    penalty = kw.GradientPenalty(seed=seed)
    real = ops.ones((n, 3, 2))
    fake = ops.zeros((n, 3, 2))
    alpha = ops.convert_to_numpy(penalty.interpolate(real, fake))  # = a * 1 + (1 - a) * 0 = a
    # One weight per example, shared by all of that example's coordinates.
    assert np.all(alpha == alpha[:, :1, :1])
    a = alpha[:, 0, 0]
    if draw_normal:
        a = np.clip(np.random.default_rng(seed).normal(0.5, 0.25, n), 0, 1)
    assert a.min() >= 0.0 and a.max() <= 1.0
    counts, _ = np.histogram(a, bins=10, range=(0, 1))
    return {"mean_error": abs(a.mean() - 0.5), "variance_error": abs(a.var() - 1 / 12),
            "fullest_bin": counts.max() / (n / 10), "emptiest_bin": counts.min() / (n / 10),
            "distinct_share": len(np.unique(a)) / n}


@pytest.mark.parametrize("seed", [7, 8])
def test_mixing_weight_is_uniform_per_example(seed):
    # Uniform on [0, 1]: range, mean 1/2, variance 1/12, and a flat histogram.
    assert_within(mixing_weight_statistics(seed), MIXING_WEIGHT_BOUNDS)


def test_penalty_config_round_trip():
    layer = kw.GradientPenalty(weight=5.0, target=0.5, one_sided=True, seed=3)
    clone = kw.GradientPenalty.from_config(layer.get_config())
    assert (clone.weight, clone.target, clone.one_sided, clone.seed) == (5.0, 0.5, True, 3)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, kw.GradientPenalty) and restored.weight == 5.0


def test_weight_clip_constraint():
    clip = kw.WeightClip(0.05)
    np.testing.assert_allclose(ops.convert_to_numpy(clip(ops.convert_to_tensor([-1.0, 0.01, 2.0]))), [-0.05, 0.01, 0.05])
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(clip))
    assert isinstance(restored, kw.WeightClip) and restored.clip_value == 0.05
    for bad in (0.0, float("nan"), float("inf"), 1e-320):
        with pytest.raises(ValueError, match=r"^WeightClip clip_value must be (a finite number )?> 0"):
            kw.WeightClip(bad)
    with pytest.raises(TypeError, match=r"^WeightClip clip_value must be a finite number > 0, got '0.05' \(str\)"):
        kw.WeightClip("0.05")


@pytest.mark.parametrize("jit", compile_params(ids=("False", "True")))
def test_every_critic_weight_stays_clipped_after_fit(jit):
    generator, critic = tiny_toy_pair()
    gan = kw.WGAN(generator=generator, critic=critic, clip_value=0.02, seed=0)
    # A large learning rate so that unclipped weights would certainly leave the range.
    gan.compile(critic_optimizer=keras.optimizers.SGD(1.0), jit_compile=jit)
    gan.fit(kw.data.toy_dataset("ring8", 5 * 32, seed=0), steps_per_epoch=3, epochs=1, verbose=0)
    weights = [v.numpy() for v in critic.trainable_variables]
    assert len(weights) == 6  # three kernels and three biases
    for w in weights:
        assert np.abs(w).max() <= 0.02 + 1e-7
    assert max(np.abs(w).max() for w in weights) == pytest.approx(0.02)  # the clip was hit


def test_clip_pattern_selects_weights():
    generator, critic = tiny_toy_pair()
    gan = kw.WGAN(generator=generator, critic=critic, clip_pattern="kernel")
    clipped = [v.path for v in critic.trainable_variables if v.constraint is not None]
    assert clipped and all("kernel" in p for p in clipped)
    with pytest.raises(ValueError, match="matches none of the critic's variables"):
        kw.WGAN(generator=generator, critic=tiny_toy_pair()[1], clip_pattern="nothing_here")
    assert gan.clip_value == 0.01
