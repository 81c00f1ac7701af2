"""One critic call on real and fake together (`keras_wgan.models.critic_pass`): the same scores
as two calls on every critic it accepts, and never taken for a critic that couples examples,
draws random numbers or changes state per call."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_wgan import architectures
from keras_wgan.models import critic_pass

pytestmark = pytest.mark.all_backends

IMAGE = (28, 28, 1)


def batches(shape, n_real=6, n_fake=5):
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (n_real, *shape)).astype("float32"),
            rng.uniform(-1, 1, (n_fake, *shape)).astype("float32"))


def residual_critic():
    x = keras.Input((2,))
    h = keras.layers.Dense(8)(x) + keras.layers.Dense(8)(x)
    return keras.Model(x, keras.layers.Dense(1)(ops.tanh(h)))


def conditional_critic(classes=3):
    x, label = keras.Input((2,)), keras.Input((1,), dtype="int32")
    embedded = keras.layers.Flatten()(keras.layers.Embedding(classes, 2)(label))
    h = keras.layers.Dense(8, activation="relu")(keras.layers.Concatenate()([x, embedded]))
    return keras.Model([x, label], keras.layers.Dense(1)(h))


FUSABLE = {
    "dcgan": (lambda: architectures.dcgan_critic(IMAGE, width=4), IMAGE),
    "dcgan_layer_norm": (lambda: architectures.dcgan_critic(IMAGE, width=4, norm="layer"), IMAGE),
    "mlp": (lambda: architectures.mlp_critic(2, width=8), (2,)),
    "mlp_fourier": (lambda: architectures.mlp_critic(2, width=8, fourier_scale=1.0), (2,)),
    "sequential": (lambda: keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(8), keras.layers.LeakyReLU(0.2),
         keras.layers.Dense(1)]), (2,)),
    "residual_ops": (residual_critic, (2,)),
}


@pytest.mark.parametrize("name", sorted(FUSABLE))
@pytest.mark.parametrize("training", [True, False])
def test_one_call_gives_the_scores_of_two(name, training):
    build, shape = FUSABLE[name]
    keras.utils.set_random_seed(0)
    critic = build()
    real, fake = batches(shape)
    assert critic_pass.can_fuse(critic)
    fused = critic_pass.critic_outputs(critic, real, fake, training=training, fused=True)
    separate = critic_pass.critic_outputs(critic, real, fake, training=training, fused=False)
    for one, two, n in zip(fused, separate, (6, 5)):
        assert tuple(one.shape) == (n, 1)
        np.testing.assert_allclose(ops.convert_to_numpy(one), ops.convert_to_numpy(two),
                                   rtol=1e-6, atol=1e-6)


def test_structured_inputs_are_joined_leaf_by_leaf():
    keras.utils.set_random_seed(0)
    critic = conditional_critic()
    real, fake = batches((2,))
    real_labels, fake_labels = np.array([[0], [1], [2], [0], [1], [2]]), np.array([[2]] * 5)
    fused = critic_pass.critic_outputs(critic, [real, real_labels], [fake, fake_labels],
                                       fused="auto")
    assert critic_pass.can_fuse(critic)
    np.testing.assert_allclose(ops.convert_to_numpy(fused[0]),
                               ops.convert_to_numpy(critic([real, real_labels])), atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(fused[1]),
                               ops.convert_to_numpy(critic([fake, fake_labels])), atol=1e-6)


def test_auto_makes_one_call_where_allowed_and_two_elsewhere(monkeypatch):
    calls = []
    functional = type(architectures.mlp_critic(2, width=8))
    original = functional.call

    def counted(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(functional, "call", counted)
    real, fake = batches(IMAGE)
    critic_pass.critic_outputs(architectures.dcgan_critic(IMAGE, width=4), real, fake)
    assert len(calls) == 1
    calls.clear()
    critic_pass.critic_outputs(architectures.dcgan_critic(IMAGE, width=4, norm="batch"),
                               real, fake)
    assert len(calls) == 2


def test_batch_norm_critics_are_never_fused():
    keras.utils.set_random_seed(0)
    critic = architectures.dcgan_critic(IMAGE, width=4, norm="batch")
    real, fake = batches(IMAGE)
    assert not critic_pass.can_fuse(critic)
    real_out, fake_out = critic_pass.critic_outputs(critic, real, fake, training=True)
    alone = ops.convert_to_numpy(critic(real, training=True))
    np.testing.assert_allclose(ops.convert_to_numpy(real_out), alone, atol=1e-6)
    # What a joint call would have given: each real score moves with the fakes beside it.
    joint = ops.convert_to_numpy(critic(np.concatenate([real, fake]), training=True))[:6]
    assert np.abs(joint - alone).max() > 1e-3
    with pytest.raises(ValueError, match="'down1_norm' \\(BatchNormalization\\) mixes"):
        critic_pass.critic_outputs(critic, real, fake, fused=True)


def batch_mean_critic():
    x = keras.Input((2,))
    h = keras.layers.Dense(8)(x)
    return keras.Model(x, keras.layers.Dense(1)(h - ops.mean(h, axis=0, keepdims=True)))


def nested_batch_norm_critic():
    block = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(name="bn")])
    x = keras.Input((2,))
    return keras.Model(x, keras.layers.Dense(1)(block(keras.layers.Dense(4)(x))))


class CentredCritic(keras.Model):
    def __init__(self):
        super().__init__()
        self.score = keras.layers.Dense(1)

    def call(self, x):
        return self.score(x - ops.mean(x, axis=0))


REFUSED = {
    "batch_norm_nested": (nested_batch_norm_critic, "'bn' (BatchNormalization) mixes"),
    "dropout": (lambda: keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(4), keras.layers.Dropout(0.5, name="drop"),
         keras.layers.Dense(1)]), "'drop' (Dropout) draws random numbers"),
    "spectral": (lambda: architectures.mlp_critic(2, width=4, norm="spectral"),
                 "(SpectralNormalization) refines its power iteration"),
    "batch_axis_softmax": (lambda: keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(4), keras.layers.Softmax(axis=0, name="sm"),
         keras.layers.Dense(1)]), "'sm' (Softmax) works across the batch axis"),
    "batch_mean_op": (batch_mean_critic, "(Mean) is not known to act on each example"),
    "subclassed": (CentredCritic, "(CentredCritic) is not known to score each example"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_critics_that_couple_examples_draw_or_change_state_keep_two_calls(name):
    build, reason = REFUSED[name]
    critic = build()
    assert not critic_pass.can_fuse(critic)
    assert reason in critic_pass.fusion_blocker(critic)
    real, fake = batches((2,))
    with pytest.raises(ValueError, match="Cannot score real and fake in one critic call"):
        critic_pass.critic_outputs(critic, real, fake, fused=True)


def test_fused_takes_only_auto_true_or_false():
    real, fake = batches((2,))
    with pytest.raises(ValueError, match="fused must be 'auto', True or False, got 'yes'"):
        critic_pass.critic_outputs(architectures.mlp_critic(2, width=4), real, fake, fused="yes")


def test_fused_scores_inside_the_backends_compiled_function():
    """The split point is the real batch's size as the compiled function sees it (unknown
    until run time under tf.function with a free batch axis)."""
    keras.utils.set_random_seed(0)
    critic = architectures.dcgan_critic(IMAGE, width=4)
    real, fake = batches(IMAGE)

    def scores(r, f):
        return critic_pass.critic_outputs(critic, r, f, training=True, fused=True)

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        spec = tf.TensorSpec((None, *IMAGE), tf.float32)
        compiled = tf.function(scores, input_signature=[spec, spec])
    else:
        from tests.backend_utils import compiled as backend_compiled

        compiled = backend_compiled(scores)  # jax.jit on JAX, torch.compile on torch
    for one, two in zip(compiled(real, fake), (critic(real), critic(fake))):
        np.testing.assert_allclose(ops.convert_to_numpy(one), ops.convert_to_numpy(two),
                                   atol=1e-6)


def _fit_one_step(cls, fused, num_classes=None, **settings):
    """Weights after one train step of ``cls`` on identical networks, data and seeds."""
    import keras_wgan as kw

    keras.utils.set_random_seed(0)
    generator = architectures.mlp_generator(2, 2, width=8, num_classes=num_classes)
    critic = architectures.mlp_critic(2, width=8, num_classes=num_classes)
    model = cls(generator=generator, critic=critic, critic_steps=2, seed=1,
                num_classes=num_classes, fused_critic=fused, **settings)
    model.compile(keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    data = x if num_classes is None else (x, rng.integers(0, num_classes, 16).astype("int32"))
    logs = model.train_on_batch(*(data if isinstance(data, tuple) else (data,)),
                                return_dict=True)
    return logs, [ops.convert_to_numpy(w) for w in model.weights]


@pytest.mark.parametrize("variant,num_classes", [("WGANGP", None), ("WGANGP", 3),
                                                 ("RpGANR1R2", None)])
def test_a_fused_critic_model_takes_the_same_step(variant, num_classes):
    # Fused: one critic call per critic step (and per relativistic generator step); the
    # step must be the one two calls give, penalties included.
    import keras_wgan as kw

    cls = getattr(kw, variant)
    logs_two, weights_two = _fit_one_step(cls, False, num_classes)
    logs_one, weights_one = _fit_one_step(cls, True, num_classes)
    assert logs_one.keys() == logs_two.keys()
    for key in logs_two:
        np.testing.assert_allclose(float(logs_one[key]), float(logs_two[key]), rtol=1e-5,
                                   atol=1e-6, err_msg=key)
    for one, two in zip(weights_one, weights_two):
        np.testing.assert_allclose(one, two, rtol=1e-5, atol=1e-6)


def test_fused_critic_is_refused_for_a_critic_that_couples_examples_and_kept_on_save(
        tmp_path):
    import keras_wgan as kw

    generator = architectures.mlp_generator(2, 2, width=8)
    batch_norm = architectures.dcgan_critic(IMAGE, width=4, norm="batch")
    dcgan_generator = architectures.dcgan_generator(8, IMAGE, width=4)
    with pytest.raises(ValueError, match=r"fused_critic=True needs a critic that scores each "
                                         r"example alone: layer '.*' \(BatchNormalization\)"):
        kw.NSGAN(generator=dcgan_generator, critic=batch_norm, fused_critic=True)
    with pytest.raises(ValueError, match="fused_critic must be True or False, got 'auto'"):
        kw.WGANGP(generator=generator, critic=architectures.mlp_critic(2, width=8),
                  fused_critic="auto")
    model = kw.WGANGP(generator=generator, critic=architectures.mlp_critic(2, width=8),
                      fused_critic=True)
    model.save(tmp_path / "fused.keras")
    assert keras.saving.load_model(tmp_path / "fused.keras").fused_critic is True
    assert kw.WGANGP(generator=generator, critic=architectures.mlp_critic(2, width=8)
                     ).fused_critic is False
