"""The few framework calls the backend-agnostic tests need: compile, and differentiate."""

import keras


def compiled(fn, jit=True):
    """``fn`` compiled with XLA (``jit=True``) or as the backend's graph (TF) / eager (JAX,
    torch); on torch ``jit=True`` is `torch.compile`."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn) if jit else fn
    if keras.backend.backend() == "torch":
        import torch

        return torch.compile(fn) if jit else fn
    import tensorflow as tf

    return tf.function(fn, jit_compile=jit)


def input_gradient(fn, x):
    """``d sum(fn(x)) / d x``."""
    x = keras.ops.convert_to_tensor(x)
    if keras.backend.backend() == "jax":
        import jax

        return jax.grad(lambda value: keras.ops.sum(fn(value)))(x)
    if keras.backend.backend() == "torch":
        import torch

        x = x.detach().requires_grad_(True)
        return torch.autograd.grad(keras.ops.sum(fn(x)), x)[0]
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        value = keras.ops.sum(fn(x))
    return tape.gradient(value, x)


def variable_gradients(fn, variables):
    """``d fn() / d variables`` for a scalar ``fn`` that reads the variables."""
    variables = list(variables)
    if keras.backend.backend() == "jax":
        import jax

        def with_values(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn()

        return jax.grad(with_values)([v.value for v in variables])
    if keras.backend.backend() == "torch":
        import torch

        return list(torch.autograd.grad(fn(), [v.value for v in variables]))
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = fn()
    return tape.gradient(value, variables)


def compile_params(ids=("eager", "xla")):
    """``[False, True]`` for a ``compiled`` / ``jit`` parametrization, the compiled case marked
    ``slow_on_torch``: on torch it is `torch.compile`, whose C++ code generation took 10 s to
    3 minutes a case on 2 busy cores (``make test-torch-slow`` runs them; TensorFlow and JAX
    run both cases in ``make test``)."""
    import pytest

    return [pytest.param(False, id=ids[0]),
            pytest.param(True, id=ids[1], marks=pytest.mark.slow_on_torch)]


def one_variant_on_jax(classes, kept="WGANGP"):
    """``classes`` as pytest parameters (ids: class names), all but ``kept`` marked
    ``slow_on_jax``: the same save-load-fit check per variant costs 17-36 s each under JAX's
    compiles on 2 cores. ``make test`` runs every variant on TensorFlow and the ``kept`` one
    (the gradient penalty: the most state to carry) on JAX; ``make test-jax-slow`` the rest."""
    import pytest

    return [pytest.param(cls, id=cls.__name__,
                         marks=() if cls.__name__ == kept else pytest.mark.slow_on_jax)
            for cls in classes]
