"""The presets shipped in keras_wgan/presets/: they load offline, sample, and keep their word."""

import json
import pathlib

import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.presets import PRESETS_DIR

# Every bundled preset; the tests of tests/test_presets_recipes.py read this list too.
BUNDLED = ("wgan_gp/grid25", "wgan_gp/ring8", "wgan_gp/mnist", "wgan_gp/mnist_conditional",
           "nsgan/mnist", "gan/mnist", "wgan/mnist")
MNIST_PRESETS = tuple(name for name in BUNDLED if name.split("/")[1].startswith("mnist"))
TOY_PRESETS = tuple(name for name in BUNDLED if name not in MNIST_PRESETS)
FILES = ("config.json", "model.weights.h5", "metadata.json")


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))


def _metadata(name):
    with open(PRESETS_DIR / name / "metadata.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_preset_is_listed_with_its_files(name):
    assert name in kw.hub.list_presets()
    for file in FILES:
        assert (PRESETS_DIR / name / file).is_file(), f"{name} lacks {file}"


def test_bundled_presets_stay_under_10_mb():
    total = sum(p.stat().st_size for p in pathlib.Path(PRESETS_DIR).rglob("*") if p.is_file())
    assert total < 10 * 2**20, f"bundled presets take {total / 2**20:.2f} MiB"


@pytest.mark.parametrize("name", BUNDLED)
def test_metadata_is_complete(name):
    meta = _metadata(name)
    for key in ("description", "family", "model", "dataset", "training_steps", "metrics",
                "recipe", "latent_dim", "output_shape", "files", "weights_dtype"):
        assert meta.get(key) not in (None, "", {}), f"{name}: metadata lacks {key}"
    assert meta["family"] == name.split("/")[0]
    training = meta["recipe"]["training"]
    # The recipe's steps, unless its wall-clock budget ran out first (the metadata says so).
    if "budget_seconds" in training:
        assert 0 < meta["training_steps"] <= training["steps"]
    else:
        assert meta["training_steps"] == training["steps"] > 0
    if meta["weights_dtype"] == "float16":
        assert meta["float16_max_abs_error"] <= meta["float16_tolerance"]


def test_every_bundled_preset_has_a_recipe_and_every_recipe_a_preset():
    from keras_wgan.presets.recipe import find_recipes

    assert sorted(find_recipes()) == sorted(BUNDLED)
    assert sorted(kw.hub.list_presets()) == sorted(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_metadata_holds_the_recipe_file_itself(name):
    # One source of truth: the recipe beside the preset is the one its metadata records, so a
    # recipe edited without rebuilding the preset fails here.
    from keras_wgan.presets.recipe import load_recipe

    meta = _metadata(name)
    recipe = load_recipe(PRESETS_DIR / name / "recipe.json")
    assert meta["recipe"] == recipe
    assert meta["description"] == recipe["description"]
    assert meta["model"] == recipe["model"]["variant"]
    for key, value in recipe["evaluation"].items():
        assert meta["evaluation"][key] == value, key


@pytest.mark.parametrize("name", BUNDLED)
def test_recipe_builds_the_stored_generator_architecture(name):
    # The recipe's networks, as shipped (float32 whatever training.dtype_policy they trained
    # under), serialize exactly as the stored config.json: it describes the model these
    # weights were trained as, layer for layer.
    import keras

    from keras_wgan import precision
    from keras_wgan.presets import train
    from keras_wgan.presets.recipe import load_recipe

    recipe = load_recipe(PRESETS_DIR / name / "recipe.json")
    keras.backend.clear_session()  # restart Keras's automatic layer names (reshape, re_lu...)
    generator = precision.as_float32(train.make_model(recipe).generator)
    stored = json.loads((PRESETS_DIR / name / "config.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(keras.saving.serialize_keras_object(generator))) == stored


@pytest.mark.parametrize("name", TOY_PRESETS)
def test_toy_metadata_records_its_metrics(name):
    from keras_wgan.data import mixture_modes

    meta = _metadata(name)
    metrics = meta["metrics"]
    centres, std = mixture_modes(meta["dataset"]["name"])
    assert meta["dataset"]["std"] == pytest.approx(std)
    assert metrics["n_modes"] == len(centres)
    assert 0 <= metrics["modes_covered"] <= len(centres) and 0.0 <= metrics["hq_rate"] <= 1.0
    assert metrics["w1"] > 0 and metrics["w1_noise_floor"] > 0
    assert metrics["w1_ratio"] == pytest.approx(metrics["w1"] / metrics["w1_noise_floor"], rel=1e-2)


@pytest.mark.parametrize("name", MNIST_PRESETS)
def test_mnist_metadata_says_what_it_was_trained_on(name):
    meta = _metadata(name)
    assert meta["dataset"]["n_images"] == 10_000
    assert "test split" in meta["dataset"]["name"]
    assert meta["metrics"]["classifier_fid"] >= 0
    assert 1.0 <= meta["metrics"]["inception_score"] <= 10.0
    assert 0 <= meta["metrics"]["digits_covered"] <= 10


@pytest.mark.parametrize("name", MNIST_PRESETS)
def test_mnist_preset_holds_its_recorded_metrics(name):
    # The stored float16 weights, measured again by the recipe's own protocol (5,000 samples
    # against the 10,000 training images in the bundled classifier's feature space), give the
    # numbers the metadata (and README's table) records. Another CPU computes the convolutions
    # in another order: the tolerances allow for that, not for another model.
    from keras_wgan.data.mnist import find_mnist
    from keras_wgan.presets import measure, train

    if find_mnist() is None:
        pytest.skip("MNIST not found (../shared/data/mnist or $KERAS_WGAN_MNIST)")
    meta = _metadata(name)
    recipe = meta["recipe"]
    real, _ = train.load_real(recipe)
    got = measure.measure(kw.hub.load(name), recipe, measure.prepare(recipe, real))
    want = meta["metrics"]
    assert got["classifier_fid"] == pytest.approx(want["classifier_fid"], rel=0.03, abs=0.05)
    assert got["inception_score"] == pytest.approx(want["inception_score"], abs=0.05)
    assert got["digits_covered"] == want["digits_covered"]
    np.testing.assert_allclose(got["digit_shares"], want["digit_shares"], atol=0.005)
    if "label_accuracies" in want:  # a conditional preset: each label's digits read back
        np.testing.assert_allclose(got["label_accuracies"], want["label_accuracies"], atol=0.005)
        assert got["meets_label_target"] == want["meets_label_target"]


def test_the_conditional_preset_draws_the_digit_it_is_asked_for():
    # generate(labels=k) through the hub, on the stored weights; the bundled classifier reads
    # each label's digits back (recorded: 96.0-100% per label on 500 each; bound 0.9 on 50).
    from keras_wgan.evaluation import MnistClassifier

    generator = kw.hub.load("wgan_gp/mnist_conditional")
    assert generator.num_classes == 10
    labels = np.repeat(np.arange(10, dtype="int32"), 50)
    predicted = MnistClassifier().predict(generator.generate(len(labels), seed=7, labels=labels))
    for digit in range(10):
        assert np.mean(predicted[labels == digit] == digit) >= 0.9, digit


# What each toy preset is held to on its shipped (float16) weights, PacGAN's 2,500 samples:
# every mode, the high-quality share (within 3 std of a centre) and W1 against its noise
# floor: the targets. Recorded (24,000 steps, EMA): grid25 96.5%, W1 1.09x; ring8
# 98.6%, W1 1.04x. Stored weights are evaluated, not trained, here, so the margins (1.5 and
# 0.6 points) only have to absorb kernel rounding, measured below 2e-3.
TOY_FLOORS = {"wgan_gp/grid25": {"hq_rate": 0.95, "w1_ratio": 1.5},
              "wgan_gp/ring8": {"hq_rate": 0.98, "w1_ratio": 1.5}}


@pytest.mark.parametrize("name", TOY_PRESETS)
def test_toy_preset_covers_its_modes_with_the_bundled_weights(name):
    generator = kw.hub.load(name)
    meta = generator.metadata
    samples = generator.generate(meta["evaluation"]["n_samples"],
                                 seed=meta["evaluation"]["sample_seed"])
    assert samples.shape == (meta["evaluation"]["n_samples"], 2)
    stats = kw.evaluation.toy_mode_stats(samples, meta["dataset"]["name"])
    assert stats["modes_covered"] == stats["n_modes"]
    assert stats["hq_rate"] >= TOY_FLOORS[name]["hq_rate"]
    assert meta["metrics"]["w1_ratio"] <= TOY_FLOORS[name]["w1_ratio"]
    # The same noise through the same stored weights reproduces the recorded metrics.
    assert stats["modes_covered"] == meta["metrics"]["modes_covered"]
    assert stats["hq_rate"] == pytest.approx(meta["metrics"]["hq_rate"], abs=2e-3)


@pytest.mark.parametrize("name", MNIST_PRESETS)
def test_mnist_preset_generates_images_in_range(name):
    generator = kw.hub.load(name)
    assert generator.latent_dim == _metadata(name)["latent_dim"]
    images = generator.generate(8, seed=0)
    assert images.shape == (8, 28, 28, 1)
    assert np.all(np.isfinite(images)) and images.min() >= -1.0 and images.max() <= 1.0
    assert images.std() > 0.1  # not a constant image
    np.testing.assert_allclose(images, generator.generate(8, seed=0))


def test_toy_preset_figure_is_drawn_from_the_bundled_weights(tmp_path):
    from keras_wgan.presets import build

    path = tmp_path / "grid25.png"
    build.main(["--plot-toy", str(path)])
    assert path.stat().st_size > 10_000
    stats = build.plot_toy_preset(tmp_path / "again.png")
    assert stats["modes_covered"] == _metadata("wgan_gp/grid25")["metrics"]["modes_covered"]
