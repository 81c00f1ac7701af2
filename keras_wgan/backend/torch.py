"""PyTorch: eager autograd over the variables' own parameters, as Keras's torch trainer does.

On the torch backend every `keras.Variable` holds a `torch.nn.Parameter` and Keras calls
``train_step(data)`` eagerly, with autograd on (``test_step`` under `torch.no_grad`). So the
model's variable-based step runs as it is, as on TensorFlow: a gradient is
`torch.autograd.grad` of the loss with respect to the parameters, and an optimizer update is
`Optimizer.apply` under `torch.no_grad` (Keras's torch trainer applies its one optimizer the
same way). `torch.autograd.grad` rather than ``loss.backward()`` leaves no ``.grad`` on any
parameter, so the two players' gradients never mix and nothing needs zeroing.

Compilation. Keras's ``jit_compile=True`` on torch wraps the whole step in `torch.compile`,
which fails on a gradient penalty: torch.compile's backward graphs have no backward of their
own ("torch.compile with aot_autograd does not currently support double backward"), and the
penalty's weight gradient is a double backward through the critic. So here
``jit_compile=True`` compiles each network's forward instead (`compile_networks`: the
generator, the critic, where they are differentiated once), keeps the step itself eager, and
runs the critic eagerly inside `input_gradients`, the one place it is differentiated twice:
what a PyTorch user writes by hand (``bench/torch_reference.py``).
"""

import contextlib

import keras
import torch

from keras_wgan.backend.whole_batch import (  # noqa: F401  (this backend's primitives)
    reducible_logs,
    replica_info,
    scale_for_replicas,
)


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
    The critic runs eagerly here even when its forward is compiled (`compile_networks`):
    torch.compile has no double backward.
    """
    differentiable_again = torch.is_grad_enabled()
    inputs = keras.ops.convert_to_tensor(inputs)
    if not inputs.requires_grad:
        inputs = inputs.detach().requires_grad_(True)
    # set_stance may not be entered while torch.compile traces a caller (a compiled penalty).
    eager = (contextlib.nullcontext() if torch.compiler.is_compiling()
             else torch.compiler.set_stance("force_eager"))
    with torch.enable_grad(), eager:
        outputs = fn(inputs)
        (grads,) = torch.autograd.grad(
            torch.sum(outputs), inputs, create_graph=differentiable_again)
    return grads


def has_accelerator():
    """True when torch sees a CUDA (or ROCm) GPU."""
    return torch.cuda.is_available()


def resolve_jit_compile(jit_compile):
    """``"auto"`` compiles the networks on a GPU and stays eager on the CPU.

    On this project's 2-core CPU `torch.compile` spends minutes generating C++ for each model
    (158-289 s for the 28x28 DCGAN), which a short run or a test never earns back; see
    ``bench/backends.py`` for the step rates either way.
    """
    if jit_compile != "auto":
        return bool(jit_compile)
    return has_accelerator()


def compile_networks(model):
    """`torch.compile` the forward (``call``) of every network (`keras.Model`) ``model`` holds.

    Keras's `Layer.__call__` (dtype policy, ``training``, masks) stays eager around it, and a
    network is compiled once however many times `fit` builds its step.
    """
    for layer in model.layers:
        if isinstance(layer, keras.Model) and not getattr(layer, "_torch_compiled", False):
            layer.call = torch.compile(layer.call, dynamic=False)
            layer._torch_compiled = True


class Trainer:
    """torch runs the model's variable-based steps as they are (eagerly, like TensorFlow)."""

    def _should_torch_compile(self):
        """Keras's torch trainer asks this before wrapping a whole step in `torch.compile`:
        never (the penalty's double backward); the networks are compiled instead."""
        if self.jit_compile:
            compile_networks(self)
        return False

    def train_step(self, data):
        return self.adversarial_train_step(data)

    def test_step(self, data):
        return self.adversarial_test_step(data)
