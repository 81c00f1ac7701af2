"""PyTorch: eager autograd over the variables' own parameters, as Keras's torch trainer does.

On the torch backend every `keras.Variable` holds a `torch.nn.Parameter` and Keras calls
``train_step(data)`` eagerly, with autograd on (``test_step`` under `torch.no_grad`). So the
model's variable-based step runs as it is, as on TensorFlow: a gradient is
`torch.autograd.grad` of the loss with respect to the parameters, and an optimizer update is
`Optimizer.apply` under `torch.no_grad` (Keras's torch trainer applies its one optimizer the
same way). `torch.autograd.grad` rather than ``loss.backward()`` leaves no ``.grad`` on any
parameter, so the two players' gradients never mix and nothing needs zeroing.

The gradient penalty differentiates twice (the critic's input gradient, then the loss with
respect to the weights), which `torch.compile` does not support: its compiled backward
graphs have no backward of their own (``torch.compile with aot_autograd does not currently
support double backward``). `resolve_jit_compile` and `Trainer.compile` follow from that.
"""

import keras
import torch


def _parameters(variables):
    return [variable.value for variable in variables]


def value_and_gradients(loss_fn, variables):
    """Evaluate ``loss_fn() -> (loss, aux)`` and return ``(loss, aux, d loss / d variables)``.

    A variable the loss does not reach gets a ``None`` gradient, as with TensorFlow's tape
    (the optimizer skips it). The loss and ``aux`` come back detached from the graph.
    """
    variables = list(variables)
    with torch.enable_grad():
        loss, aux = loss_fn()
        grads = torch.autograd.grad(loss, _parameters(variables), allow_unused=True)
    aux = keras.tree.map_structure(
        lambda value: value.detach() if isinstance(value, torch.Tensor) else value, aux)
    return loss.detach(), aux, list(grads)


def apply_gradients(optimizer, grads, variables):
    """One ``optimizer`` update of ``variables`` (constraints such as WeightClip included)."""
    with torch.no_grad():
        optimizer.apply(grads, variables)


def assign_all(variables, values):
    """``variable.assign(value)`` for each pair (Keras copies into the parameter without grad)."""
    for variable, value in zip(variables, values):
        variable.assign(value)


def input_gradients(fn, inputs):
    """Return ``d sum(fn(inputs)) / d inputs``, differentiable again (for gradient penalties).

    Summing is exact here because each output depends only on its own input example.
    ``inputs`` may be a NumPy array or a tensor that needs no gradient (real data: R1): it is
    made a leaf that does. Gradients are turned on here because Keras runs ``test_step`` (and
    ``evaluate``) under `torch.no_grad`, where the penalty still needs its input gradient;
    the result keeps its graph (``create_graph``) only where the caller records one, so that
    the penalty's weight gradient exists in training and nothing is kept in evaluation.
    """
    differentiable_again = torch.is_grad_enabled()
    inputs = keras.ops.convert_to_tensor(inputs)
    if not inputs.requires_grad:
        inputs = inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        outputs = fn(inputs)
        (grads,) = torch.autograd.grad(
            torch.sum(outputs), inputs, create_graph=differentiable_again)
    return grads


def replica_info():
    """``(0, 1)``: keras_wgan runs one process per step on torch (no per-replica bookkeeping)."""
    return 0, 1


def scale_for_replicas(loss):
    """The loss unchanged: the step's mean is over the whole batch it sees."""
    return loss


def reducible_logs(logs):
    """The logs unchanged (only TensorFlow's multi-worker strategy needs reshaped logs)."""
    return logs


def has_accelerator():
    """True when torch sees a CUDA (or ROCm) GPU."""
    return torch.cuda.is_available()


def resolve_jit_compile(jit_compile):
    """``"auto"`` is eager on torch.

    `torch.compile` cannot compile a step with a gradient penalty at all (`Trainer.compile`).
    Where it can (no penalty), Keras's compiled step breaks its graph at every
    `torch.autograd.grad` and was no faster: NSGAN on this project's 2 busy cores (one OpenMP
    thread, two interleaved rounds, critic images/s eager vs compiled), 28x28 DCGAN width 64
    29.6 / 38.7 vs 25.9 / 31.0 after 158-289 s of compiling; toy MLPs 7689 / 6075 vs
    9932 / 6190 after 79-156 s.
    """
    if jit_compile != "auto":
        return bool(jit_compile)
    return False


def _differentiates_twice(model):
    """True when a penalty layer of ``model`` takes the critic's input gradient (its
    ``needs_per_example_critic``), so that the weight gradient is a double backward."""
    return any(getattr(layer, "needs_per_example_critic", False) for layer in model.layers)


class Trainer:
    """torch runs the model's variable-based steps as they are (eagerly, like TensorFlow)."""

    def compile(self, *args, jit_compile="auto", **kwargs):
        """Keras's compile, refusing ``jit_compile=True`` where `torch.compile` would fail.

        torch.compile's backward graphs have no backward of their own, so a step whose loss
        holds an input gradient fails at its first batch ("torch.compile with aot_autograd
        does not currently support double backward"); the model says so here instead.
        """
        if jit_compile is True and _differentiates_twice(self):
            names = sorted({type(layer).__name__ for layer in self.layers
                            if getattr(layer, "needs_per_example_critic", False)})
            raise ValueError(
                f"jit_compile=True cannot compile this model on the torch backend: its "
                f"penalties ({', '.join(names)}) differentiate the critic twice, which "
                f"torch.compile does not support; use jit_compile='auto' (eager on torch) "
                f"or False."
            )
        super().compile(*args, jit_compile=jit_compile, **kwargs)

    def train_step(self, data):
        return self.adversarial_train_step(data)

    def test_step(self, data):
        return self.adversarial_test_step(data)
