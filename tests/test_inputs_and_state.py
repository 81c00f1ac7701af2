"""What reaches `fit` on every backend: tf.data, NumPy arrays, plain Python iterables and torch
DataLoaders (wherever PyTorch is installed); and the state the step threads: both optimizers,
the noise seed, moving averages."""

import keras
import numpy as np
import pytest

import keras_wgan as kw
from tests.conftest import tiny_toy_pair

pytestmark = pytest.mark.all_backends

CRITIC_STEPS = 2
PER_STEP = 16


def make(**kwargs):
    keras.utils.set_random_seed(0)  # the same initial weights in every model
    generator, critic = tiny_toy_pair()
    gan = kw.WGANGP(generator=generator, critic=critic, critic_steps=CRITIC_STEPS, seed=0)
    gan.compile(**kwargs)
    return gan


def python_batches(n):
    """A grain-style source: any Python iterable of NumPy batches."""
    rng = np.random.default_rng(0)
    for _ in range(n):
        yield rng.normal(size=(PER_STEP * CRITIC_STEPS, 2)).astype("float32")


def torch_loader(bare):
    """A `torch.utils.data.DataLoader` of ring8 points: batches of ``[x]`` (a TensorDataset)
    or bare tensors (a tensor as the dataset)."""
    torch = pytest.importorskip("torch", reason="a DataLoader needs PyTorch installed")
    points = torch.from_numpy(kw.data.sample("ring8", PER_STEP * CRITIC_STEPS * 3, seed=0))
    dataset = points if bare else torch.utils.data.TensorDataset(points)
    return torch.utils.data.DataLoader(dataset, batch_size=PER_STEP * CRITIC_STEPS,
                                       shuffle=True, drop_last=True)


@pytest.mark.parametrize("source", [
    "tf.data", "numpy", "python", "torch-dataloader",
    pytest.param("torch-dataloader-bare", marks=pytest.mark.skipif(
        keras.backend.backend() != "torch",
        reason="off torch, Keras's DataLoader adapter needs tuple batches (a TensorDataset)"))])
def test_fit_accepts_each_kind_of_input(source):
    gan = make()
    if source == "tf.data":
        data = kw.data.toy_dataset("ring8", PER_STEP * CRITIC_STEPS, seed=0)
        history = gan.fit(data, steps_per_epoch=3, epochs=2, verbose=0).history
    elif source == "numpy":
        points = kw.data.sample("ring8", PER_STEP * CRITIC_STEPS * 3, seed=0)
        history = gan.fit(points, batch_size=PER_STEP * CRITIC_STEPS, epochs=2,
                          verbose=0).history
    elif source.startswith("torch-dataloader"):
        # Keras iterates a DataLoader afresh each epoch (3 batches of 32 each).
        loader = torch_loader(bare=source.endswith("bare"))
        history = gan.fit(loader, epochs=2, verbose=0).history
    else:
        history = gan.fit(python_batches(6), steps_per_epoch=3, epochs=2, verbose=0).history
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.values())
    assert int(gan.generator_optimizer.iterations.numpy()) == 6
    assert int(gan.discriminator_optimizer.iterations.numpy()) == 6 * CRITIC_STEPS


def test_noise_seed_and_optimizer_slots_advance_through_the_step():
    gan = make()
    seed_before = gan.seed_generator.state.numpy().copy()
    penalty_seed_before = gan.gradient_penalty.seed_generator.state.numpy().copy()
    slots_before = [v.numpy().copy() for v in gan.optimizer.variables]
    gan.fit(python_batches(2), steps_per_epoch=2, epochs=1, verbose=0)
    assert not np.array_equal(gan.seed_generator.state.numpy(), seed_before)
    assert not np.array_equal(gan.gradient_penalty.seed_generator.state.numpy(),
                              penalty_seed_before)
    slots_after = [v.numpy() for v in gan.optimizer.variables]
    # Both players' Adam moments moved (the pair lists the generator's first).
    n_generator = len(gan.generator_optimizer.variables)
    moved = [not np.array_equal(a, b) for a, b in zip(slots_before, slots_after)]
    assert any(moved[:n_generator]) and any(moved[n_generator:])


def test_two_fits_continue_one_noise_stream():
    """Training in two calls draws the same noise as one call: the state is carried over."""
    one, two = make(), make()
    one.fit(python_batches(4), steps_per_epoch=4, epochs=1, verbose=0)
    two.fit(python_batches(2), steps_per_epoch=2, epochs=1, verbose=0)
    rest = list(python_batches(4))[2:]
    two.fit(iter(rest), steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(one.weights, two.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)


def test_callbacks_see_current_weights_during_fit():
    """A callback reading weights mid-epoch sees the trained values (on JAX the state is
    synced back to the variables when a callback asks for the model)."""
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(self.model.generator.get_weights()[0].copy())

    gan = make()
    gan.fit(python_batches(3), steps_per_epoch=3, epochs=1, verbose=0, callbacks=[Record()])
    assert len(seen) == 3
    assert not np.array_equal(seen[0], seen[1]) and not np.array_equal(seen[1], seen[2])
    np.testing.assert_array_equal(seen[-1], gan.generator.get_weights()[0])


def test_generator_moving_average_is_finalized_after_fit():
    """With ``use_ema=True`` the generator ends with its averaged weights (Yazici et al. 2019)."""
    averaged = keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9)
    gan = make(generator_optimizer=averaged)
    gan.fit(python_batches(5), steps_per_epoch=5, epochs=1, verbose=0)
    ema = [v.numpy() for v in averaged._model_variables_moving_average]
    for variable, average in zip(gan.generator.trainable_variables, ema):
        np.testing.assert_array_equal(variable.numpy(), average)
    # Training goes on from there (on JAX the finalized weights must not share the
    # averages' buffers, or the next step would donate one buffer twice).
    gan.fit(python_batches(2), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(averaged.iterations.numpy()) == 7


def test_empty_dataset_names_the_problem():
    import tensorflow as tf

    empty = tf.data.Dataset.from_tensors(np.zeros((PER_STEP * CRITIC_STEPS, 2), "float32"))
    with pytest.raises(ValueError, match="yielded no batch: the dataset is empty"):
        make().fit(empty.take(0), epochs=1, verbose=0)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="a JAX trainer behaviour")
def test_keras_jax_fit_still_fails_on_its_unset_logs_without_a_batch():
    # Why AdversarialModel.fit catches UnboundLocalError: once this fails, the pinned Keras
    # has fixed its JAX trainer and the except clause can go.
    import tensorflow as tf

    empty = tf.data.Dataset.from_tensors(np.zeros((PER_STEP * CRITIC_STEPS, 2), "float32"))
    with pytest.raises(UnboundLocalError, match="'logs'"):
        keras.Model.fit(make(), empty.take(0), epochs=1, verbose=0, shuffle=False)


@pytest.mark.skipif(keras.backend.backend() == "tensorflow",
                    reason="the SavedModel export itself is tested on TensorFlow")
def test_saved_model_export_asks_for_the_tensorflow_backend(tmp_path):
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=tensorflow"):
        kw.hub.export_saved_model(make(), tmp_path / "exported")


def test_image_arrays_outside_minus_one_one_are_refused_unless_asked():
    from tests.conftest import tiny_image_pair

    generator, critic = tiny_image_pair()
    gan = kw.NSGAN(generator=generator, discriminator=critic, latent_dim=8, seed=0)
    gan.compile()
    unscaled = np.random.default_rng(0).uniform(0, 255, (8, 28, 28, 1))  # float64
    for data in (unscaled, iter([unscaled[:4]])):
        with pytest.raises(ValueError, match=r"outside \[-1, 1\].*x / 127\.5 - 1"):
            gan.fit(data, batch_size=4, steps_per_epoch=1, verbose=0)
    with_nan = np.zeros((4, 28, 28, 1), "float32")
    with_nan[2, 3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf .*first in image 2"):
        gan.fit(with_nan, batch_size=4, verbose=0)
    # Within [-1, 1] up to rounding, and [0, 1], pass; check_range=False trains on anything.
    scaled = np.clip(unscaled / 127.5 - 1, -1, 1) * (1 + 1e-4)
    assert gan.fit(scaled, batch_size=4, verbose=0).history["d_loss"]
    assert gan.fit(unscaled, batch_size=4, verbose=0, check_range=False).history["d_loss"]


def test_fit_refuses_a_zero_step_epoch_and_negative_epochs():
    data = kw.data.toy_dataset("ring8", PER_STEP * CRITIC_STEPS, seed=0)  # endless
    with pytest.raises(ValueError, match="steps_per_epoch must be an integer >= 1, got 0"):
        make().fit(data, steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0, got -3"):
        make().fit(data, epochs=-3, steps_per_epoch=1, verbose=0)
