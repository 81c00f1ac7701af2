"""Mixed precision for one build: Keras's dtype policy set while networks and models are made.

    with precision.dtype_policy("mixed_bfloat16"):
        generator, critic = build_networks()     # compute in bfloat16, variables in float32

The command line (``keras-wgan train --mixed-precision bfloat16``), `keras_wgan.training.run`
(``dtype_policy=``) and recipes (``training.dtype_policy``) take the names in `POLICIES`. The
models handle both mixed policies (`keras_wgan.models.adversarial`: losses in float32, each
optimizer wrapped in a `keras.optimizers.LossScaleOptimizer` under float16, the penalty's
inner gradient scaled). bfloat16 pays on CPUs that compute in it (AVX512_BF16, AMX) and on
recent GPUs and TPUs: `bench/mixed_precision.py` prints the ratio on the machine at hand.
`as_float32` turns a network trained so into its float32 twin (what a preset ships).
"""

import contextlib
import functools
import warnings

import keras

#: the Keras dtype policies accepted, by their Keras names
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
HALF_FLOATS = ("bfloat16", "float16")
#: the command line's short names for them
SHORT_NAMES = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


#: how the command line trains in float32, which the refusals below name
FLOAT32_ON_THE_COMMAND_LINE = "train in float32 (drop --mixed-precision)"


def check_policy(name, what="dtype_policy", float32_instead=FLOAT32_ON_THE_COMMAND_LINE):
    """``name`` if it is one of `POLICIES` (None: float32); else a one-line ValueError, which
    ends in ``float32_instead`` (the caller's way to float32) where the backend cannot train
    in that policy here."""
    name = "float32" if name is None else name
    if name not in POLICIES:
        raise ValueError(f"{what}={name!r}: use one of {', '.join(map(repr, POLICIES))}")
    if name != "float32" and keras.backend.backend() == "torch":
        import torch

        if torch.cuda.is_available():
            return name
        if name == "mixed_float16":
            raise ValueError(f"{what}={name!r}: float16 mixed precision needs a GPU under "
                             "PyTorch (no float16 convolution backward on the CPU); use bfloat16 "
                             "(--mixed-precision bfloat16, dtype_policy='mixed_bfloat16')")
        if not torch_trains_bfloat16_convolutions():
            raise ValueError(f"{what}={name!r}: PyTorch cannot train bfloat16 convolutions on "
                             "this CPU (its fallback kernel fails on a one-channel output, as "
                             "an image generator's last layer; the oneDNN kernels need "
                             f"AVX-512); {float32_instead}, or use KERAS_BACKEND=tensorflow "
                             "or jax")
    return name


@functools.cache
def torch_trains_bfloat16_convolutions():
    """Whether PyTorch's CPU kernels differentiate a bfloat16 convolution the way Keras calls it
    (an NHWC input and an HWIO kernel, both permuted) with one output channel, as the last
    layer of a grey-image generator has.

    Where oneDNN has no bfloat16 kernels (a CPU without AVX-512, such as an AVX2-only AMD
    EPYC), torch 2.13 falls back to ``slow_conv2d``, whose weight gradient then fails with
    "grad_weight must be contiguous"; the probe (milliseconds) runs that case once.
    """
    import torch

    kernel = torch.zeros((3, 3, 4, 1), requires_grad=True)
    images = torch.zeros((1, 6, 6, 4), dtype=torch.bfloat16).permute(0, 3, 1, 2)
    try:
        output = torch.nn.functional.conv2d(images, kernel.to(torch.bfloat16).permute(3, 2, 0, 1))
        torch.autograd.grad(output.float().sum(), [kernel])
    except RuntimeError:
        return False
    return True


def check_trainable(networks, on_accelerator=None):
    """A one-line ValueError when the PyTorch CPU kernels cannot train ``networks``' convolutions
    in the precision their layers compute in; nothing on TensorFlow, JAX or a GPU.

    `check_policy` refuses those policies by name; this covers networks built under a global
    policy set by hand (``keras.config.set_dtype_policy``), which `AdversarialModel.fit` checks
    before its first step (else torch fails inside it): float16 convolutions have no backward on
    the CPU, and bfloat16 ones with one output channel none where
    `torch_trains_bfloat16_convolutions` says so.
    """
    if keras.backend.backend() != "torch":
        return
    if on_accelerator is None:
        from keras_wgan import backend

        on_accelerator = backend.has_accelerator()
    if on_accelerator:
        return
    for network in networks:
        for layer in network._flatten_layers(include_self=False):
            if not (hasattr(layer, "filters") and hasattr(layer, "kernel_size")):
                continue  # not a convolution
            dtype = layer.compute_dtype
            if dtype == "float16":
                raise ValueError(
                    f"{network.name}'s layer {layer.name!r} computes in float16, and PyTorch "
                    "has no float16 convolution backward on the CPU; build the networks in "
                    "float32 or mixed_bfloat16, or train on a GPU")
            one_channel = layer.filters == 1 and max(layer.kernel_size) > 1
            if dtype == "bfloat16" and one_channel and not torch_trains_bfloat16_convolutions():
                raise ValueError(
                    f"{network.name}'s layer {layer.name!r} computes in bfloat16, and PyTorch "
                    "cannot train a bfloat16 convolution with one output channel on this CPU "
                    "(its fallback kernel fails; the oneDNN kernels need AVX-512); build the "
                    "networks in float32 (keras.config.set_dtype_policy('float32')), or use "
                    "KERAS_BACKEND=tensorflow or jax")


@contextlib.contextmanager
def dtype_policy(name, float32_instead=FLOAT32_ON_THE_COMMAND_LINE):
    """Keras's global dtype policy set to ``name`` (None: float32) inside the block (layers
    take it when they are made), and put back after, even on error; ``name`` is checked by
    `check_policy` (``float32_instead``: as there)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(check_policy(name, float32_instead=float32_instead))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


#: The CPU feature flags (Linux ``/proc/cpuinfo``) of bfloat16 arithmetic: x86's AVX512_BF16 and
#: AMX (``amx_bf16``), Arm's BF16 (``flags`` on x86, ``Features`` on Arm).
BFLOAT16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def cpu_feature_flags(cpuinfo="/proc/cpuinfo"):
    """The set of this CPU's feature flags as Linux lists them (``flags`` on x86, ``Features``
    on Arm), or None when there are none to read (not Linux)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            lines = file.read(4_000_000).splitlines()
    except OSError:
        return None
    flags = set()
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    return flags or None


def cpu_computes_bfloat16(cpuinfo="/proc/cpuinfo"):
    """True when this CPU has bfloat16 arithmetic (`BFLOAT16_CPU_FLAGS`), False when its feature
    flags lack it, None when they cannot be read (not Linux)."""
    flags = cpu_feature_flags(cpuinfo)
    return None if flags is None else bool(flags & BFLOAT16_CPU_FLAGS)


class EmulatedBfloat16Warning(UserWarning):
    """Training in ``mixed_bfloat16`` on a CPU that has no bfloat16 arithmetic."""


def warn_if_emulated(name, float32_instead, on_accelerator=None, computes_bfloat16=None):
    """Warns (`EmulatedBfloat16Warning`, one line ending in ``float32_instead``, the way to train
    in float32 at the caller) when ``name`` is ``mixed_bfloat16`` and the networks would train
    on a CPU without bfloat16 instructions; returns the message, or None.

    There the kernels emulate bfloat16: on an AVX2-only AMD EPYC (2 cores, no AVX-512) the
    28x28 DCGAN steps of the MNIST recipes ran 5.6-11x *slower* than in float32 under TensorFlow
    (0.09-0.18x its speed, the wider the slower: ``bench/results/mixed_precision_cpu_avx2.txt``),
    where a CPU with AVX512_BF16 and AMX ran them 1.2-1.5x faster. ``on_accelerator`` and
    ``computes_bfloat16`` default to what the active backend sees
    (`keras_wgan.backend.has_accelerator`) and `cpu_computes_bfloat16`.
    """
    if name != "mixed_bfloat16":
        return None
    if on_accelerator is None:
        from keras_wgan import backend

        on_accelerator = backend.has_accelerator()
    if computes_bfloat16 is None:
        computes_bfloat16 = cpu_computes_bfloat16()
    if on_accelerator or computes_bfloat16 is not False:
        return None
    message = ("this CPU has no bfloat16 instructions (AVX512_BF16, AMX or Arm BF16), so "
               "mixed_bfloat16 is emulated: 5-11x slower than float32 on the one such CPU "
               f"measured (bench/mixed_precision.py); {float32_instead}")
    warnings.warn(message, EmulatedBfloat16Warning, stacklevel=2)
    return message


def as_float32(model):
    """``model`` as a float32 network: the same layers (names included) rebuilt from its config
    with every dtype policy and tensor dtype made float32, holding its weights (a mixed-precision
    layer keeps float32 variables). ``model`` itself when it is float32 already."""
    config = keras.saving.serialize_keras_object(model)
    converted = _float32_config(config)
    if converted == config:
        return model
    rebuilt = keras.saving.deserialize_keras_object(converted)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _float32_config(config):
    if isinstance(config, (list, tuple)):  # a layer call's args come as a tuple
        return type(config)(_float32_config(item) for item in config)
    if not isinstance(config, dict):
        return config
    config = {key: _float32_config(value) for key, value in config.items()}
    inner = config.get("config")
    if config.get("class_name") == "DTypePolicy" and inner.get("name") in SHORT_NAMES.values():
        config["config"] = dict(inner, name="float32")
    # Only the half-precision floats: an integer input (a conditional generator's labels) stays.
    if config.get("class_name") == "__keras_tensor__" and inner.get("dtype") in HALF_FLOATS:
        config["config"] = dict(inner, dtype="float32")
    return config
