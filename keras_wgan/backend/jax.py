"""JAX: `jax.value_and_grad` over variable *values*, inside Keras's stateless step.

On the JAX backend Keras calls ``train_step(state, data)`` with every variable's value in
``state`` and expects the new values back: nothing may be assigned in place. A model with
two optimizers does not fit the single-optimizer step Keras ships (keras-team/keras
issues 18881, 19358, 18914), so keras_wgan runs its ordinary, variable-based step inside
one `keras.StatelessScope` that maps **every** variable of the step (both networks, the
noise seeds, both optimizers' slots, the metrics) to its value in ``state``:

- reads of a variable return its value in the scope, writes (``assign``, an optimizer's
  ``apply``, a seed generator's ``next``, a metric's ``update_state``) are recorded there;
- `value_and_gradients` evaluates the loss in a nested scope whose differentiated
  variables map to `jax.value_and_grad`'s arguments, and copies the writes the loss made
  to any other variable (batch-norm statistics, noise seeds) back to the outer scope;
- at the end the step reads the new value of every variable out of the scope.

So the two optimizers, the seed state and the metrics all travel through ``state``
exactly as Keras's own single-optimizer step threads its one optimizer.
"""

import jax
import jax.numpy as jnp
import keras

from keras_wgan.backend.whole_batch import (  # noqa: F401  (this backend's primitives)
    reducible_logs,
    replica_info,
    scale_for_replicas,
)

_active_steps = []  # the innermost `StepScope` last


class StepScope(keras.StatelessScope):
    """A `keras.StatelessScope` over a known list of variables (so it can be nested)."""

    def __init__(self, variables, values):
        self.variables = list(variables)
        values = list(values)
        if len(values) != len(self.variables):
            raise ValueError(
                f"StepScope got {len(values)} values for {len(self.variables)} variables."
            )
        super().__init__(state_mapping=list(zip(self.variables, values)))

    def values(self, variables):
        """The current value of each variable in this scope."""
        return [self.get_current_value(v) for v in variables]

    def nested(self, variables, values):
        """A scope with this scope's values, except ``variables`` mapped to ``values``."""
        overrides = {id(v): value for v, value in zip(variables, values)}
        return StepScope(
            self.variables,
            [overrides.get(id(v), self.get_current_value(v)) for v in self.variables],
        )

    def __enter__(self):
        _active_steps.append(self)
        return super().__enter__()

    def __exit__(self, *args, **kwargs):
        _active_steps.pop()
        return super().__exit__(*args, **kwargs)


def _current_step():
    if not _active_steps:
        raise RuntimeError(
            "On the JAX backend, keras_wgan applies optimizer updates only inside a "
            "training step (`fit`, `train_on_batch`): Keras's JAX steps are stateless."
        )
    return _active_steps[-1]


def value_and_gradients(loss_fn, variables):
    """Evaluate ``loss_fn() -> (loss, aux)`` and return ``(loss, aux, d loss / d variables)``.

    The loss is a function of the variables' values (`jax.value_and_grad`). Inside a
    training step every write the loss function makes to other variables is carried back
    to the step; outside one (a gradient read-out, as the experiments take) it is a pure
    function of the variables and such writes are dropped.
    """
    variables = list(variables)
    if not _active_steps:
        return _pure_value_and_gradients(loss_fn, variables)
    step = _current_step()
    differentiated = {id(v) for v in variables}
    others = [v for v in step.variables if id(v) not in differentiated]

    def evaluate(values):
        with step.nested(variables, values) as scope:
            loss, aux = loss_fn()
        return loss, (aux, scope.values(others))

    (loss, (aux, other_values)), grads = jax.value_and_grad(evaluate, has_aux=True)(
        step.values(variables)
    )
    for variable, value in zip(others, other_values):
        variable.assign(value)
    return loss, aux, grads


def _pure_value_and_gradients(loss_fn, variables):
    def evaluate(values):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return loss_fn()

    (loss, aux), grads = jax.value_and_grad(evaluate, has_aux=True)(
        [v.value for v in variables]
    )
    return loss, aux, grads


def apply_gradients(optimizer, grads, variables):
    """One ``optimizer`` update of ``variables``, through `Optimizer.stateless_apply`.

    Keras's own JAX path: optimizers whose update branches on data (`LossScaleOptimizer`
    skips non-finite steps with a ``cond``) return their new values explicitly there.
    """
    step = _current_step()
    variables = list(variables)  # in the order the optimizer was built with
    new_variables, new_slots = optimizer.stateless_apply(
        step.values(optimizer.variables), grads, step.values(variables)
    )
    for variable, value in zip(variables, new_variables):
        variable.assign(value)
    for variable, value in zip(optimizer.variables, new_slots):
        variable.assign(value)


def assign_all(variables, values):
    """``variable.assign(value)`` for each pair (recorded in the step's stateless scope)."""
    for variable, value in zip(variables, values):
        variable.assign(value)


def input_gradients(fn, inputs):
    """Return ``d sum(fn(inputs)) / d inputs``, differentiable again (for gradient penalties).

    Summing is exact here because each output depends only on its own input example.
    """
    return jax.grad(lambda x: jnp.sum(fn(x)))(inputs)


def has_accelerator():
    """True when JAX sees a GPU or TPU."""
    return any(device.platform in ("gpu", "tpu") for device in jax.devices())


def resolve_jit_compile(jit_compile):
    """JAX always compiles with XLA: without `jax.jit` every op would dispatch eagerly."""
    return True if jit_compile == "auto" else bool(jit_compile)


class Trainer:
    """The stateless JAX step around the model's variable-based ``adversarial_*_step``."""

    def _state_groups(self, training):
        groups = [self.trainable_variables, self.non_trainable_variables]
        if training:
            groups.append(self.optimizer.variables)
        groups.append(self.metrics_variables)
        return groups

    def _stateless(self, step_fn, state, data, training):
        groups = self._state_groups(training)
        variables = [v for group in groups for v in group]
        values = [value for group in state for value in group]
        with StepScope(variables, values) as scope:
            logs = step_fn(data)
        return logs, tuple(scope.values(group) for group in groups)

    def train_step(self, state, data):
        """``(state, data) -> (logs, state)``: state is (trainable, non-trainable,
        optimizer, metrics) values, the optimizer being both players' optimizers."""
        return self._stateless(self.adversarial_train_step, state, data, training=True)

    def test_step(self, state, data):
        """``(state, data) -> (logs, state)`` with (trainable, non-trainable, metrics)."""
        return self._stateless(self.adversarial_test_step, state, data, training=False)
