"""Recipe files: how a preset is trained and measured, as data (``<family>/<name>/recipe.json``).

A recipe is a JSON object; every section is checked here, before any data is read or any
step is trained, and a bad one is refused in one line naming the file, the field and the fix::

    format, format_version   "keras_wgan.recipe", 1
    name                     the preset handle "<family>/<name>"; the preset is written to
                             <presets root>/<family>/<name>/ (and must match the folder the
                             recipe sits in, when it sits in a presets tree)
    description              one line, copied to the preset's metadata
    notes                    optional free text: why the recipe is what it is
    model                    {"variant": a name of keras_wgan.models.get_model_class, then any
                             keyword arguments of that class: critic_steps, gradient_penalty,
                             clip_value, objective, num_classes...; absent ones keep the paper's
                             defaults}; "num_classes" makes the model class-conditional on the
                             data's labels (MNIST's digits: 10; a toy mixture's modes: 8 for
                             ring8, 25 for grid25), and the protocol then also measures each
                             label's samples
    data                     {"source": "toy", "name": "grid25" | "ring8" | ...} or
                             {"source": "mnist", "split": "test" | "train"} (the folder comes
                             from keras_wgan.data.mnist.find_mnist); optional "note" (text)
    architecture             {"name": "mlp", "latent_dim", "width", "depth",
                             "critic_fourier_features" (null: raw coordinates),
                             "critic_fourier_scale"} or
                             {"name": "dcgan", "latent_dim", "width", "critic_width"
                             (optional: the critic's own width; absent: "width"),
                             "generator_norm", "critic_norm"}
    optimizer                null (the variant's paper optimizers) or {"name": "adam" |
                             "adamw" | "rmsprop" | "sgd", "learning_rate", "end_learning_rate"
                             (linear decay to it over each optimizer's own updates; absent or
                             equal: constant), "critic_learning_rate_multiplier", and any
                             other keyword of the optimizer (beta_1, beta_2, rho...)}
    training                 {"steps": generator steps, "batch_size": real examples per critic
                             step, "seed": networks, noise and data order, "steps_per_fit":
                             generator steps per `fit` call (default 500; a tf.data stream
                             restarts at each call, the NumPy stream used without TensorFlow
                             continues; progress is logged after each),
                             "budget_seconds": optional wall-clock cap: training stops at the
                             first generator step that ends past it, and the metadata's
                             training_steps records the steps done (rerun with --steps N),
                             "dtype_policy": optional Keras dtype policy the networks train
                             under: "float32" (the default), "mixed_bfloat16" or
                             "mixed_float16" (keras.mixed_precision; the preset ships the same
                             generator rebuilt in float32 with the trained weights)}
    evaluation               {"protocol": "toy_modes" | "mnist_classifier", "n_samples",
                             "sample_seed", and the protocol's own fields (see
                             keras_wgan.presets.measure.PROTOCOLS)}
    storage                  optional {"weights_dtype": "float16" (the default: half the size)
                             | "float32", "float16_tolerance": the bound on |float16 output -
                             float32 output| checked by keras_wgan.hub.save_preset (default
                             keras_wgan.hub.preset.FLOAT16_TOLERANCE)}; the metrics are always
                             measured on the stored weights
"""

import copy
import inspect
import json
import pathlib
import re

from keras_wgan import jsonfile, precision

FORMAT = "keras_wgan.recipe"
FORMAT_VERSION = 1
RECIPE_FILE = "recipe.json"
SECTIONS = {
    "format": True, "format_version": True, "name": True, "description": True, "notes": False,
    "model": True, "data": True, "architecture": True, "optimizer": True, "training": True,
    "evaluation": True, "storage": False,
}
_HANDLE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

#: architecture name -> {field: (required, kind)}; kind "int" (>= 1), "float" (> 0), "norm", "any"
ARCHITECTURES = {
    "mlp": {"latent_dim": (True, "int"), "width": (True, "int"), "depth": (True, "int"),
            "critic_fourier_features": (False, "int_or_null"),
            "critic_fourier_scale": (False, "float")},
    "dcgan": {"latent_dim": (True, "int"), "width": (True, "int"),
              "critic_width": (False, "int"),
              "generator_norm": (False, "norm"), "critic_norm": (False, "norm")},
}
DATA_SOURCES = {"toy": ("name", "note"), "mnist": ("split", "note")}
TRAINING = {"steps": (True, "int"), "batch_size": (True, "int"), "seed": (True, "seed"),
            "steps_per_fit": (False, "int"), "budget_seconds": (False, "float"),
            "dtype_policy": (False, "any")}
STORAGE = {"weights_dtype": (False, "any"), "float16_tolerance": (False, "float")}
WEIGHTS_DTYPES = ("float16", "float32")
OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
_OPTIMIZER_OWN = ("name", "learning_rate", "end_learning_rate",
                  "critic_learning_rate_multiplier")


class RecipeError(ValueError):
    """A recipe file that cannot be built; the message names the file, the field and the fix."""


def _fail(source, field, problem):
    where = f"{source}: " if source else ""
    raise RecipeError(f"{where}{field} {problem}")


def _check_number(source, field, value, kind):
    if kind == "any":
        return
    if kind == "int_or_null" and value is None:
        return
    if kind == "norm":
        if value not in (None, "batch", "layer", "spectral"):
            _fail(source, field, f"is {value!r}; use null, \"batch\", \"layer\" or \"spectral\"")
        return
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if kind in ("int", "int_or_null") and not (is_int and value >= 1):
        _fail(source, field, f"is {value!r}; use a whole number >= 1")
    if kind == "seed" and not (is_int and value >= 0):
        _fail(source, field, f"is {value!r}; use a whole number >= 0")
    if kind in ("float", "rate") and not (
            isinstance(value, (int, float)) and not isinstance(value, bool)
            and value == value and abs(value) != float("inf")
            and (value > 0 if kind == "float" else value >= 0)):
        _fail(source, field, f"is {value!r}; use a finite number "
                             f"{'> 0' if kind == 'float' else '>= 0'}")


def _check_fields(source, section, given, schema):
    """Required fields present, no unknown ones (a typo would silently train the default)."""
    if not isinstance(given, dict):
        _fail(source, section, f"is a JSON {type(given).__name__}; it must be an object")
    for key in given:
        if key not in schema:
            _fail(source, f"{section}.{key}", f"is not a known field; use {', '.join(schema)}")
    for key, (required, kind) in schema.items():
        if key not in given:
            if required:
                _fail(source, section, f"lacks {key!r}; add it")
            continue
        _check_number(source, f"{section}.{key}", given[key], kind)


def _check_model(source, model):
    from keras_wgan.models import get_model_class

    if not isinstance(model, dict) or "variant" not in model:
        _fail(source, "model", 'must be an object with "variant" (e.g. {"variant": "wgan_gp"})')
    try:
        cls = get_model_class(str(model["variant"]))
    except ValueError as error:
        _fail(source, "model.variant", f"is unknown: {error}")
    accepted = inspect.signature(cls.__init__).parameters
    for key in model:
        if key != "variant" and (key not in accepted or key in ("generator", "discriminator",
                                                                 "critic", "latent_dim", "seed")):
            _fail(source, f"model.{key}", f"is not a setting of {cls.__name__}; use critic_steps,"
                                          " gradient_penalty, clip_value, objective, ... "
                                          "(sizes go in architecture, the seed in training)")


def _check_classes(source, recipe):
    """A conditional recipe's ``num_classes`` must be the number of classes its data has."""
    num_classes = recipe["model"].get("num_classes")
    if num_classes is None:
        return
    data = recipe["data"]
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        _fail(source, "model.num_classes", f"is {num_classes!r}; use a whole number >= 2 (the "
                                           "data's classes), or leave it out (unconditional)")
    if data["source"] == "mnist":
        have, what = 10, "MNIST has 10 digits"
    else:
        from keras_wgan.data.toy import LABELLED, toy_num_classes

        if data["name"] not in LABELLED:
            _fail(source, "model.num_classes", f"is set, but toy data {data['name']!r} has no "
                                               f"classes; use {' or '.join(LABELLED)}")
        have, what = toy_num_classes(data["name"]), f"{data['name']} has one class per mode"
    if num_classes != have:
        _fail(source, "model.num_classes", f"is {num_classes}, but {what}: use {have}")


def _check_optimizer(source, optimizer):
    if optimizer is None:
        return
    if not isinstance(optimizer, dict) or optimizer.get("name") not in OPTIMIZERS:
        _fail(source, "optimizer", f"must be null (the paper's) or an object whose \"name\" is "
                                   f"one of {', '.join(OPTIMIZERS)}")
    if "learning_rate" not in optimizer:
        _fail(source, "optimizer", "lacks 'learning_rate'; add it")
    _check_number(source, "optimizer.learning_rate", optimizer["learning_rate"], "float")
    for key, kind in (("end_learning_rate", "rate"), ("critic_learning_rate_multiplier", "float")):
        if key in optimizer:
            _check_number(source, f"optimizer.{key}", optimizer[key], kind)
    accepted = inspect.signature(optimizer_class(optimizer["name"]).__init__).parameters
    for key in optimizer:
        if key not in _OPTIMIZER_OWN and key not in accepted:
            _fail(source, f"optimizer.{key}", f"is not a setting of {optimizer['name']}")


def optimizer_class(name):
    import keras

    return {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
            "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}[name]


def _check_data(source, data):
    if not isinstance(data, dict) or data.get("source") not in DATA_SOURCES:
        _fail(source, "data", f"must be an object whose \"source\" is one of "
                              f"{', '.join(DATA_SOURCES)}")
    allowed = ("source",) + DATA_SOURCES[data["source"]]
    for key in data:
        if key not in allowed:
            _fail(source, f"data.{key}", f"is not a field of a {data['source']} source; use "
                                         f"{', '.join(allowed)}")
    if data["source"] == "toy":
        from keras_wgan.data.toy import TOY_DISTRIBUTIONS

        if data.get("name") not in TOY_DISTRIBUTIONS:
            _fail(source, "data.name", f"is {data.get('name')!r}; use one of "
                                       f"{', '.join(TOY_DISTRIBUTIONS)}")
    elif data.get("split", "test") not in ("test", "train"):
        _fail(source, "data.split", f"is {data['split']!r}; use \"test\" or \"train\"")


def validate_recipe(recipe, source=""):
    """Checks a parsed recipe; returns it. Raises `RecipeError` in one line naming the field."""
    from keras_wgan.presets import measure

    if not isinstance(recipe, dict):
        _fail(source, "the recipe", f"is a JSON {type(recipe).__name__}; it must be an object")
    for key in recipe:
        if key not in SECTIONS:
            _fail(source, key, f"is not a recipe section; use {', '.join(SECTIONS)}")
    for key, required in SECTIONS.items():
        if required and key not in recipe:
            _fail(source, "the recipe", f"lacks {key!r}; add it (see keras_wgan.presets.recipe)")
    if recipe["format"] != FORMAT or recipe["format_version"] != FORMAT_VERSION:
        _fail(source, "format", f"is {recipe['format']!r} version {recipe['format_version']!r}; "
                                f"this builder reads {FORMAT!r} version {FORMAT_VERSION}")
    if not isinstance(recipe["name"], str) or not _HANDLE.match(recipe["name"]):
        _fail(source, "name", f"is {recipe['name']!r}; use '<family>/<name>' (letters, digits, "
                              "'_', '-', '.')")
    for key in ("description", "notes"):
        if key in recipe and not isinstance(recipe[key], str):
            _fail(source, key, f"is a JSON {type(recipe[key]).__name__}; write it as a string")
    _check_model(source, recipe["model"])
    _check_data(source, recipe["data"])
    _check_classes(source, recipe)
    architecture = recipe["architecture"]
    if not isinstance(architecture, dict) or architecture.get("name") not in ARCHITECTURES:
        _fail(source, "architecture", f"must be an object whose \"name\" is one of "
                                      f"{', '.join(ARCHITECTURES)}")
    expected = "mlp" if recipe["data"]["source"] == "toy" else "dcgan"
    if architecture["name"] != expected:
        _fail(source, "architecture.name", f"is {architecture['name']!r}, which does not fit "
                                           f"{recipe['data']['source']} data; use {expected!r}")
    _check_fields(source, "architecture", {k: v for k, v in architecture.items() if k != "name"},
                  ARCHITECTURES[architecture["name"]])
    if architecture.get("critic_fourier_features") and "critic_fourier_scale" not in architecture:
        _fail(source, "architecture", "sets critic_fourier_features but not critic_fourier_scale "
                                      "(std of the frequencies, cycles per unit); add it")
    _check_optimizer(source, recipe["optimizer"])
    _check_fields(source, "training", recipe["training"], TRAINING)
    policy = recipe["training"].get("dtype_policy", "float32")
    if policy not in precision.POLICIES:
        _fail(source, "training.dtype_policy",
              f"is {policy!r}; use {', '.join(repr(p) for p in precision.POLICIES)}")
    if "storage" in recipe:
        _check_fields(source, "storage", recipe["storage"], STORAGE)
        dtype = recipe["storage"].get("weights_dtype", "float16")
        if dtype not in WEIGHTS_DTYPES:
            _fail(source, "storage.weights_dtype", f"is {dtype!r}; use \"float16\" or \"float32\"")
    measure.check_evaluation(recipe["evaluation"], recipe["data"],
                             lambda field, problem: _fail(source, field, problem))
    return recipe


def load_recipe(path, expected_name=None):
    """Reads and checks a recipe file; returns the recipe dict.

    A recipe inside a presets tree (``<root>/<family>/<name>/recipe.json``) must be named
    ``"<family>/<name>"``: ``expected_name``, or the bundled tree's folder.
    """
    path = pathlib.Path(path)
    if path.is_dir() and (path / RECIPE_FILE).is_file():  # a preset folder: its recipe
        path = path / RECIPE_FILE
    if path.is_dir():
        raise RecipeError(f"{path} is a folder without a {RECIPE_FILE}; pass a recipe file")
    try:
        recipe = jsonfile.load(path)
    except FileNotFoundError:
        raise RecipeError(f"no recipe file {path}; pass the path of a recipe.json") from None
    except jsonfile.JsonFileError as error:
        raise RecipeError(f"{path} {error}; pass a recipe file") from None
    except UnicodeDecodeError as error:
        raise RecipeError(f"{path} is not UTF-8 text ({error.reason}); fix the file") from None
    except json.JSONDecodeError as error:
        raise RecipeError(f"{path} is not valid JSON ({error.msg} at line {error.lineno} column "
                          f"{error.colno}); fix the file") from None
    except OSError as error:
        raise RecipeError(f"cannot read {path} ({error.strerror or error}); check it") from None
    validate_recipe(recipe, str(path))
    folder = path.resolve().parent
    if expected_name is None and folder.parent.parent == _presets_dir():
        expected_name = f"{folder.parent.name}/{folder.name}"
    if expected_name is not None and recipe["name"] != expected_name:
        raise RecipeError(f"{path}: name is {recipe['name']!r} but the file sits in the preset "
                          f"folder {expected_name}; make them agree")
    return recipe


def _presets_dir():
    from keras_wgan.presets import PRESETS_DIR

    return PRESETS_DIR.resolve()


def find_recipes(root=None):
    """``{handle: path}`` of every ``<root>/<family>/<name>/recipe.json`` (default: bundled)."""
    from keras_wgan.presets import PRESETS_DIR

    root = pathlib.Path(root or PRESETS_DIR)
    return {f"{p.parent.parent.name}/{p.parent.name}": p
            for p in sorted(root.glob(f"*/*/{RECIPE_FILE}"))}


def with_steps(recipe, steps):
    """A copy of ``recipe`` trained for ``steps`` generator steps (a smoke run), or as is."""
    recipe = copy.deepcopy(recipe)
    if steps is not None:
        recipe["training"]["steps"] = int(steps)
    return recipe


def with_dtype_policy(recipe, name):
    """A copy of ``recipe`` trained under the dtype policy ``name`` (one of
    `keras_wgan.precision.POLICIES`: float32 where the recipe's mixed_bfloat16 would be emulated
    on a CPU), or as is when ``name`` is None."""
    recipe = copy.deepcopy(recipe)
    if name is not None:
        recipe["training"]["dtype_policy"] = precision.check_policy(name, "--dtype-policy")
    return recipe
