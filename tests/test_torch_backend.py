"""What only the PyTorch backend does (`keras_wgan/backend/torch.py`): compiled networks with an
eager penalty, input gradients under `no_grad`, no ``.grad`` left on any parameter.

Run by ``make test-torch``; under the other backends the module is skipped.
"""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from tests.conftest import tiny_toy_pair

pytestmark = [
    pytest.mark.all_backends,
    pytest.mark.skipif(keras.backend.backend() != "torch", reason="the torch backend's own"),
]

PER_STEP, CRITIC_STEPS = 8, 2
DATA = np.random.default_rng(0).normal(size=(PER_STEP * CRITIC_STEPS, 2)).astype("float32")


def make(jit_compile):
    keras.utils.set_random_seed(0)  # the same weights and noise for every model
    generator, critic = tiny_toy_pair()
    gan = kw.WGANGP(generator=generator, critic=critic, critic_steps=CRITIC_STEPS, seed=0)
    # SGD: Adam's first steps are about lr * sign(gradient), which turns float noise in a
    # gradient near 0 into a difference of lr; SGD keeps differences at the gradients' own.
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), jit_compile=jit_compile)
    return gan


def test_jit_compile_compiles_the_networks_and_keeps_the_penalty_eager():
    """torch.compile has no double backward: with jit_compile=True the networks' forwards are
    compiled, the step and the penalty's input gradient are not, and the step is the eager one."""
    eager, compiled = make(False), make(True)
    initial = [ops.convert_to_numpy(w).copy() for w in eager.trainable_weights]
    for gan in (eager, compiled):
        for _ in range(2):
            logs = gan.train_on_batch(DATA, return_dict=True)
        assert np.isfinite(logs["gradient_penalty"]) and logs["gradient_penalty"] > 0
    assert compiled.generator._torch_compiled and compiled.discriminator._torch_compiled
    assert not getattr(eager.generator, "_torch_compiled", False)
    assert not hasattr(compiled.train_function, "_torchdynamo_orig_callable")  # Keras's own
    for a, b in zip(eager.weights, compiled.weights):
        np.testing.assert_allclose(ops.convert_to_numpy(b), ops.convert_to_numpy(a), rtol=1e-5,
                                   atol=1e-6, err_msg=a.path)
    moved = max(float(np.abs(ops.convert_to_numpy(w) - w0).max())
                for w, w0 in zip(compiled.trainable_weights, initial))
    assert moved > 1e-3  # the steps trained: the agreement is not that of untouched weights


def test_auto_compiles_only_on_an_accelerator():
    assert make("auto").jit_compile is kw.backend.has_accelerator()


def test_penalty_under_no_grad_equals_the_training_value():
    """Keras evaluates under torch.no_grad; the penalty turns gradients back on for its input
    gradient, and takes NumPy inputs."""
    import torch

    _, critic = tiny_toy_pair()
    real, fake = DATA[:PER_STEP], DATA[PER_STEP:]
    with_grad = kw.GradientPenalty(seed=3)(real, fake, critic=critic)
    with torch.no_grad():
        without = kw.GradientPenalty(seed=3)(real, fake, critic=critic)
    assert with_grad.requires_grad and not without.requires_grad
    np.testing.assert_allclose(float(without), float(with_grad.detach()), rtol=1e-6)
    grads = kw.backend.input_gradients(lambda x: critic(x), DATA)  # a NumPy array
    assert tuple(grads.shape) == DATA.shape and bool(torch.isfinite(grads).all())
    logs = make(False).evaluate(DATA, batch_size=len(DATA), verbose=0, return_dict=True)
    assert np.isfinite(logs["gradient_penalty"]) and logs["gradient_penalty"] > 0


def test_a_step_leaves_no_gradient_on_any_parameter():
    """Gradients come from torch.autograd.grad, not .backward(): the players never share a
    .grad buffer, and nothing needs zeroing between updates."""
    gan = make(False)
    gan.train_on_batch(DATA)
    assert all(v.value.grad is None for v in gan.trainable_variables)
