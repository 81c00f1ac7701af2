"""Recipe files and the one builder: bad recipes refused in one line, tiny recipes built end to end."""

import copy
import gzip
import json
import pathlib
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.presets import PRESETS_DIR, build, builder, measure
from keras_wgan.presets.recipe import RecipeError, find_recipes, load_recipe, validate_recipe
from tests.test_presets_bundled import BUNDLED

#: A grid25 recipe that trains and measures in a few seconds.
TINY_TOY = {
    "format": "keras_wgan.recipe", "format_version": 1, "name": "test/tiny_grid",
    "description": "tiny grid25 WGAN-GP for tests",
    "model": {"variant": "wgan_gp", "critic_steps": 2, "gradient_penalty": 10.0},
    "data": {"source": "toy", "name": "grid25"},
    "architecture": {"name": "mlp", "latent_dim": 2, "width": 8, "depth": 1,
                     "critic_fourier_features": 4, "critic_fourier_scale": 0.5},
    "optimizer": {"name": "adam", "learning_rate": 1e-3, "end_learning_rate": 0.0,
                  "beta_1": 0.5, "beta_2": 0.9},
    "training": {"steps": 3, "batch_size": 16, "seed": 0, "steps_per_fit": 2},
    "evaluation": {"protocol": "toy_modes", "n_samples": 200, "sample_seed": 7,
                   "w1_samples": 50, "w1_repeats": 1},
}
TINY_MNIST = {
    "format": "keras_wgan.recipe", "format_version": 1, "name": "test/tiny_mnist",
    "description": "tiny MNIST GAN for tests",
    "model": {"variant": "nsgan"},
    "data": {"source": "mnist", "split": "test"},
    "architecture": {"name": "dcgan", "latent_dim": 8, "width": 4},
    "optimizer": None,
    "training": {"steps": 2, "batch_size": 8, "seed": 1},
    "evaluation": {"protocol": "mnist_classifier", "n_samples": 32, "sample_seed": 3,
                   "reference": "training_data", "real_vs_real_samples": 16,
                   "real_vs_real_seed": 1},
}


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))


def _write(path, recipe):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recipe), encoding="utf-8")
    return path


def _changed(recipe, path, value):
    """A copy of ``recipe`` with the field at ``path`` (a tuple of keys) set, or deleted if ...."""
    recipe = copy.deepcopy(recipe)
    *parents, last = path
    target = recipe
    for key in parents:
        target = target.setdefault(key, {})  # an optional section the recipe lacks
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return recipe


def test_bundled_recipes_are_found_and_valid():
    found = find_recipes()
    assert sorted(found) == sorted(BUNDLED)
    for handle, path in found.items():
        assert load_recipe(path)["name"] == handle


def test_flat_views_read_the_recipe_files():
    # bench/ reads TOY_RECIPE / MNIST_RECIPE: views of the files, not a second copy.
    toy = load_recipe(PRESETS_DIR / "wgan_gp/grid25/recipe.json")
    assert build.TOY_RECIPE["steps"] == toy["training"]["steps"]
    assert build.TOY_RECIPE["critic_fourier_features"] == toy["architecture"]["critic_fourier_features"]
    assert build.TOY_RECIPE["end_learning_rate"] == toy["optimizer"]["end_learning_rate"]
    mnist = load_recipe(PRESETS_DIR / "wgan_gp/mnist/recipe.json")
    assert build.MNIST_RECIPE["learning_rate"] == mnist["optimizer"]["learning_rate"]
    assert build.MNIST_EVAL["n_samples"] == mnist["evaluation"]["n_samples"]


BAD_RECIPES = [
    (("format",), "other", "format is 'other' version 1"),
    (("name",), "no-slash", "name is 'no-slash'; use '<family>/<name>'"),
    (("model", "variant"), "wgan_typo", "model.variant is unknown"),
    (("model", "critic_step"), 5, "model.critic_step is not a setting of WGANGP"),
    (("model", "seed"), 3, "model.seed is not a setting of WGANGP"),
    (("data", "name"), "grid26", "data.name is 'grid26'; use one of"),
    (("data", "source"), "cifar", 'data must be an object whose "source" is one of toy, mnist'),
    (("architecture", "name"), "dcgan", "architecture.name is 'dcgan', which does not fit toy"),
    (("architecture", "width"), 0, "architecture.width is 0; use a whole number >= 1"),
    (("architecture", "widht"), 8, "architecture.widht is not a known field"),
    (("architecture", "critic_width"), 8, "architecture.critic_width is not a known field"),
    (("architecture", "depth"), ..., "architecture lacks 'depth'"),
    (("optimizer", "name"), "adamax", 'optimizer must be null (the paper\'s) or an object'),
    (("optimizer", "learning_rate"), -1.0, "optimizer.learning_rate is -1.0; use a finite number > 0"),
    (("optimizer", "beta1"), 0.5, "optimizer.beta1 is not a setting of adam"),
    (("training", "steps"), 1.5, "training.steps is 1.5; use a whole number >= 1"),
    (("training", "seed"), -1, "training.seed is -1; use a whole number >= 0"),
    (("training", "batch_size"), True, "training.batch_size is True"),
    (("evaluation", "protocol"), "mnist_classifier", "'mnist_classifier' measures mnist data, not toy"),
    (("evaluation", "w1_repeats"), ..., "evaluation lacks 'w1_repeats'"),
    (("evaluation", "n_samples"), 0, "evaluation.n_samples is 0"),
    (("epochs",), 3, "epochs is not a recipe section"),
    (("description",), ["a", "b"], "description is a JSON list; write it as a string"),
    (("architecture", "critic_fourier_scale"), ...,
     "architecture sets critic_fourier_features but not critic_fourier_scale"),
    (("storage", "weights_dtype"), "bfloat16",
     'storage.weights_dtype is \'bfloat16\'; use "float16" or "float32"'),
    (("storage", "float16_tolerance"), 0, "storage.float16_tolerance is 0; use a finite number > 0"),
    (("storage", "dtype"), "float16", "storage.dtype is not a known field"),
    (("training", "dtype_policy"), "bfloat16",
     "training.dtype_policy is 'bfloat16'; use 'float32', 'mixed_bfloat16', 'mixed_float16'"),
]


@pytest.mark.parametrize("path, value, message", BAD_RECIPES,
                         ids=[".".join(p) for p, _, _ in BAD_RECIPES])
def test_bad_recipe_is_refused_in_one_line_naming_the_field(tmp_path, path, value, message):
    file = _write(tmp_path / "recipe.json", _changed(TINY_TOY, path, value))
    with pytest.raises(RecipeError) as caught:
        load_recipe(file)
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert text.startswith(str(file))


@pytest.mark.parametrize("content, message", [
    ("{", "is not valid JSON (Expecting property name enclosed in double quotes at line 1"),
    ("[1, 2]", "the recipe is a JSON list; it must be an object"),
    (b"\xff\xfe", "is not UTF-8 text"),
])
def test_unreadable_recipe_file_is_refused_in_one_line(tmp_path, content, message):
    file = tmp_path / "recipe.json"
    (file.write_bytes if isinstance(content, bytes) else file.write_text)(content)
    with pytest.raises(RecipeError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_recipe(file)


def test_a_folder_reads_as_its_recipe_and_a_folder_without_one_is_refused(tmp_path):
    assert load_recipe(PRESETS_DIR / "wgan_gp" / "mnist")["name"] == "wgan_gp/mnist"
    with pytest.raises(RecipeError, match=f"{tmp_path} is a folder without a recipe.json"):
        load_recipe(tmp_path)


def test_recipe_named_unlike_its_preset_folder_is_refused(tmp_path):
    file = _write(tmp_path / "wgan_gp" / "other" / "recipe.json", TINY_TOY)
    with pytest.raises(RecipeError, match="name is 'test/tiny_grid' but the file sits in the "
                                          "preset folder wgan_gp/other"):
        load_recipe(file, expected_name="wgan_gp/other")
    assert list(find_recipes(tmp_path)) == ["wgan_gp/other"]  # discovered by folder, no code


def _build_main(argv, capsys):
    code = build.main(argv)
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


def test_cli_refuses_bad_input_with_status_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    bad = _write(tmp_path / "bad.json", _changed(TINY_TOY, ("training", "steps"), 0))
    cases = [
        (["--recipe", str(bad)], "training.steps is 0; use a whole number >= 1"),
        (["--recipe", str(tmp_path / "missing.json")], "no recipe file"),
        (["--only", "wgan_gp/nope"], "no bundled recipe for 'wgan_gp/nope'; known: "
                                     + ", ".join(sorted(BUNDLED))),
    ]
    for argv, message in cases:
        code, err = _build_main(argv + ["--out", str(out)], capsys)
        assert code == 2 and len(err) == 1 and message in err[0], (argv, err)
    assert not out.exists()
    with pytest.raises(SystemExit) as caught:
        build.main(["--only", "wgan_gp/grid25", "--steps", "0", "--out", str(out)])
    assert caught.value.code == 2 and not out.exists()
    assert capsys.readouterr().err == (
        "python -m keras_wgan.presets.build: error: argument --steps: '0' is not a whole number "
        ">= 1 (see python -m keras_wgan.presets.build --help)\n")  # one line, not the usage
    # A presets root that cannot be written was found only when the first preset was stored,
    # after its training (up to 90 minutes).
    (tmp_path / "a_file").write_text("a file, not a folder")
    code, err = _build_main(["--recipe", str(_write(tmp_path / "ok.json", TINY_TOY)), "--out",
                             str(tmp_path / "a_file")], capsys)
    assert code == 2 and err == [f"error: Cannot write to the presets root {tmp_path / 'a_file'} "
                                 "(File exists): choose a writable --out folder."], err


def test_cli_lists_the_bundled_recipes(capsys):
    assert build.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == sorted(BUNDLED)


def test_tiny_toy_recipe_builds_end_to_end(tmp_path, capsys):
    recipe_file = _write(tmp_path / "recipe.json", TINY_TOY)
    out = tmp_path / "presets"
    code, err = _build_main(["--recipe", str(recipe_file), "--steps", "2", "--out", str(out)],
                            capsys)
    assert code == 0, err
    folder = out / "test" / "tiny_grid"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "metadata.json",
                                                        "model.weights.h5", "recipe.json"]
    assert [p.name for p in out.joinpath("test").iterdir()] == ["tiny_grid"]  # no staging left
    meta = kw.hub.verify_preset(folder)
    expected = copy.deepcopy(TINY_TOY)
    expected["training"]["steps"] = 2  # --steps is recorded: the metadata says what ran
    assert meta["recipe"] == expected == json.loads((folder / "recipe.json").read_text())
    assert meta["training_steps"] == 2 and meta["model"] == "wgan_gp"
    assert meta["family"] == "test" and meta["critic_steps_per_step"] == 2
    assert meta["dataset"]["name"] == "grid25" and meta["dataset"]["n_modes"] == 25
    assert meta["weights_dtype"] == "float16" and "--steps 2" in meta["built_by"]
    # The metrics are those of the stored weights: measuring the loaded preset again gives them.
    generator = kw.hub.load(str(folder))
    assert measure.measure(generator, expected, {}) == meta["metrics"]
    assert meta["metrics"]["n_modes"] == 25 and 0 <= meta["metrics"]["hq_rate"] <= 1
    assert isinstance(kw.WGANGP.from_preset(str(folder)), kw.hub.PretrainedGenerator)


def _write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_tiny_mnist_recipe_builds_from_the_one_mnist_finder(tmp_path, monkeypatch):
    images = np.random.default_rng(0).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    folder = tmp_path / "mnist"
    folder.mkdir()
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    monkeypatch.setenv("KERAS_WGAN_MNIST", str(folder))
    recipe = validate_recipe(copy.deepcopy(TINY_MNIST))
    lines = []
    meta = builder.build_preset(recipe, tmp_path / "presets", log=lines.append)
    assert meta["dataset"]["n_images"] == 40 and meta["dataset"]["source"] == str(folder)
    assert meta["model"] == "nsgan" and meta["critic_steps_per_step"] == 1  # the paper's default
    assert meta["evaluation"]["reference_set"] == "all 40 training images"
    assert meta["evaluation"]["real_vs_real_fid"] >= 0
    metrics = meta["metrics"]
    assert metrics["classifier_fid"] > 0 and len(metrics["digit_shares"]) == 10
    assert sum(metrics["digit_shares"]) == pytest.approx(1.0, abs=1e-3)
    assert lines[0] == "training test/tiny_mnist for 2 steps on 40 images"
    generator = kw.NSGAN.from_preset(str(tmp_path / "presets" / "test" / "tiny_mnist"))
    assert generator.generate(3, seed=0).shape == (3, 28, 28, 1)


def test_measuring_during_a_build_logs_progress_and_leaves_training_as_it_was(tmp_path):
    recipe = copy.deepcopy(TINY_TOY)
    recipe["training"].update(steps=5, steps_per_fit=2)
    recipe["model"].update(ema_decay=0.9, ema_start=1)
    recipe = validate_recipe(recipe)
    plain, measured = [], []
    builder.build_preset(recipe, tmp_path / "plain", log=plain.append)
    meta = builder.build_preset(recipe, tmp_path / "measured", log=measured.append,
                                measure_every=3)
    progress = [line for line in measured if line.startswith("  measured at step")]
    # Chunks end at steps 2, 4 and 5: only the one at 4 passes a multiple of 3.
    assert len(progress) == 1 and progress[0].startswith("  measured at step 4 (EMA generator, ")
    assert "modes_covered " in progress[0] and "hq_rate " in progress[0]
    def losses(lines):  # the step lines without their clock
        return [re.sub(r"\(\d+ s\)", "", line) for line in lines if line.startswith("  step")]

    assert losses(measured) == losses(plain) and len(losses(plain)) == 3
    folders = [root / "test" / "tiny_grid" for root in (tmp_path / "plain", tmp_path / "measured")]
    weights = [kw.hub.load(str(folder)).get_weights() for folder in folders]
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
    assert meta["metrics"] == json.loads((folders[0] / "metadata.json").read_text())["metrics"]


def test_measure_every_is_refused_with_measure_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        build.main(["--only", "wgan_gp/grid25", "--measure", "--measure-every", "5",
                    "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.splitlines()) == 1
    assert "--measure-every measures while training; --measure measures the stored" in err


def test_a_failed_build_keeps_the_previous_preset(tmp_path, monkeypatch):
    recipe = validate_recipe(copy.deepcopy(TINY_TOY))
    builder.build_preset(recipe, tmp_path, log=None)
    folder = tmp_path / "test" / "tiny_grid"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(measure, "measure", broken)
    with pytest.raises(OSError, match="disk full"):
        builder.build_preset(dict(recipe, description="second"), tmp_path, log=None)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in (tmp_path / "test").iterdir()] == ["tiny_grid"]


def test_command_line_runs_as_a_module_with_one_line_errors(tmp_path):
    bad = _write(tmp_path / "recipe.json", _changed(TINY_TOY, ("optimizer", "name"), "adamax"))
    done = subprocess.run([sys.executable, "-m", "keras_wgan.presets.build", "--recipe", str(bad),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=120, cwd=pathlib.Path(__file__).resolve().parents[1])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {bad}: optimizer must be null")
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_a_time_budget_stops_training_and_the_metadata_says_how_far_it_got(tmp_path):
    recipe = copy.deepcopy(TINY_TOY)
    recipe["training"].update(steps=6, steps_per_fit=2, budget_seconds=1e-9)
    lines = []
    meta = builder.build_preset(validate_recipe(recipe), tmp_path, log=lines.append)
    # The first step ends past the budget: fit stops inside its 2-step call, not after it.
    assert meta["training_steps"] == 1
    assert meta["recipe"]["training"]["steps"] == 6  # the recipe is kept as written
    assert "  training.budget_seconds ran out after 1 step" in lines  # one step, no "steps"


def test_storage_sets_the_weights_dtype_and_its_float16_tolerance(tmp_path):
    recipe = copy.deepcopy(TINY_TOY)
    recipe["storage"] = {"weights_dtype": "float32"}
    meta = builder.build_preset(validate_recipe(recipe), tmp_path / "a", log=None)
    assert meta["weights_dtype"] == "float32" and meta["recipe"]["storage"] == recipe["storage"]
    recipe["storage"] = {"float16_tolerance": 0.5}
    meta = builder.build_preset(validate_recipe(recipe), tmp_path / "b", log=None)
    assert meta["weights_dtype"] == "float16" and meta["float16_tolerance"] == 0.5


def test_float16_over_its_tolerance_stores_float32_instead_of_losing_the_training(tmp_path):
    # A GPU run lost a 5-minute training this way: save_preset refused float16 (0.0121 > 0.01)
    # after training, and the build ended with nothing written.
    recipe = copy.deepcopy(TINY_TOY)
    recipe["storage"] = {"float16_tolerance": 1e-12}  # any float16 rounding exceeds it
    lines = []
    meta = builder.build_preset(validate_recipe(recipe), tmp_path, log=lines.append)
    assert meta["weights_dtype"] == "float32"
    assert any("storing float32 weights instead" in line for line in lines)
    assert kw.hub.verify_preset(tmp_path / "test" / "tiny_grid")["weights_dtype"] == "float32"
    assert sorted(p.name for p in (tmp_path / "test").iterdir()) == ["tiny_grid"]


def test_numpy_stream_serves_whole_shuffled_passes_with_their_labels():
    # The stream used where TensorFlow is not installed (a JAX or torch GPU machine).
    from keras_wgan.presets import train

    images = np.arange(10, dtype="float32").reshape(10, 1, 1, 1)
    labels = np.arange(10, dtype="int32") + 100
    recipe = {"name": "test/x", "data": {"source": "mnist"}, "model": {"num_classes": 10}}
    stream = train.numpy_stream(recipe, images, 5, seed=3, labels=labels)
    batches = [next(stream) for _ in range(4)]
    for x, y in batches:
        assert x.shape == (5, 1, 1, 1) and np.array_equal(x.ravel() + 100, y)
    passes = [np.sort(np.concatenate([x.ravel() for x, _ in batches[i:i + 2]])) for i in (0, 2)]
    assert all(np.array_equal(p, np.arange(10)) for p in passes)  # each pass sees every image
    first = [x.ravel() for x, _ in batches]
    assert not np.array_equal(np.concatenate(first[:2]), np.concatenate(first[2:]))  # reshuffled
    again = train.numpy_stream(recipe, images, 5, seed=3, labels=labels)
    assert all(np.array_equal(next(again)[0], x) for x, _ in batches)  # seeded
    toy = {"name": "test/t", "data": {"source": "toy", "name": "ring8"}, "model": {}}
    points = next(train.numpy_stream(toy, None, 7, seed=0))
    assert points.shape == (7, 2) and points.dtype == np.float32
    with pytest.raises(ValueError, match="needs 20 images per step, the data holds 10"):
        next(train.numpy_stream(recipe, images, 20, seed=0))


def test_every_registered_variant_can_be_named_by_a_recipe():
    # Issue 17's zoo (gan/nsgan/wgan/... on MNIST) is recipe files only: every variant of the
    # registry is a valid "model.variant", with the paper's optimizers or an override.
    from keras_wgan.models import variant_names

    names = list(variant_names())
    assert {"gan", "nsgan", "wgan", "wgan_gp"} <= set(names)
    for name in names:
        validate_recipe(_changed(TINY_MNIST, ("model",), {"variant": name}))
    wgan = _changed(TINY_MNIST, ("model",), {"variant": "wgan", "clip_value": 0.01})
    wgan["optimizer"] = {"name": "rmsprop", "learning_rate": 5e-5, "rho": 0.99, "epsilon": 1e-8}
    validate_recipe(wgan)


def test_toy_recipe_bench_variants_are_valid_recipes_that_change_one_setting():
    # bench/toy_recipe.py trains each variant of a bundled toy recipe: every variant must pass
    # the recipe checks and change only what its description says.
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))
    import toy_recipe

    for handle in ("wgan_gp/grid25", "wgan_gp/ring8"):
        base = load_recipe(PRESETS_DIR / handle / "recipe.json")
        for name in toy_recipe.VARIANTS:
            recipe = toy_recipe.variant_recipe(base, name, steps=7, seed=3)
            validate_recipe(recipe, source=f"{handle} {name}")
            assert recipe["training"]["steps"] == 7 and recipe["training"]["seed"] == 3
            changed = {section for section in base if recipe[section] != base[section]}
            assert changed <= {"training", {"recipe": "training", "no_ema": "model",
                                            "decay_lr": "optimizer", "raw_critic": "architecture",
                                            "paper_lr": "optimizer"}[name]}, (handle, name)
        no_ema = toy_recipe.variant_recipe(base, "no_ema")
        assert "ema_decay" not in no_ema["model"] and base == load_recipe(
            PRESETS_DIR / handle / "recipe.json")  # the base is not changed in place


def test_a_mixed_precision_recipe_trains_in_it_and_ships_a_float32_generator(tmp_path):
    import keras

    from keras_wgan.presets import train

    recipe = validate_recipe(_changed(TINY_TOY, ("training", "dtype_policy"), "mixed_bfloat16"))
    gan = train.build_model(recipe)
    assert gan.generator.dtype_policy.name == "mixed_bfloat16"
    assert gan.discriminator.dtype_policy.name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"  # the global policy is put back
    meta = builder.build_preset(recipe, tmp_path, log=None)
    folder = tmp_path / "test" / "tiny_grid"
    config = (folder / "config.json").read_text()
    assert "bfloat16" not in config and meta["recipe"]["training"]["dtype_policy"] == "mixed_bfloat16"
    # The shipped network is the one a float32 recipe builds, layer names included.
    float32_build, _ = train.networks(recipe["architecture"], (2,))
    stored = kw.hub.load(str(folder)).generator
    assert [layer.name for layer in stored.layers] == [layer.name for layer in float32_build.layers]
    assert {layer.dtype_policy.name for layer in stored.layers} == {"float32"}
    assert str(stored.outputs[0].dtype).endswith("float32")


def test_dcgan_critic_width_sizes_the_critic_alone_and_defaults_to_width(tmp_path):
    from keras_wgan.presets import train

    def conv_filters(model):
        return [layer.filters for layer in model.layers if hasattr(layer, "filters")]

    same_gen, same_critic = train.networks(validate_recipe(TINY_MNIST)["architecture"], (28, 28, 1))
    recipe = _changed(TINY_MNIST, ("architecture", "critic_width"), 6)
    generator, critic = train.networks(validate_recipe(recipe)["architecture"], (28, 28, 1))
    assert conv_filters(same_critic) == [4, 8]
    assert conv_filters(critic) == [6, 12]
    assert conv_filters(generator) == conv_filters(same_gen)
    bad = _write(tmp_path / "recipe.json", _changed(recipe, ("architecture", "critic_width"), 0))
    with pytest.raises(RecipeError, match="architecture.critic_width is 0; use a whole number >= 1"):
        load_recipe(bad)


def test_as_float32_keeps_the_names_the_weights_and_the_outputs_within_bfloat16_rounding():
    import keras

    from keras_wgan import precision
    from keras_wgan.presets import train

    recipe = validate_recipe(_changed(TINY_MNIST, ("training", "dtype_policy"), "mixed_bfloat16"))
    with precision.dtype_policy("mixed_bfloat16"):
        mixed, _ = train.networks(recipe["architecture"], (28, 28, 1))
    rebuilt = precision.as_float32(mixed)
    assert rebuilt is not mixed and precision.as_float32(rebuilt) is rebuilt
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in mixed.layers]
    for a, b in zip(mixed.get_weights(), rebuilt.get_weights()):
        np.testing.assert_array_equal(a, b)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    low = keras.ops.convert_to_numpy(keras.ops.cast(mixed(z, training=False), "float32"))
    full = keras.ops.convert_to_numpy(rebuilt(z, training=False))
    assert full.dtype == np.float32
    # bfloat16 keeps 8 bits of mantissa: outputs in [-1, 1] agree to about 2^-8 per layer.
    np.testing.assert_allclose(low, full, atol=0.05)


def test_as_float32_leaves_a_conditional_generators_integer_labels_alone():
    import json

    import keras

    from keras_wgan import architectures, precision

    float32 = architectures.dcgan_generator(8, (28, 28, 1), 4, num_classes=10)
    assert precision.as_float32(float32) is float32  # nothing to convert: the same network
    with precision.dtype_policy("mixed_bfloat16"):
        mixed = architectures.dcgan_generator(8, (28, 28, 1), 4, num_classes=10)
    config = json.dumps(keras.saving.serialize_keras_object(precision.as_float32(mixed)))
    assert "bfloat16" not in config and '"dtype": "int32"' in config


def test_dtype_policy_overrides_the_recipe_and_a_cpu_without_bfloat16_is_warned(
        tmp_path, capsys, monkeypatch):
    from keras_wgan import precision

    monkeypatch.setattr(precision, "cpu_computes_bfloat16", lambda: False)
    monkeypatch.setattr(kw.backend, "has_accelerator", lambda: False)
    recipe_file = _write(tmp_path / "recipe.json",
                         _changed(TINY_TOY, ("training", "dtype_policy"), "mixed_bfloat16"))
    as_written, in_float32 = tmp_path / "as_written", tmp_path / "float32"
    code, err = _build_main(["--recipe", str(recipe_file), "--steps", "1", "--out",
                             str(as_written)], capsys)
    assert code == 0 and len(err) == 1, err
    assert err[0].startswith("warning: this CPU has no bfloat16 instructions"), err
    assert err[0].endswith("build in float32 with --dtype-policy float32 (the metadata's "
                           "recipe records it)"), err
    code, err = _build_main(["--recipe", str(recipe_file), "--steps", "1", "--dtype-policy",
                             "float32", "--out", str(in_float32)], capsys)
    assert code == 0 and err == [], err
    policies = [json.loads((root / "test" / "tiny_grid" / "metadata.json").read_text())
                ["recipe"]["training"]["dtype_policy"] for root in (as_written, in_float32)]
    assert policies == ["mixed_bfloat16", "float32"]  # the metadata says how it was trained
    assert "--dtype-policy float32" in json.loads(
        (in_float32 / "test" / "tiny_grid" / "metadata.json").read_text())["built_by"]


def test_a_policy_the_backend_refuses_names_the_builds_float32_flag(tmp_path, capsys,
                                                                    monkeypatch):
    """Where the backend cannot train a recipe's policy (PyTorch on some CPUs: its refusal's own
    test is in test_mixed_precision.py), the one line names --dtype-policy float32."""
    from keras_wgan import precision
    from keras_wgan.presets import train

    def refuse(name, what="dtype_policy", float32_instead=None):
        if name == "mixed_bfloat16":
            raise ValueError(f"{what}={name!r}: not here; {float32_instead}")
        return "float32"

    monkeypatch.setattr(precision, "check_policy", refuse)
    monkeypatch.setattr(precision, "cpu_computes_bfloat16", lambda: True)  # no warning line
    recipe_file = _write(tmp_path / "recipe.json",
                         _changed(TINY_TOY, ("training", "dtype_policy"), "mixed_bfloat16"))
    code, err = _build_main(["--recipe", str(recipe_file), "--steps", "1", "--out",
                             str(tmp_path / "out")], capsys)
    assert code == 2 and len(err) == 1, err
    assert err[0].endswith(f"not here; {train.FLOAT32_BUILD}"), err
    assert not (tmp_path / "out" / "test" / "tiny_grid").exists()  # no preset written


def test_dtype_policy_is_refused_with_measure_and_checked_while_parsing(tmp_path, capsys):
    for argv, wanted in [(["--measure", "--dtype-policy", "float32"],
                          "--dtype-policy sets how to train; --measure measures the stored"),
                         (["--dtype-policy", "bfloat16"], "argument --dtype-policy: invalid "
                                                          "choice: 'bfloat16'")]:
        with pytest.raises(SystemExit) as caught:
            build.main(["--only", "wgan_gp/grid25", *argv, "--out", str(tmp_path)])
        err = capsys.readouterr().err
        assert caught.value.code == 2 and len(err.splitlines()) == 1, err
        assert wanted in err, err
