"""Mixed precision: finite training under float16/bfloat16, own loss scale per player, exact penalty."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
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


@pytest.mark.parametrize("policy", [
    pytest.param("mixed_float16", marks=pytest.mark.skipif(
        TORCH_CPU, reason="torch has no float16 convolution backward on the CPU")),
    "mixed_bfloat16"], indirect=True)
@pytest.mark.parametrize("cls", [kw.NSGAN, kw.WGAN, kw.WGANGP], ids=lambda c: c.__name__)
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

def test_dtype_policy_is_set_inside_the_block_only_and_put_back_after_an_error():
    from keras_wgan import precision

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


def test_command_line_trains_in_bfloat16_and_its_outputs_read_as_float32(tmp_path, capsys):
    from keras_wgan.app import cli

    out = tmp_path / "run"
    assert cli.main(["train", "--data", "toy:ring8", "--mixed-precision", "bfloat16",
                     "--epochs", "2", "--steps-per-epoch", "2", "--width", "8",
                     "--out", str(out)]) == 0, capsys.readouterr().err
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
