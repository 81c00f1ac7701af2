"""Every objective against hand-computed values, including logits of +-1e9, eager and compiled."""

import math

import numpy as np
import pytest
from keras import ops

from keras_wgan import losses
from tests.backend_utils import compile_params, compiled as compile_fn, input_gradient


# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

LOG2 = math.log(2.0)
BIG = 1e9

# (function, inputs, expected per-example values), computed by hand from the formulas.
DISCRIMINATOR_CASES = [
    # -log D(x) - log(1 - D(G(z))), D = sigmoid
    (losses.minimax_discriminator_loss, ([0.0], [0.0]), [2 * LOG2]),
    (losses.minimax_discriminator_loss, ([BIG], [-BIG]), [0.0]),
    (losses.minimax_discriminator_loss, ([-BIG], [BIG]), [2 * BIG]),
    (losses.minimax_discriminator_loss, ([2.0], [-1.0]),
     [-math.log(1 / (1 + math.exp(-2.0))) - math.log(1 - 1 / (1 + math.exp(1.0)))]),
    # f(G(z)) - f(x)
    (losses.wasserstein_critic_loss, ([3.0, -1.0], [1.0, 2.0]), [-2.0, 3.0]),
    (losses.wasserstein_critic_loss, ([BIG], [-BIG]), [-2 * BIG]),
    (losses.hinge_discriminator_loss, ([0.5, 2.0], [-0.5, -2.0]), [1.0, 0.0]),
    (losses.least_squares_discriminator_loss, ([1.0, 0.0], [0.0, 1.0]), [0.0, 1.0]),
    # softplus(f(G(z)) - f(x)), per pair (relativistic, Jolicoeur-Martineau 2019)
    (losses.relativistic_discriminator_loss, ([0.0], [0.0]), [LOG2]),
    (losses.relativistic_discriminator_loss, ([BIG], [-BIG]), [0.0]),
    (losses.relativistic_discriminator_loss, ([-BIG], [BIG]), [2 * BIG]),
    (losses.relativistic_discriminator_loss, ([2.0, 5.0], [-1.0, 5.0]),
     [math.log1p(math.exp(-3.0)), LOG2]),
]

GENERATOR_CASES = [
    # log(1 - D(G(z))): the saturating form, never relabelled BCE.
    (losses.minimax_generator_loss, [0.0], [-LOG2]),
    (losses.minimax_generator_loss, [-BIG], [0.0]),
    (losses.minimax_generator_loss, [BIG], [-BIG]),
    (losses.minimax_generator_loss, [1.0], [math.log(1 - 1 / (1 + math.exp(-1.0)))]),
    # -log D(G(z))
    (losses.non_saturating_generator_loss, [0.0], [LOG2]),
    (losses.non_saturating_generator_loss, [BIG], [0.0]),
    (losses.non_saturating_generator_loss, [-BIG], [BIG]),
    (losses.non_saturating_generator_loss, [1.0], [-math.log(1 / (1 + math.exp(-1.0)))]),
    # -f(G(z))
    (losses.wasserstein_generator_loss, [2.5, -BIG], [-2.5, BIG]),
    (losses.least_squares_generator_loss, [1.0, 3.0], [0.0, 2.0]),
    # -D(G(z)) (hinge generator, Lim & Ye 2017 Eq. 10)
    (losses.hinge_generator_loss, [1.5, -BIG], [-1.5, BIG]),
    # softplus(f(x) - f(G(z))) of relative scores f(G(z)) - f(x) (real 2, fake -1: -3)
    (losses.relativistic_generator_loss, [0.0], [LOG2]),
    (losses.relativistic_generator_loss, [-3.0, 3.0], [math.log1p(math.exp(3.0)),
                                                       math.log1p(math.exp(-3.0))]),
    (losses.relativistic_generator_loss, [-2 * BIG, 2 * BIG], [2 * BIG, 0.0]),
]


def _run(fn, args, compiled):
    tensors = [ops.convert_to_tensor(np.array(a, "float32").reshape(-1, 1)) for a in args]
    if compiled:
        return ops.convert_to_numpy(compile_fn(fn, jit=True)(*tensors))
    return ops.convert_to_numpy(fn(*tensors))


@pytest.mark.parametrize("compiled", compile_params())
@pytest.mark.parametrize("fn,args,expected", DISCRIMINATOR_CASES)
def test_discriminator_losses(fn, args, expected, compiled):
    got = _run(fn, args, compiled)
    assert got.shape == (len(expected),)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("compiled", compile_params())
@pytest.mark.parametrize("fn,args,expected", GENERATOR_CASES)
def test_generator_losses(fn, args, expected, compiled):
    got = _run(fn, [args], compiled)
    assert got.shape == (len(expected),)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_gradients_are_finite_at_extreme_logits():
    logits = np.array([[-BIG], [BIG], [0.0]], "float32")
    for fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
        assert np.all(np.isfinite(ops.convert_to_numpy(input_gradient(fn, logits))))


def test_relativistic_gradients_are_finite_and_opposite_at_extreme_scores():
    # Columns: real score, fake score; rows: confidently right, confidently wrong, undecided.
    pairs = np.array([[BIG, -BIG], [-BIG, BIG], [0.0, 0.0]], "float32")
    # The generator's loss takes the relative scores f(G(z)) - f(x), as the model forms them.
    per_pair = {
        "relativistic_discriminator_loss":
            lambda s: losses.relativistic_discriminator_loss(s[:, :1], s[:, 1:]),
        "relativistic_generator_loss":
            lambda s: losses.relativistic_generator_loss(s[:, 1:] - s[:, :1]),
    }
    grads = {name: ops.convert_to_numpy(input_gradient(fn, pairs)) for name, fn in per_pair.items()}
    assert all(np.all(np.isfinite(grad)) for grad in grads.values())
    # d softplus(f - r) / d(r, f) = (-1, 1) sigmoid(f - r); d softplus(r - f) = (1, -1) sigmoid(r - f).
    np.testing.assert_allclose(grads["relativistic_discriminator_loss"],
                               [[0.0, 0.0], [-1.0, 1.0], [-0.5, 0.5]], atol=1e-6)
    np.testing.assert_allclose(grads["relativistic_generator_loss"],
                               [[1.0, -1.0], [0.0, 0.0], [0.5, -0.5]], atol=1e-6)


def test_minimax_generator_gradient_saturates_where_non_saturating_does_not():
    # At a confidently rejected sample (logit -10), d/dl log(1 - sigmoid(l)) = -sigmoid(l) ~ 0
    # while d/dl -log sigmoid(l) = sigmoid(l) - 1 ~ -1 (Goodfellow et al. 2014, Sec. 3).
    logits = np.array([[-10.0]], "float32")
    grads = {}
    for fn in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
        grads[fn.__name__] = abs(float(ops.convert_to_numpy(input_gradient(fn, logits))[0, 0]))
    assert grads["minimax_generator_loss"] < 1e-4
    assert grads["non_saturating_generator_loss"] > 0.99


def test_objective_registry():
    assert losses.get_objective("wasserstein").outputs == "critic"
    assert losses.get_objective("minimax").generator_loss is losses.minimax_generator_loss
    with pytest.raises(ValueError, match="Unknown objective 'wasserstien'; use one of"):
        losses.get_objective("wasserstien")


def test_losses_of_raw_scores_name_their_arguments_scores():
    # Hinge and least squares apply no sigmoid: their inputs are scores, not logits.
    import inspect

    for fn in (losses.hinge_discriminator_loss, losses.least_squares_discriminator_loss):
        assert list(inspect.signature(fn).parameters) == ["real_scores", "fake_scores"]
    for fn in (losses.hinge_generator_loss, losses.least_squares_generator_loss):
        assert list(inspect.signature(fn).parameters) == ["fake_scores"]


def test_every_objective_is_registered_with_what_its_discriminator_outputs():
    outputs = {name: losses.get_objective(name).outputs for name in losses.objective_names()}
    assert outputs == {"minimax": "logits", "non_saturating": "logits", "wasserstein": "critic",
                       "hinge": "critic", "least_squares": "scores", "relativistic": "critic"}
    assert losses.get_objective("hinge").generator_loss is losses.hinge_generator_loss
    # Only the relativistic generator compares with real samples.
    needs_real = {name for name in losses.objective_names()
                  if losses.get_objective(name).needs_real_for_generator}
    assert needs_real == {"relativistic"}
