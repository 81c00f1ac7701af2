"""Class-conditional models: labels in the step, in the penalties, in `generate`, on disk."""

import keras
import numpy as np
import pytest
from keras import ops

import keras_wgan as kw
from keras_wgan import architectures
from keras_wgan.layers import GradientPenalty, R1Penalty, R2Penalty
from tests.backend_utils import one_variant_on_jax
from tests.margins import assert_within, seed_params

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

SEEDS = range(5)
K = 8  # ring8: one class per mode

# Measured by `python tests/scripts/seed_margins.py --cases conditional --seeds 0-9` on TF, JAX,
# TF with oneDNN off and TF with oneDNN at AVX2 (40 runs): see each line; chance is 1/8. Without
# the behaviour they fail (`--ablations`, seeds 0-2 on TF and JAX: labels drawn independently of
# the points): label_accuracy 0.11-0.15, worst_label_accuracy 0.00-0.09.
CONDITIONAL_BOUNDS = {
    "label_accuracy": (">", 0.6),  # measured 1.00-1.00
    "worst_label_accuracy": (">", 0.3),  # measured 1.00-1.00
}


def tiny_conditional_toy(cls=kw.NSGAN, num_classes=K, width=16, **kwargs):
    return cls(architectures.mlp_generator(2, 2, width, 2, num_classes=num_classes),
               architectures.mlp_critic(2, width, 2, num_classes=num_classes),
               num_classes=num_classes, seed=0, **kwargs)


def tiny_conditional_images(cls, num_classes=10, **kwargs):
    norm = "spectral" if cls.variant.critic_norm == "spectral" else None
    return cls(architectures.dcgan_generator(8, (28, 28, 1), 4, num_classes=num_classes),
               architectures.dcgan_critic((28, 28, 1), 4, norm=norm, num_classes=num_classes),
               num_classes=num_classes, seed=0, **kwargs)


def nearest_mode(points, name="ring8"):
    centres, _ = kw.data.mixture_modes(name)
    return np.linalg.norm(points[:, None, :] - centres[None], axis=-1).argmin(axis=1)


def conditional_ring8_statistics(seed, steps=300, shuffle_labels=False):
    """Train a conditional NSGAN on ring8 labelled by mode for ``steps`` generator steps; the
    share of samples generated for label k that lie nearest mode k (mean and worst label).

    ``shuffle_labels`` (the ablation) trains on labels drawn independently of the points.
    """
    keras.utils.set_random_seed(seed)
    gan = kw.NSGAN(architectures.mlp_generator(2, 2, 64, 2, num_classes=K),
                   architectures.mlp_critic(2, 64, 2, num_classes=K), num_classes=K,
                   seed=seed, critic_steps=1)
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    data = kw.data.toy_dataset("ring8", 64, seed=seed, labels=True)
    if shuffle_labels:
        import tensorflow as tf

        data = data.map(lambda x, y: (x, tf.random.shuffle(y, seed=seed)))
    gan.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    labels = np.repeat(np.arange(K), 100)
    hits = nearest_mode(gan.generate(len(labels), seed=10_000 + seed, labels=labels)) == labels
    per_label = [hits[labels == k].mean() for k in range(K)]
    return {"label_accuracy": float(hits.mean()), "worst_label_accuracy": float(min(per_label))}


@pytest.mark.parametrize("seed", seed_params(SEEDS))
def test_samples_of_label_k_land_at_mode_k(seed):
    assert_within(conditional_ring8_statistics(seed), CONDITIONAL_BOUNDS)


# --- generate -------------------------------------------------------------------------


def test_generate_takes_none_an_int_or_one_label_per_sample():
    gan = tiny_conditional_toy()
    for labels in (None, 3, np.arange(6) % K, (np.arange(6) % K)[:, None], [0, 1, 2, 3, 4, 5]):
        samples = gan.generate(6, seed=0, labels=labels)
        assert samples.shape == (6, 2) and samples.dtype == np.float32
    assert gan.generate(0, labels=2).shape == (0, 2)
    same = gan.generate(5, seed=1, labels=4), gan.generate(5, seed=1, labels=4)
    np.testing.assert_array_equal(*same)
    np.testing.assert_array_equal(gan.generate(5, seed=1, labels=None),
                                  gan.generate(5, seed=1, labels=None))
    # The label reaches the generator: another class, other samples from the same noise.
    assert not np.allclose(same[0], gan.generate(5, seed=1, labels=5))
    # labels=k is exactly the generator's output for noise of the seed and that label.
    noise = kw.sampling.latent_noise(5, 2, seed=1)
    np.testing.assert_allclose(
        same[0], ops.convert_to_numpy(gan.generator([noise, np.full(5, 4, "int32")])),
        rtol=1e-6, atol=1e-6)


def test_labels_none_follow_the_training_label_frequencies():
    gan = tiny_conditional_toy()
    gan.compile()
    # Before any fit: uniform over the classes.
    drawn = gan.sample_labels(8000, seed=0)
    np.testing.assert_allclose(np.bincount(drawn, minlength=K) / 8000, 1 / K, atol=0.02)
    points = kw.data.sample("ring8", 128, seed=0)
    labels = np.array([0] * 96 + [1] * 32)  # classes 0 and 1 only, 3:1
    gan.fit(points, labels, batch_size=32, epochs=1, verbose=0)
    counts = ops.convert_to_numpy(gan.label_counts)
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=K))
    drawn = gan.sample_labels(8000, seed=1)
    assert set(np.unique(drawn)) <= {0, 1}
    assert abs((drawn == 1).mean() - counts[1] / counts.sum()) < 0.03
    np.testing.assert_array_equal(drawn, gan.sample_labels(8000, seed=1))


def test_generate_uses_the_generator_ema():
    gan = tiny_conditional_toy(ema_decay=0.9)
    gan.compile()
    points, labels = kw.data.sample("ring8", 256, seed=0, labels=True)
    gan.fit(points, labels, batch_size=64, epochs=1, verbose=0)
    noise = kw.sampling.latent_noise(6, 2, seed=3)
    six = np.full(6, 6, "int32")
    np.testing.assert_allclose(gan.generate(6, seed=3, labels=6),
                               ops.convert_to_numpy(gan.ema_generator([noise, six])),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(gan.generate(6, seed=3, labels=6),
                           gan.generate(6, seed=3, labels=6, use_ema=False))


# --- the projection critic, conditional batch norm, penalties -------------------------


@pytest.mark.parametrize("builder", ["mlp", "dcgan"])
def test_projection_critic_is_psi_of_phi_plus_embedding_dot_phi(builder):
    rng = np.random.default_rng(0)
    if builder == "mlp":
        critic = architectures.mlp_critic(2, 8, 2, num_classes=5)
        x = rng.normal(size=(6, 2)).astype("float32")
        features = critic.get_layer("hidden1").output
    else:
        critic = architectures.dcgan_critic((28, 28, 1), 4, num_classes=5)
        x = rng.uniform(-1, 1, size=(6, 28, 28, 1)).astype("float32")
        features = critic.get_layer("score").input
    labels = np.array([0, 1, 2, 3, 4, 2], "int32")
    phi = ops.convert_to_numpy(keras.Model(critic.inputs[0], features)(x)).astype("float64")
    kernel, bias = critic.get_layer("score").get_weights()
    (table,) = critic.get_layer("class_embedding").get_weights()
    # Give the embedding distinct rows (its initial values are small) so a wrong row shows.
    table = rng.normal(size=table.shape).astype("float32")
    critic.get_layer("class_embedding").set_weights([table])
    expected = phi @ kernel + bias + np.sum(table[labels] * phi, axis=1, keepdims=True)
    got = ops.convert_to_numpy(critic([x, labels]))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_spectral_projection_critic_normalizes_the_class_embedding():
    critic = architectures.mlp_critic(2, 8, 2, norm="spectral", num_classes=4)
    wrapped = critic.get_layer("class_embedding_sn")
    table = np.random.default_rng(0).normal(size=(4, 8)).astype("float32") * 5
    wrapped.layer.set_weights([table])
    for _ in range(30):  # power iterations refine u in training calls
        critic([np.zeros((2, 2), "float32"), np.array([0, 1])], training=True)
    sigma = np.linalg.svd(table, compute_uv=False)[0]
    assert wrapped.spectral_norm_estimate() == pytest.approx(sigma, rel=1e-2)


def test_conditional_batch_norm_applies_the_label_s_scale_and_shift():
    layer = architectures.ConditionalBatchNormalization(3, epsilon=1e-5)
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(6, 4, 4, 2)).astype("float32")
    labels = np.array([0, 1, 2, 0, 1, 2])
    layer.build([x.shape, labels.shape])
    gamma = np.array([[1, 2], [3, 4], [5, 6]], "float32")
    beta = np.array([[0, 1], [2, 3], [4, 5]], "float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    got = ops.convert_to_numpy(layer([x, labels], training=True))
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    normalized = (x - mean) / np.sqrt(var + 1e-5)
    expected = normalized * gamma[labels][:, None, None, :] + beta[labels][:, None, None, :]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def label_linear_critic(rows):
    """``f(x, y) = w_y . x``: its input gradient at any ``x`` is the label's row ``w_y``."""
    x, y = keras.Input((2,)), keras.Input((), dtype="int32")
    table = keras.layers.Embedding(len(rows), 2, name="rows")
    critic = keras.Model([x, y], keras.layers.Dot(axes=1)([table(y), x]))
    table.set_weights([np.asarray(rows, "float32")])
    return critic


@pytest.mark.parametrize("name, penalty", [
    ("gradient_penalty", GradientPenalty(10.0)),
    ("r1_penalty", R1Penalty(4.0)),
    ("r2_penalty", R2Penalty(4.0)),
], ids=["gp", "r1", "r2"])
def test_penalties_differentiate_the_critic_at_the_examples_own_labels(name, penalty):
    rows = [[3.0, 4.0], [0.6, 0.8], [0.0, 0.5]]  # |w_y| = 5, 1, 0.5
    norms = np.linalg.norm(rows, axis=1)
    gan = kw.WGAN(architectures.mlp_generator(2, 2, 8, 1, num_classes=3),
                  label_linear_critic(rows), num_classes=3, penalties={name: penalty},
                  clip_value="none")
    rng = np.random.default_rng(0)
    real, fake = (rng.normal(size=(6, 2)).astype("float32") for _ in range(2))
    labels = np.array([0, 1, 2, 1, 1, 0], "int32")
    _, stats = gan._discriminator_loss(ops.convert_to_tensor(real), ops.convert_to_tensor(fake),
                                       training=True, labels=ops.convert_to_tensor(labels))
    def expected(at):  # the penalty with the critic's gradient norm at each example = at
        return 10.0 * np.mean((at - 1.0) ** 2) if name == "gradient_penalty" else (
            2.0 * np.mean(at ** 2))

    assert float(stats[name]) == pytest.approx(expected(norms[labels]), rel=1e-5)
    # Scored at any other labels (here: all class 0) the penalty would differ.
    assert not np.isclose(float(stats[name]), expected(norms[np.zeros_like(labels)]))


# --- every variant, on disk ------------------------------------------------------------


MODELS = [variant.model_class for variant in kw.models.VARIANTS.values()]


@pytest.mark.parametrize("cls", one_variant_on_jax(MODELS))
def test_every_variant_fits_conditionally_saves_loads_and_fits_again(cls, tmp_path):
    # Two critic steps instead of the papers' five keep the run short; slices are still split.
    gan = tiny_conditional_images(cls, ema_decay=0.9,
                                  critic_steps=2 if cls.default_critic_steps > 1 else None)
    gan.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (4 * gan.critic_steps, 28, 28, 1)).astype("float32")
    labels = rng.integers(0, 10, len(images))
    gan.fit(images, labels, batch_size=2 * gan.critic_steps, epochs=1, verbose=0)
    assert float(ops.convert_to_numpy(gan.label_counts).sum()) == len(images)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is cls and loaded.num_classes == 10
    assert loaded.get_config()["num_classes"] == 10
    np.testing.assert_array_equal(ops.convert_to_numpy(loaded.label_counts),
                                  ops.convert_to_numpy(gan.label_counts))
    for which in ({}, {"use_ema": False}):
        np.testing.assert_allclose(loaded.generate(10, seed=4, labels=np.arange(10), **which),
                                   gan.generate(10, seed=4, labels=np.arange(10), **which),
                                   atol=1e-6)
    np.testing.assert_array_equal(loaded.generate(3, seed=2), gan.generate(3, seed=2))
    loaded.fit(images, labels, batch_size=2 * gan.critic_steps, epochs=1, verbose=0)
    assert loaded.generator_optimizer.iterations.numpy() == 4


def test_conditional_batch_norm_generator_with_an_average_round_trips(tmp_path):
    gan = kw.NSGAN(architectures.dcgan_generator(8, (8, 8, 1), 4, norm="conditional_batch",
                                                 num_classes=3),
                   architectures.dcgan_critic((8, 8, 1), 4, num_classes=3), num_classes=3,
                   ema_decay=0.5, seed=0)
    gan.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    gan.fit(images, np.arange(8) % 3, batch_size=4, epochs=2, verbose=0)
    # The per-class scales moved apart in training, and the average follows them.
    cbn = gan.generator.get_layer("project_norm")
    assert np.abs(np.diff(ops.convert_to_numpy(cbn.gamma), axis=0)).max() > 0
    gan.save(tmp_path / "cbn.keras")
    loaded = keras.saving.load_model(tmp_path / "cbn.keras")
    for labels in (0, 2, [0, 1, 2, 1]):
        np.testing.assert_allclose(loaded.generate(4, seed=1, labels=labels),
                                   gan.generate(4, seed=1, labels=labels), atol=1e-6)


def test_config_round_trip_keeps_num_classes():
    gan = tiny_conditional_toy(kw.WGANGP, critic_steps=2)
    clone = kw.WGANGP.from_config(gan.get_config())
    assert clone.num_classes == K and clone.conditional
    assert kw.WGANGP.from_config({**tiny_unconditional().get_config()}).num_classes is None


def tiny_unconditional():
    return kw.NSGAN(architectures.mlp_generator(2, 2, 8, 1), architectures.mlp_critic(2, 8, 1),
                    seed=0)


def test_an_unconditional_model_ignores_labels_and_keeps_no_label_state():
    gan = tiny_unconditional()
    assert gan.num_classes is None and gan.label_counts is None
    assert gan.get_config()["num_classes"] is None
    points, labels = kw.data.sample("ring8", 64, seed=0, labels=True)
    weights = []
    for with_labels in (False, True):
        keras.utils.set_random_seed(0)
        gan = tiny_unconditional()
        gan.compile()
        gan.fit(points, labels if with_labels else None, batch_size=32, epochs=1, verbose=0,
                shuffle=False)
        weights.append(gan.generator.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


# --- bad input: one line naming the fix -------------------------------------------------


def test_fit_without_labels_is_refused():
    gan = tiny_conditional_toy()
    gan.compile()
    points = kw.data.sample("ring8", 64, seed=0)
    missing = r"^This model is class-conditional \(num_classes=8\) but the data has no labels"
    with pytest.raises(ValueError, match=missing):
        gan.fit(points, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=missing):
        gan.fit(kw.data.toy_dataset("ring8", 32, seed=0), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match=missing):
        gan.fit(iter([points[:32]]), verbose=0)


@pytest.mark.parametrize("labels, match", [
    (np.full(64, 8), r"labels must be in \[0, 8\) \(num_classes=8\), got 8: map the classes"),
    (np.full(64, -1), r"labels must be in \[0, 8\) \(num_classes=8\), got -1"),
    (np.zeros(64, "float32"), r"labels must be integer class indices in \[0, 8\), got dtype "
                              r"float32: convert them"),
    (np.array(["a"] * 64), "labels must be integer class indices"),
    (np.eye(8, dtype="int32")[np.zeros(64, int)], r"must have shape \(n,\) or \(n, 1\).*argmax"),
    (np.zeros(10, "int32"), "labels holds 10 labels for 64 examples"),
])
def test_bad_numpy_labels_are_refused_before_training(labels, match):
    gan = tiny_conditional_toy()
    gan.compile()
    points = kw.data.sample("ring8", 64, seed=0)
    with pytest.raises(ValueError, match=match):
        gan.fit(points, labels, batch_size=32, verbose=0)
    assert gan.generator_optimizer.iterations.numpy() == 0


def test_bad_labels_in_a_dataset_are_refused():
    import tensorflow as tf

    gan = tiny_conditional_toy()
    gan.compile()
    points = kw.data.sample("ring8", 64, seed=0)
    floats = tf.data.Dataset.from_tensor_slices((points, np.zeros(64, "float32"))).batch(32)
    with pytest.raises(ValueError, match="Labels must be integer class indices in"):
        gan.fit(floats, verbose=0)
    # Out of range in the second batch: found as it streams, one line.
    labels = np.concatenate([np.zeros(32), np.full(32, 9)]).astype("int32")
    outside = tf.data.Dataset.from_tensor_slices((points, labels)).batch(32)
    with pytest.raises(ValueError, match=r"^A batch of labels holds values outside \[0, 8\) "
                                         r"\(num_classes=8\): map the classes to 0..7"):
        gan.fit(outside, verbose=0)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 8\)"):
        gan.fit(iter([(points[:32], labels[32:])]), verbose=0)


@pytest.mark.parametrize("labels, match", [
    (8, r"labels= must be in \[0, 8\) \(num_classes=8\), got 8"),
    (-1, r"labels= must be in \[0, 8\)"),
    (2.0, "labels= must be integer class indices"),
    (True, "labels= must be integer class indices"),
    ([1, 2], "labels= holds 2 labels for 4 examples: pass one label per example"),
    (np.zeros((4, 2), "int32"), r"labels= must have shape \(n,\) or \(n, 1\)"),
    (np.full(4, 8), r"labels= must be in \[0, 8\)"),
])
def test_bad_generate_labels_are_refused(labels, match):
    with pytest.raises(ValueError, match=match):
        tiny_conditional_toy().generate(4, labels=labels)


def test_labels_for_an_unconditional_model_are_refused():
    with pytest.raises(ValueError, match="labels= is for class-conditional models"):
        tiny_unconditional().generate(4, labels=1)


@pytest.mark.parametrize("value", [1, 0, -3, 2.5, "10", True, float("nan")])
def test_num_classes_must_be_an_integer_of_at_least_two(value):
    with pytest.raises(ValueError, match=r"^num_classes must be an integer >= 2 \(the number "
                                         r"of classes\), or None for an unconditional model"):
        kw.NSGAN(architectures.mlp_generator(2, 2, 8, 1), architectures.mlp_critic(2, 8, 1),
                 num_classes=value)
    with pytest.raises(ValueError, match="^num_classes must be an integer >= 2"):
        architectures.mlp_generator(2, 2, 8, 1, num_classes=value)


def test_networks_must_match_the_model_s_conditioning():
    plain = architectures.mlp_generator(2, 2, 8, 1), architectures.mlp_critic(2, 8, 1)
    labelled = (architectures.mlp_generator(2, 2, 8, 1, num_classes=3),
                architectures.mlp_critic(2, 8, 1, num_classes=3))
    with pytest.raises(ValueError, match=r"num_classes=3 needs a conditional generator taking "
                                         r"\[noise, labels\]"):
        kw.NSGAN(plain[0], labelled[1], num_classes=3)
    with pytest.raises(ValueError, match=r"num_classes=3 needs a conditional discriminator"):
        kw.NSGAN(labelled[0], plain[1], num_classes=3)
    with pytest.raises(ValueError, match="The generator takes 2 inputs .* pass num_classes="):
        kw.NSGAN(labelled[0], plain[1])
    with pytest.raises(ValueError, match="The discriminator takes 2 inputs"):
        kw.NSGAN(plain[0], labelled[1])
    with pytest.raises(ValueError, match="norm='conditional_batch' needs num_classes="):
        architectures.dcgan_generator(8, (28, 28, 1), 4, norm="conditional_batch")


# --- the hub: presets and .keras files of conditional models --------------------------


def trained_conditional_images(cls=kw.NSGAN):
    gan = tiny_conditional_images(cls, ema_decay=0.9)
    gan.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    gan.fit(images, np.array([7, 7, 7, 7, 7, 7, 1, 1]), batch_size=4, epochs=1, verbose=0)
    return gan


def test_a_conditional_preset_loads_and_generates_a_class(tmp_path):
    gan = trained_conditional_images()
    meta = kw.hub.save_preset(gan, tmp_path / "whole")
    assert meta["num_classes"] == 10 and meta["kind"] == "gan"
    assert meta["label_frequencies"][7] == pytest.approx(0.75)
    loaded = kw.hub.load(tmp_path / "whole")
    assert loaded.num_classes == 10 and loaded.conditional
    sevens = loaded.generate(16, seed=3, labels=7)
    assert sevens.shape == (16, 28, 28, 1)
    np.testing.assert_allclose(sevens, gan.generate(16, seed=3, labels=7), atol=1e-6)
    # labels=None draws from the recorded training frequencies: 7 three times in four.
    drawn = kw.sampling.class_labels(4000, 10, None, meta["label_frequencies"], seed=0)
    assert set(np.unique(drawn)) == {1, 7} and abs((drawn == 7).mean() - 0.75) < 0.03
    np.testing.assert_array_equal(loaded.generate(5, seed=2), loaded.generate(5, seed=2))
    # The generator alone, stored in float16 (as the preset builder stores it): its classes
    # are read from its label embedding.
    meta16 = kw.hub.save_preset(gan.sampling_generator, tmp_path / "g16", weights_dtype="float16")
    assert meta16["num_classes"] == 10 and "label_frequencies" not in meta16
    assert meta16["float16_max_abs_error"] <= meta16["float16_tolerance"]
    small = kw.hub.load(tmp_path / "g16")
    np.testing.assert_allclose(small.generate(16, seed=3, labels=7), sevens, atol=2e-2)
    with pytest.raises(ValueError, match=r"labels= must be in \[0, 10\)"):
        small.generate(2, labels=10)


def test_a_conditional_keras_file_loads_through_the_hub(tmp_path):
    gan = trained_conditional_images()
    gan.save(tmp_path / "gan.keras")
    generator = kw.hub.load(tmp_path / "gan.keras")
    assert generator.num_classes == 10
    np.testing.assert_allclose(generator.generate(4, seed=1, labels=[0, 1, 2, 3]),
                               gan.generate(4, seed=1, labels=[0, 1, 2, 3]), atol=1e-6)
    generator.save(tmp_path / "pretrained.keras")
    again = keras.saving.load_model(tmp_path / "pretrained.keras")
    assert again.num_classes == 10
    np.testing.assert_allclose(again.generate(4, seed=1, labels=9),
                               generator.generate(4, seed=1, labels=9), atol=1e-6)
    assert kw.hub.load(tmp_path / "gan.keras", whole_model=True).num_classes == 10


def test_preset_metadata_must_agree_with_the_generator_s_classes(tmp_path):
    import json

    kw.hub.save_preset(trained_conditional_images().sampling_generator, tmp_path / "p")
    metadata = json.loads((tmp_path / "p" / "metadata.json").read_text())
    metadata["num_classes"] = 12
    (tmp_path / "p" / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(kw.hub.PresetFormatError,
                       match="metadata.json gives num_classes 12 but the model has 10"):
        kw.hub.load(tmp_path / "p")


def test_labels_for_an_unconditional_preset_are_refused(tmp_path):
    kw.hub.save_preset(tiny_unconditional(), tmp_path / "plain")
    with pytest.raises(ValueError, match="labels= is for class-conditional generators"):
        kw.hub.load(tmp_path / "plain").generate(2, labels=1)


# --- figures and the command line -------------------------------------------------------


def test_sample_grids_have_one_class_per_row(tmp_path):
    from PIL import Image

    from keras_wgan import plotting
    from keras_wgan.training import callbacks

    gan = trained_conditional_images()
    samples, labels, columns = plotting.model_samples(gan, 64, seed=0)
    assert columns == 6 and labels.tolist() == [k for k in range(10) for _ in range(6)]
    np.testing.assert_array_equal(samples, gan.generate(60, seed=0, labels=labels))
    grid = callbacks.SampleGrid(tmp_path / "samples", n=64)
    grid.set_model(gan)
    grid.on_epoch_end(0)
    with Image.open(tmp_path / "samples" / "epoch_001.png") as picture:
        # 10 rows and 6 columns of 28 + 2 pixels (plus a 2-pixel border), drawn at 2x.
        assert picture.size == ((6 * 30 + 2) * 2, (10 * 30 + 2) * 2)
    toy = tiny_conditional_toy()
    grid = callbacks.SampleGrid(tmp_path / "toy", n=16, real=kw.data.sample("ring8", 16))
    grid.set_model(toy)
    grid.on_epoch_end(0)
    assert (tmp_path / "toy" / "epoch_001.png").stat().st_size > 0


def test_sample_command_draws_a_class_or_one_class_per_row(tmp_path, capsys):
    from keras_wgan.app import cli

    trained_conditional_images().save(tmp_path / "gan.keras")
    assert cli.main(["sample", str(tmp_path / "gan.keras"), "--n", "20",
                     "--out", str(tmp_path / "rows.png")]) == 0
    assert "wrote 20 samples" in capsys.readouterr().out
    assert cli.main(["sample", str(tmp_path / "gan.keras"), "--n", "8", "--label", "7",
                     "--out", str(tmp_path / "sevens.png")]) == 0
    assert (tmp_path / "sevens.png").exists()
    code = cli.main(["sample", str(tmp_path / "gan.keras"), "--label", "10",
                     "--out", str(tmp_path / "bad.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "--label 10: " in err and "classes 0 to 9" in err
    tiny_unconditional().save(tmp_path / "plain.keras")
    code = cli.main(["sample", str(tmp_path / "plain.keras"), "--label", "1",
                     "--out", str(tmp_path / "plain.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "is not class-conditional; drop --label" in err
    assert not (tmp_path / "bad.png").exists() and not (tmp_path / "plain.png").exists()


def test_train_command_trains_a_conditional_model_on_a_labelled_folder(tmp_path, capsys):
    from PIL import Image

    from keras_wgan.app import cli
    from tests.test_data_labels import class_folder

    folder = class_folder(tmp_path / "pets")
    out = tmp_path / "run"
    flags = ["--model", "nsgan", "--epochs", "1", "--width", "4", "--latent-dim", "4",
             "--batch-size", "6", "--conditional"]
    assert cli.main(["train", "--data", str(folder), "--out", str(out), *flags]) == 0
    assert "class-conditional, 3 classes" in capsys.readouterr().out
    gan = keras.saving.load_model(out / "checkpoint.keras")
    assert gan.num_classes == 3 and float(ops.convert_to_numpy(gan.label_counts).sum()) == 12
    with Image.open(out / "samples" / "epoch_001.png") as picture:
        # 3 rows (one per class) of 64 // 3 = 21 samples of 8 + 2 pixels, drawn at 2x.
        assert picture.size == ((21 * 10 + 2) * 2, (3 * 10 + 2) * 2)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / "stray.png")
    code = cli.main(["train", "--data", str(folder), "--out", str(tmp_path / "bad"), *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "needs one subfolder per class" in err
    code = cli.main(["train", "--data", "toy:swiss_roll", "--steps-per-epoch", "2",
                     "--out", str(tmp_path / "toy"), *flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--conditional needs labelled data, and toy:swiss_roll has no" in err


# --- recipes and their measurements ------------------------------------------------------


def conditional_recipe(base, num_classes, name):
    import copy

    recipe = copy.deepcopy(base)
    recipe["name"] = f"test/{name}"
    recipe["model"]["num_classes"] = num_classes
    return recipe


def test_a_conditional_toy_recipe_builds_and_measures_each_label(tmp_path, monkeypatch):
    from keras_wgan.presets import builder
    from keras_wgan.presets.recipe import validate_recipe
    from tests.test_presets_recipes import TINY_TOY

    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    recipe = validate_recipe(conditional_recipe(TINY_TOY, 25, "grid_by_mode"))
    meta = builder.build_preset(recipe, tmp_path, log=None)
    metrics = meta["metrics"]
    assert meta["num_classes"] == 25 and len(metrics["label_accuracies"]) == 25
    assert 0 <= metrics["min_label_accuracy"] <= metrics["label_accuracy"] <= 1
    generator = kw.hub.load(str(tmp_path / "test" / "grid_by_mode"))
    assert generator.num_classes == 25 and generator.generate(4, labels=24).shape == (4, 2)


@pytest.mark.slow_on_jax  # 27 s there; make test runs it on TensorFlow and PyTorch
def test_a_conditional_mnist_recipe_trains_on_the_digits_labels(tmp_path, monkeypatch):
    from keras_wgan.presets import builder, train
    from keras_wgan.presets.recipe import validate_recipe
    from tests.test_presets_recipes import TINY_MNIST, _write_idx

    rng = np.random.default_rng(0)
    folder = tmp_path / "mnist"
    folder.mkdir()
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (40, 28, 28)))
    digits = np.arange(40) % 10
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", digits)
    monkeypatch.setenv("KERAS_WGAN_MNIST", str(folder))
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    recipe = validate_recipe(conditional_recipe(TINY_MNIST, 10, "digits"))
    real, _ = train.load_real(recipe)
    np.testing.assert_array_equal(real.labels, digits)
    assert real[:3].labels is None and np.asarray(real).shape == (40, 28, 28, 1)
    gan = train.make_model(recipe)
    assert gan.num_classes == 10 and gan.generator.inputs[1].shape == (None,)
    lines = []
    meta = builder.build_preset(recipe, tmp_path / "presets", log=lines.append)
    assert lines[0] == "training test/digits for 2 steps on 40 images"
    metrics = meta["metrics"]
    assert len(metrics["label_accuracies"]) == 10 and metrics["label_accuracy_target"] == 0.97
    assert metrics["meets_label_target"] is (metrics["min_label_accuracy"] >= 0.97)
    loaded = kw.hub.load(str(tmp_path / "presets" / "test" / "digits"))
    assert loaded.generate(16, labels=7).shape == (16, 28, 28, 1)


@pytest.mark.parametrize("data, num_classes, match", [
    ({"source": "mnist", "split": "test"}, 9, "model.num_classes is 9, but MNIST has 10 digits: "
                                              "use 10"),
    ({"source": "toy", "name": "ring8"}, 25, "ring8 has one class per mode: use 8"),
    ({"source": "toy", "name": "swiss_roll"}, 2, "toy data 'swiss_roll' has no classes"),
    ({"source": "toy", "name": "ring8"}, 1, "model.num_classes is 1; use a whole number >= 2"),
    ({"source": "toy", "name": "ring8"}, "8", "model.num_classes is '8'; use a whole number"),
])
def test_a_recipe_s_classes_must_be_its_data_s(data, num_classes, match):
    from keras_wgan.presets.recipe import RecipeError, validate_recipe
    from tests.test_presets_recipes import TINY_MNIST, TINY_TOY

    recipe = conditional_recipe(TINY_MNIST if data["source"] == "mnist" else TINY_TOY,
                                num_classes, "bad")
    recipe["data"] = data
    with pytest.raises(RecipeError, match=match):
        validate_recipe(recipe, "recipe.json")


class RealDigits:
    """A stand-in conditional generator whose samples for label k are real MNIST images of the
    digit ``(k + shift) % 10``."""

    num_classes = 10

    def __init__(self, images, labels, shift=0):
        self.by_digit = {d: images[labels == d] for d in range(10)}
        self.shift = shift

    def generate(self, n, seed=None, labels=None):
        return np.stack([self.by_digit[(int(k) + self.shift) % 10][i % 50]
                         for i, k in enumerate(labels)])


def test_the_per_label_check_reads_each_label_s_digits(mnist_dir):
    from keras_wgan.data.mnist import load_mnist
    from keras_wgan.evaluation import MnistClassifier
    from keras_wgan.presets import measure

    images, labels = load_mnist(mnist_dir, labels=True)
    classifier = MnistClassifier()
    right = measure.mnist_label_accuracy(RealDigits(images, labels), classifier, 500, 0)
    assert right["min_label_accuracy"] > 0.9 and len(right["label_accuracies"]) == 10
    wrong = measure.mnist_label_accuracy(RealDigits(images, labels, shift=1), classifier, 500, 0)
    assert wrong["label_accuracy"] < 0.1 and wrong["meets_label_target"] is False


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute")
def test_label_counts_are_the_data_s_on_two_replicas():
    import json
    import os
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).parent / "scripts" / "mirrored_labels.py"
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Each replica counts its half of every batch; a mirrored (not on-read) variable doubled
    # the total at each step (960 instead of 256 after 4 batches).
    assert report["counts"] == report["expected"] and sum(report["counts"]) == 256
    assert all(np.isfinite(v[-1]) for v in report["history"].values())
    assert np.isfinite(report["samples"]).all()
