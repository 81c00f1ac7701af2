"""Score real and generated samples in one critic call when the critic allows it.

A critic update scores a real batch and a generated batch. Two calls run every layer twice,
each on half the examples; one call on their concatenation runs each layer once on both,
which costs less per example (one kernel launch, one weight read per layer, larger matrix
products). It gives the same scores only when the critic treats every example on its own
and the same way in both calls:

- no layer mixes examples of a batch (`BatchNormalization` normalises with the batch's
  statistics, so a real example's score would depend on the fakes beside it; WGAN-GP
  critics refuse it already, Gulrajani et al. 2017, Sec. 4);
- no layer draws random numbers per call (`Dropout`: one call on 2B examples draws other
  masks than two calls on B);
- no layer changes its state per training call (`SpectralNormalization` refines its power
  iteration vector ``u`` at every call: two calls refine it twice).

`can_fuse` therefore accepts a critic only when every layer in it is of a kind known to be
per-example, deterministic and stateless (`PER_EXAMPLE_LAYERS`), wired by a functional or
sequential model; any other layer, including every custom layer, keeps the two calls.

Measured on a 2-core CPU (``bench/train_step.py``, ``bench/step_costs.py``): the whole
WGAN-GP step with one call ran at 0.96-1.06x the CPU time of two on TensorFlow and
0.97-1.03x on JAX, within the noise; there the convolutions cost the same on one batch of
2B as on two of B. The saving is per call (1.8-3.6% fewer traced ops), so it is for
accelerators, where each call's launches weigh more (not measured here: no GPU was lent).
Scoring the gradient penalty's interpolates in the same call costs more than it saves (the
input gradient and its second-order backward then run over 3B rows instead of B: 0.64x).
"""

import keras
from keras import ops

from keras_wgan.architectures.fourier import FourierFeatures


def _keras_layers(*names):
    """The `keras.layers` classes of those names that this Keras version has."""
    return tuple(getattr(keras.layers, n) for n in names if hasattr(keras.layers, n))


# Layers whose output for one example is a fixed function of that example and the weights.
PER_EXAMPLE_LAYERS = _keras_layers(
    "InputLayer", "Dense", "EinsumDense", "Embedding",
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "Flatten", "Reshape", "Permute", "RepeatVector", "Identity", "Rescaling",
    "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
) + (FourierFeatures,)


# Element-wise `keras.ops` a functional critic may apply to its tensors (``x + y``, ``ops.tanh``).
ELEMENTWISE_OPS = frozenset({
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Negative", "Abs", "Square",
    "Sqrt", "Exp", "Log", "Tanh", "Maximum", "Minimum", "Relu", "LeakyRelu", "Sigmoid",
    "Silu", "Gelu", "Elu", "Softplus",
})


def _functional_class():
    # keras.Model(inputs, outputs) builds an instance of Keras's (private) Functional class.
    from keras.src.models.functional import Functional

    return Functional


def _operations(layer):
    """``layer`` and everything it runs: the nodes of a functional model (layers and raw
    `keras.ops`) and the layers of a sequential one, recursively; other layers as they are."""
    yield layer
    functional = _functional_class()
    if isinstance(layer, keras.Sequential) and type(layer).call is keras.Sequential.call:
        children = layer.layers
    elif isinstance(layer, functional) and type(layer).call is functional.call:
        children = layer.operations
    else:
        return
    for child in children:
        yield from _operations(child)


def _is_plain_container(layer):
    """A functional or sequential model whose ``call`` only wires its operations together."""
    functional = _functional_class()
    return (isinstance(layer, keras.Sequential) and type(layer).call is keras.Sequential.call) or (
        isinstance(layer, functional) and type(layer).call is functional.call)


def _axes(layer):
    """The axes a layer reduces or joins over (``axis``/``axes``), as a list of ints."""
    found = []
    for name in ("axis", "axes"):
        value = getattr(layer, name, None)
        if isinstance(value, int):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(v for v in value if isinstance(v, int))
    return found


def _rank(layer):
    try:
        return len(layer.input.shape)
    except (AttributeError, ValueError, TypeError):
        return None


def fusion_blocker(critic):
    """The first reason ``critic`` must be called on real and fake separately, or None.

    Returns a short phrase naming the layer, e.g. ``"layer 'bn' (BatchNormalization) mixes
    the examples of a batch"``.
    """
    layers = [critic, *critic._flatten_layers(include_self=False)]
    for layer in layers:  # named first wherever it hides: the case that matters most
        if isinstance(layer, keras.layers.BatchNormalization):
            return f"layer '{layer.name}' (BatchNormalization) mixes the examples of a batch"
    for op in _operations(critic):
        kind = type(op).__name__
        if _is_plain_container(op):
            continue
        if not isinstance(op, keras.layers.Layer):
            if kind in ELEMENTWISE_OPS:
                continue
            return f"operation '{op.name}' ({kind}) is not known to act on each example alone"
        if isinstance(op, keras.layers.SpectralNormalization):
            return f"layer '{op.name}' ({kind}) refines its power iteration at every call"
        if getattr(op, "_seed_generators", None):
            return f"layer '{op.name}' ({kind}) draws random numbers at every call"
        if not isinstance(op, PER_EXAMPLE_LAYERS):
            return (f"layer '{op.name}' ({kind}) is not known to score each example on its "
                    "own, statelessly")
        rank = _rank(op)
        if any(axis == 0 or (rank is not None and axis == -rank) for axis in _axes(op)):
            return f"layer '{op.name}' ({kind}) works across the batch axis"
    return None


def can_fuse(critic):
    """True when one call on ``concat(real, fake)`` gives the scores of two separate calls.

    See the module docstring: every layer must be per-example, deterministic and stateless.
    """
    return fusion_blocker(critic) is None


def critic_outputs(critic, real, fake, training=True, fused="auto"):
    """``(critic(real), critic(fake))``, from one call on their concatenation when fused.

    Args:
        critic: the critic (or discriminator).
        real, fake: batches of the same structure (a tensor, or a list such as
            ``[samples, labels]`` for a conditional critic), each leaf with examples on
            axis 0; their batch sizes may differ.
        training: passed to the critic.
        fused: ``"auto"`` fuses when `can_fuse` allows it; True insists (a critic that does
            not allow it is a ValueError naming the layer); False never fuses.

    Returns:
        ``(real_out, fake_out)``, as two calls would give them (to float rounding).
    """
    if fused == "auto":
        fused = can_fuse(critic)
    elif fused is True:
        blocker = fusion_blocker(critic)
        if blocker is not None:
            raise ValueError(
                f"Cannot score real and fake in one critic call: {blocker}; use fused='auto' "
                "or fused=False."
            )
    elif fused is not False:
        raise ValueError(f"fused must be 'auto', True or False, got {fused!r}.")
    if not fused:
        return critic(real, training=training), critic(fake, training=training)
    return one_call(critic, real, fake, training)


def one_call(critic, real, fake, training=True):
    """``(critic(real), critic(fake))`` from one call on their concatenation, unchecked:
    for a critic `can_fuse` has accepted (`critic_outputs` checks)."""
    both = keras.tree.map_structure(
        lambda r, f: ops.concatenate([r, f], axis=0), real, fake)
    outputs = critic(both, training=training)
    n = ops.shape(keras.tree.flatten(real)[0])[0]
    return outputs[:n], outputs[n:]
