"""Mixed precision: finite training under float16/bfloat16, own loss scale per player, exact penalty."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from keras_wgan import precision
from tests.backend_utils import one_variant_on_jax
from tests.conftest import tiny_image_pair

pytestmark = pytest.mark.all_backends


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


# PyTorch has no float16 convolution backward on the CPU ("slow_conv2d: grad_weight must be
# contiguous" in torch 2.13): the image models train there in bfloat16, and in float16 on GPUs.
TORCH_CPU = keras.backend.backend() == "torch" and not kw.backend.has_accelerator()
# And on a CPU without AVX-512 it cannot differentiate a bfloat16 convolution with one output
# channel (`keras_wgan.precision.torch_trains_bfloat16_convolutions`): bfloat16 is refused there.
TORCH_CPU_WITHOUT_BFLOAT16 = TORCH_CPU and not precision.torch_trains_bfloat16_convolutions()


@pytest.mark.parametrize("policy", [
    pytest.param("mixed_float16", marks=pytest.mark.skipif(
        TORCH_CPU, reason="torch has no float16 convolution backward on the CPU")),
    pytest.param("mixed_bfloat16", marks=pytest.mark.skipif(
        TORCH_CPU_WITHOUT_BFLOAT16, reason="torch has no bfloat16 convolution backward on this "
        "CPU (no AVX-512), where keras_wgan refuses bfloat16 (test_bfloat16_on_torch_is_"
        "refused_where_its_convolutions_cannot_train)")),
], indirect=True)
@pytest.mark.parametrize("cls", one_variant_on_jax([kw.NSGAN, kw.WGAN, kw.WGANGP]))
def test_models_train_with_finite_losses(policy, cls):
    generator, critic = tiny_image_pair()
    gan = cls(generator=generator, critic=critic, latent_dim=8)
    gan.compile()
    assert gan.generator.compute_dtype == policy.split("_")[1]
    scaled = isinstance(gan.discriminator_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    if scaled:  # one dynamic loss scale per player
        assert gan.generator_optimizer is not gan.discriminator_optimizer
        assert gan.generator_optimizer.dynamic_scale is not gan.discriminator_optimizer.dynamic_scale
    images = np.random.default_rng(0).uniform(-1, 1, (4 * gan.critic_steps, 28, 28, 1))
    history = gan.fit(images.astype("float32"), batch_size=2 * gan.critic_steps, epochs=2,
                      verbose=0).history
    for name, values in history.items():
        assert np.all(np.isfinite(values)), name
    assert all(v.dtype == "float32" for v in gan.trainable_variables)


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
@pytest.mark.parametrize(
    "first,w",
    [
        (1.0, [3.0, 4.0]),
        # Input gradients of 3e-6 and 4e-6 are float16 subnormals, which lose their digits
        # unless the backward pass is scaled; the weights themselves (1e-3, 3e-3) are not.
        (1e-3, [3e-6, 4e-6]),
    ],
)
def test_penalty_under_float16_matches_float32_on_a_linear_critic(policy, first, w):
    """f(x) = w2 . (W1 x) with W1 = first * I: its input gradient is W1^T w2 = w everywhere."""
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, use_bias=False),
                               keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(first * np.eye(2, dtype="float32"))
    critic.layers[1].kernel.assign(np.array(w, "float32").reshape(2, 1) / first)
    assert critic.compute_dtype == "float16"
    penalty = kw.GradientPenalty(weight=10.0, seed=0)
    real = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    fake = np.random.default_rng(2).normal(size=(8, 2)).astype("float32")
    # gradient_norms is a plain method (Keras's layer call converts NumPy, a method does not;
    # on torch an ndarray plus a tensor is a TypeError): it gets tensors.
    norms = ops.convert_to_numpy(penalty.gradient_norms(ops.convert_to_tensor(real),
                                                        ops.convert_to_tensor(fake), critic))
    np.testing.assert_allclose(norms, np.linalg.norm(w), rtol=2e-3)
    expected = 10.0 * (np.linalg.norm(w) - 1.0) ** 2
    np.testing.assert_allclose(float(penalty(real, fake, critic=critic)), expected, rtol=2e-3)


# --- one build under a policy: keras_wgan.precision, the command line, training.run ---------

def test_dtype_policy_is_set_inside_the_block_only_and_put_back_after_an_error(monkeypatch):
    # What the block does, wherever bfloat16 is allowed (torch refuses it on some CPUs).
    monkeypatch.setattr(precision, "torch_trains_bfloat16_convolutions", lambda: True)

    assert keras.config.dtype_policy().name == "float32"
    with pytest.raises(RuntimeError, match="boom"):
        with precision.dtype_policy("mixed_bfloat16"):
            assert keras.layers.Dense(2).compute_dtype == "bfloat16"
            raise RuntimeError("boom")
    assert keras.config.dtype_policy().name == "float32"
    with pytest.raises(ValueError, match="dtype_policy='bfloat16': use one of 'float32', "
                                         "'mixed_bfloat16', 'mixed_float16'"):
        precision.check_policy("bfloat16")
    assert precision.check_policy(None) == "float32"


def test_command_line_trains_in_bfloat16_and_its_outputs_read_as_float32(
        tmp_path, capsys, monkeypatch):
    from keras_wgan.app import cli

    # As on a CPU without bfloat16 instructions (the quiet cases: the warning's own test).
    monkeypatch.setattr(precision, "cpu_computes_bfloat16", lambda: False)
    # The toy's networks are MLPs: torch trains them in bfloat16 even where it cannot train a
    # bfloat16 convolution (the refusal is tested below).
    monkeypatch.setattr(precision, "torch_trains_bfloat16_convolutions", lambda: True)
    out = tmp_path / "run"
    code = cli.main(["train", "--data", "toy:ring8", "--mixed-precision", "bfloat16",
                     "--epochs", "2", "--steps-per-epoch", "2", "--width", "8",
                     "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    # Where the CPU would emulate bfloat16 the run says so in one line, and trains anyway.
    warned = [line for line in err.splitlines() if "bfloat16" in line]
    if kw.backend.has_accelerator():
        assert warned == [], err
    else:
        assert len(warned) == 1 and warned[0].startswith(
            "keras-wgan train: warning: this CPU has no bfloat16 instructions"), err
        assert warned[0].endswith("train in float32 instead: drop --mixed-precision "
                                  "(dtype_policy=None)"), err
    # The critic's contours were drawn (matplotlib refused bfloat16 scores before).
    assert (out / "curves.png").is_file() and len(list((out / "samples").iterdir())) == 2
    gan = keras.saving.load_model(out / "checkpoint.keras")
    # The checkpoint keeps its layers' policy (the Functional wrapper's own is not saved).
    assert {layer.compute_dtype for layer in gan.generator.layers if layer.weights} == {"bfloat16"}
    samples = gan.generate(5, seed=0)
    assert samples.dtype == np.float32 and samples.shape == (5, 2)
    assert keras.config.dtype_policy().name == "float32"  # the run left the global policy alone


@pytest.mark.skipif(not TORCH_CPU, reason="only PyTorch on a CPU lacks float16 convolutions")
def test_float16_on_torch_cpu_is_refused_before_anything_is_written(tmp_path, capsys):
    from keras_wgan.app import cli

    assert cli.main(["train", "--data", "toy:ring8", "--mixed-precision", "float16",
                     "--steps-per-epoch", "2", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "float16 mixed precision needs a GPU under PyTorch" in err and "\n" == err[-1]
    assert not (tmp_path / "run").exists()


def test_bfloat16_on_torch_is_refused_where_its_convolutions_cannot_train(
        tmp_path, capsys, monkeypatch):
    from keras_wgan.app import cli

    monkeypatch.setattr(precision, "torch_trains_bfloat16_convolutions", lambda: False)
    if not TORCH_CPU:  # on a GPU, and on the other backends, the probe is not consulted
        assert precision.check_policy("mixed_bfloat16") == "mixed_bfloat16"
        return
    code = cli.main(["train", "--data", "toy:ring8", "--mixed-precision", "bfloat16",
                     "--epochs", "1", "--steps-per-epoch", "1", "--width", "8",
                     "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("keras-wgan train: error: dtype_policy='mixed_bfloat16': PyTorch "
                          "cannot train bfloat16 convolutions on this CPU"), err
    assert err.rstrip().endswith("train in float32 (drop --mixed-precision), or use "
                                 "KERAS_BACKEND=tensorflow or jax"), err
    assert not (tmp_path / "run").exists()  # refused before anything was written
    # A preset build names its own way to float32 (`keras_wgan.presets.train`).
    from keras_wgan.presets import train

    with pytest.raises(ValueError) as error:
        precision.check_policy("mixed_bfloat16", float32_instead=train.FLOAT32_BUILD)
    assert str(error.value).endswith(f"{train.FLOAT32_BUILD}, or use KERAS_BACKEND=tensorflow "
                                     "or jax"), error.value


def test_the_torch_probe_fails_exactly_where_a_bfloat16_generator_cannot_train():
    """The probe's answer matches what happens to a real one-channel generator's step here, and
    `fit` refuses that model in one line exactly where the step would fail."""
    if keras.backend.backend() != "torch":
        pytest.skip("the probe is PyTorch's")
    keras.mixed_precision.set_global_policy("mixed_bfloat16")  # by hand, as a user would
    try:
        generator, critic = tiny_image_pair()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    gan = kw.WGANGP(generator=generator, critic=critic, latent_dim=8, critic_steps=1)
    gan.compile()
    images = np.zeros((8, 28, 28, 1), "float32")
    try:  # Keras's own fit, past keras_wgan's checks: torch's kernels decide
        super(kw.AdversarialModel, gan).fit(images, batch_size=8, epochs=1, verbose=0)
        trained = True
    except RuntimeError as error:
        assert "grad_weight must be contiguous" in str(error)
        trained = False
    assert trained == precision.torch_trains_bfloat16_convolutions()
    if trained or kw.backend.has_accelerator():
        gan.fit(images, batch_size=8, epochs=1, verbose=0)
    else:
        with pytest.raises(ValueError, match="cannot train a bfloat16 convolution with one "
                                             "output channel on this CPU"):
            gan.fit(images, batch_size=8, epochs=1, verbose=0)


def _networks_built_under(policy_name):
    keras.mixed_precision.set_global_policy(policy_name)
    try:
        return tiny_image_pair(), (kw.architectures.mlp_generator(2, 2, width=8),
                                   kw.architectures.mlp_critic(2, width=8))
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy_name, refused_layer", [
    ("mixed_bfloat16", "bfloat16, and PyTorch cannot train a bfloat16 convolution with one "
                       "output channel on this CPU"),
    ("mixed_float16", "float16, and PyTorch has no float16 convolution backward on the CPU"),
])
def test_fit_refuses_half_precision_convolutions_torch_cannot_train_on_the_cpu(
        monkeypatch, policy_name, refused_layer):
    """Networks built under a global policy set by hand skip `check_policy`: `fit` checks the
    layers themselves, before the first step, on a torch CPU only (forced so it runs on every
    CPU: the probe is made to fail)."""
    monkeypatch.setattr(precision, "torch_trains_bfloat16_convolutions", lambda: False)
    (generator, critic), mlps = _networks_built_under(policy_name)
    torch_cpu = keras.backend.backend() == "torch"
    for on_accelerator in (False, True):
        if torch_cpu and not on_accelerator:
            with pytest.raises(ValueError) as error:
                precision.check_trainable([generator, critic], on_accelerator=on_accelerator)
            message = str(error.value)
            assert refused_layer in message and "\n" not in message, message
            # it names the network and the layer (the generator's one-channel convolution in
            # bfloat16, its first convolution in float16)
            assert message.startswith(f"{generator.name}'s layer "), message
            assert message.endswith(("KERAS_BACKEND=tensorflow or jax", "or train on a GPU"))
        else:  # other backends, or a GPU: nothing to refuse
            precision.check_trainable([generator, critic], on_accelerator=on_accelerator)
        precision.check_trainable(mlps, on_accelerator=on_accelerator)  # no convolution
    if torch_cpu and not kw.backend.has_accelerator():  # and fit calls it, before any step
        gan = kw.WGANGP(generator=generator, critic=critic, latent_dim=8, critic_steps=1)
        gan.compile()
        with pytest.raises(ValueError, match=refused_layer):
            gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=8, epochs=1, verbose=0)
        assert int(gan.generator_optimizer.iterations) == 0


X86_FLAGS = "fpu vme sse sse2 avx avx2 fma"
CPUINFO = {  # /proc/cpuinfo excerpts: x86 lists "flags", Arm "Features"
    "x86 with AVX512_BF16": f"processor\t: 0\nflags\t\t: {X86_FLAGS} avx512f avx512_bf16\n",
    "x86 with AMX": f"processor\t: 0\nflags\t\t: {X86_FLAGS} avx512f amx_bf16 amx_tile\n",
    "x86 with AVX2 only": f"processor\t: 0\nflags\t\t: {X86_FLAGS}\n\nprocessor\t: 1\n"
                          f"flags\t\t: {X86_FLAGS}\n",
    "Arm with BF16": "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n",
    "Arm without": "processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n",
    "no flags at all": "processor\t: 0\nmodel name\t: something\n",
}


@pytest.mark.parametrize("name, expected", [
    ("x86 with AVX512_BF16", True), ("x86 with AMX", True), ("x86 with AVX2 only", False),
    ("Arm with BF16", True), ("Arm without", False), ("no flags at all", None)])
def test_cpu_computes_bfloat16_reads_the_feature_flags(tmp_path, name, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(CPUINFO[name])
    assert precision.cpu_computes_bfloat16(cpuinfo) is expected
    assert precision.cpu_computes_bfloat16(tmp_path / "absent") is None  # not Linux: unknown


def test_bfloat16_on_a_cpu_without_it_warns_once_in_one_line_naming_the_float32_way(monkeypatch):
    import warnings

    with pytest.warns(precision.EmulatedBfloat16Warning) as caught:
        message = precision.warn_if_emulated("mixed_bfloat16", "drop --flag",
                                             on_accelerator=False, computes_bfloat16=False)
    assert [str(w.message) for w in caught] == [message]
    assert "\n" not in message and message.startswith("this CPU has no bfloat16 instructions")
    assert message.endswith("; drop --flag")
    quiet = [("float32", False, False), (None, False, False), ("mixed_float16", False, False),
             ("mixed_bfloat16", True, False),   # on a GPU: bfloat16 is the GPU's business
             ("mixed_bfloat16", False, True)]   # the CPU computes in it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for policy, accelerator, computes in quiet:
            assert precision.warn_if_emulated(policy, "x", on_accelerator=accelerator,
                                              computes_bfloat16=computes) is None, policy
        # Unknown flags (not Linux): no guess.
        monkeypatch.setattr(precision, "cpu_computes_bfloat16", lambda: None)
        assert precision.warn_if_emulated("mixed_bfloat16", "x", on_accelerator=False) is None
