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

import keras

#: the Keras dtype policies accepted, by their Keras names
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
HALF_FLOATS = ("bfloat16", "float16")
#: the command line's short names for them
SHORT_NAMES = {"bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


def check_policy(name, what="dtype_policy"):
    """``name`` if it is one of `POLICIES` (None: float32); else a one-line ValueError."""
    name = "float32" if name is None else name
    if name not in POLICIES:
        raise ValueError(f"{what}={name!r}: use one of {', '.join(map(repr, POLICIES))}")
    if name == "mixed_float16" and keras.backend.backend() == "torch":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"{what}={name!r}: float16 mixed precision needs a GPU under "
                             "PyTorch (no float16 convolution backward on the CPU); use bfloat16 "
                             "(--mixed-precision bfloat16, dtype_policy='mixed_bfloat16')")
    return name


@contextlib.contextmanager
def dtype_policy(name):
    """Keras's global dtype policy set to ``name`` (None: float32) inside the block (layers
    take it when they are made), and put back after, even on error."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(check_policy(name))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


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
