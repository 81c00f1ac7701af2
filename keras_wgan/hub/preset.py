"""The preset format: a folder with `config.json`, `model.weights.h5` and `metadata.json`.

`config.json` is `keras.saving.serialize_keras_object` of either a generator (a `keras.Model`
from `(B, latent_dim)` noise to samples) or a whole GAN (any registered `keras.Model` with a
`.generator`); `metadata["kind"]` says which. `metadata.json` holds::

    format, format_version      "keras_wgan.preset", 1
    kind                        "generator" or "gan"
    class_name                  the serialized class, e.g. "Functional" or "WGANGP"
    description, family         free text, model family (e.g. "wgan_gp")
    dataset, training_steps     what it was trained on, and for how long
    metrics                     {name: value} measured on this checkpoint
    latent_dim, output_shape    the generator's input size and sample shape
    num_classes                 a class-conditional generator's number of classes (absent or
                                null: unconditional)
    label_frequencies           optional: the training label frequencies `generate(labels=None)`
                                draws from (saved from a conditional GAN's label counts)
    weights_dtype               "float32" or "float16" (storage only; layers compute as saved)
    float16_max_abs_error       worst output difference vs float32 on fixed noise (float16 only)
    float16_tolerance           the bound that difference was checked against
    version, keras_version      preset version, Keras that wrote it
    files                       {"config.json": sha256, "model.weights.h5": sha256}
"""

import json
import os
import pathlib
import shutil
import tempfile

import h5py
import keras
import numpy as np

from keras_wgan import atomic, jsonfile
from keras_wgan.hashing import sha256_file
from keras_wgan.hub.errors import Float16ToleranceError, IntegrityError, PresetFormatError
from keras_wgan.hub.generator import PretrainedGenerator, generator_of, label_classes

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
METADATA_FILE = "metadata.json"
FORMAT = "keras_wgan.preset"
#: Default bound on |float16 output - float32 output| for samples in [-1, 1].
FLOAT16_TOLERANCE = 1e-2


def is_preset_dir(path):
    """True if `path` is a folder holding a `config.json` and a `metadata.json`."""
    path = pathlib.Path(path)
    return (path / CONFIG_FILE).is_file() and (path / METADATA_FILE).is_file()


def _split(model):
    """(object to serialize, its generator, kind, metadata inherited from a wrapper)."""
    if isinstance(model, PretrainedGenerator):
        return model.generator, model.generator, "generator", model.metadata
    generator = getattr(model, "generator", None)
    if isinstance(generator, keras.Model):
        return model, getattr(model, "sampling_generator", None) or generator, "gan", {}
    if isinstance(model, keras.Model):
        return model, model, "generator", {}
    raise TypeError(f"save_preset needs a keras.Model generator or GAN, got {type(model).__name__}")


def _cast_weights_file(src, dst, dtype):
    """Copies a Keras `.weights.h5`, storing every float dataset as `dtype`."""
    def copy(src_group, dst_group):
        dst_group.attrs.update(src_group.attrs)
        for key, item in src_group.items():
            if isinstance(item, h5py.Group):
                copy(item, dst_group.create_group(key))
            else:
                data = item[()]
                if np.issubdtype(np.asarray(data).dtype, np.floating):
                    data = np.asarray(data).astype(dtype)
                dst_group.create_dataset(key, data=data).attrs.update(item.attrs)

    with h5py.File(src, "r") as fin, h5py.File(dst, "w") as fout:
        copy(fin, fout)


def _probe_latent(latent_dim, n=16):
    return np.random.default_rng(0).standard_normal((n, latent_dim)).astype("float32")


def _probe_inputs(latent_dim, num_classes, n=16):
    """Fixed inputs to compare outputs on: noise, and for a conditional generator every class
    in turn."""
    latent = _probe_latent(latent_dim, n)
    return latent if num_classes is None else [latent, np.arange(n, dtype="int32") % num_classes]


def _classes_of(model, generator):
    """``(num_classes, label frequencies or None)`` of what is saved; ``(None, None)`` when the
    generator is unconditional."""
    if len(getattr(generator, "inputs", None) or []) != 2:
        return None, None
    num_classes = getattr(model, "num_classes", None) or label_classes(generator)
    if num_classes is None:
        raise ValueError("save_preset: the conditional generator's number of classes cannot be "
                         "read from its layers; save the whole GAN, or a PretrainedGenerator "
                         "given num_classes=")
    counts = getattr(model, "label_counts", None)
    frequencies = None
    if counts is not None:
        counts = np.asarray(keras.ops.convert_to_numpy(counts), dtype="float64")
        if counts.sum() > 0:
            frequencies = [round(float(c), 6) for c in counts / counts.sum()]
    return int(num_classes), frequencies


def save_preset(model, directory, *, metadata=None, weights_dtype="float32",
                tolerance=FLOAT16_TOLERANCE, overwrite=False):
    """Writes `model` (a generator or a whole GAN) as a preset folder; returns its metadata.

    The folder appears whole or not at all: files are written to a temporary sibling and
    renamed into place. With `weights_dtype="float16"` the weights are stored at half size,
    reloaded, and the generator's outputs on fixed noise compared with the original; the worst
    absolute difference is recorded, and a `ValueError` is raised if it exceeds `tolerance`.

    Args:
        model: a `keras.Model` generator, a `PretrainedGenerator`, or a GAN with `.generator`.
        directory: the preset folder to create.
        metadata: dict with any of `description`, `family`, `dataset`, `training_steps`,
            `metrics`, `version`, and more keys of your own; kept as given.
        weights_dtype: `"float32"` or `"float16"` storage.
        tolerance: bound on the float16 output difference.
        overwrite: replace an existing `directory`.
    """
    if weights_dtype not in ("float32", "float16"):
        raise ValueError(f"weights_dtype must be 'float32' or 'float16', got {weights_dtype!r}")
    directory = pathlib.Path(directory)
    if directory.exists() and not overwrite:
        raise FileExistsError(f"{directory} exists; pass overwrite=True or choose another folder")
    obj, generator, kind, inherited = _split(model)
    inputs = getattr(generator, "inputs", None)
    latent_dim = int(getattr(model, "latent_dim", None)
                     or (inputs[0].shape if inputs else generator.input_shape)[-1])
    num_classes, frequencies = _classes_of(model, generator)
    meta = {"description": "", "family": None, "dataset": None, "training_steps": None,
            "metrics": {}, "version": 1}
    meta.update(inherited)
    meta.update(metadata or {})
    meta.update({
        "format": FORMAT, "format_version": 1, "kind": kind,
        "class_name": obj.__class__.__name__, "latent_dim": latent_dim,
        "output_shape": list(generator.output_shape[1:]), "weights_dtype": weights_dtype,
        "keras_version": keras.__version__,
    })
    if num_classes is not None:
        meta["num_classes"] = num_classes
        if frequencies is not None:
            meta["label_frequencies"] = frequencies
    atomic.check_writable(directory.parent, "folder of the preset", "directory=")
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the result is shared
    try:
        config = keras.saving.serialize_keras_object(obj)
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2), encoding="utf-8")
        obj.save_weights(staging / WEIGHTS_FILE)
        if weights_dtype == "float16":
            full = staging / "float32.weights.h5"
            os.replace(staging / WEIGHTS_FILE, full)
            _cast_weights_file(full, staging / WEIGHTS_FILE, "float16")
            full.unlink()
            meta.update(_check_float16(staging, kind, generator, latent_dim, tolerance,
                                       num_classes))
        meta["files"] = {name: sha256_file(staging / name) for name in (CONFIG_FILE, WEIGHTS_FILE)}
        (staging / METADATA_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta


def _check_float16(staging, kind, generator, latent_dim, tolerance, num_classes=None):
    reloaded = _build(staging, kind)
    reloaded_generator = (
        getattr(reloaded, "sampling_generator", None) or reloaded.generator
    ) if kind == "gan" else reloaded
    latent = _probe_inputs(latent_dim, num_classes)
    want = keras.ops.convert_to_numpy(generator(latent, training=False))
    got = keras.ops.convert_to_numpy(reloaded_generator(latent, training=False))
    error = float(np.max(np.abs(want.astype("float64") - got.astype("float64"))))
    if not error <= tolerance:
        raise Float16ToleranceError(
            f"float16 storage changes the generator's outputs by up to {error:.3g}, over the "
            f"tolerance {tolerance:g}; save with weights_dtype='float32' or raise tolerance"
        )
    return {"float16_max_abs_error": error, "float16_tolerance": tolerance}


def _read_json(path, what):
    """The parsed JSON file `path`; `PresetFormatError` naming the file and the error position."""
    try:
        return jsonfile.load(path)
    except jsonfile.JsonFileError as error:
        raise PresetFormatError(f"{path} {error}; {what}") from None
    except json.JSONDecodeError as error:
        raise PresetFormatError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno} column "
            f"{error.colno}); {what}"
        ) from None
    except UnicodeDecodeError as error:
        raise PresetFormatError(f"{path} is not UTF-8 text ({error.reason}); {what}") from None


def _one_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"


def _build(directory, kind):
    """Deserializes `config.json` (safe mode: no Python lambdas) and loads the weights."""
    fix = "re-download the preset or re-save it with save_preset()"
    config = _read_json(directory / CONFIG_FILE, fix)
    if not isinstance(config, dict):
        raise PresetFormatError(f"{directory / CONFIG_FILE} holds a JSON "
                                f"{type(config).__name__}, not a serialized Keras model; {fix}")
    try:
        # deserialize_keras_object also replays the saved build_config, so variables exist
        # before the weights are loaded into them.
        obj = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # a foreign or damaged config fails in many ways
        raise PresetFormatError(f"{directory / CONFIG_FILE} does not describe a Keras model "
                                f"({_one_line(error)}); {fix}") from None
    if not isinstance(obj, keras.Model):
        raise PresetFormatError(
            f"{directory / CONFIG_FILE} describes a {type(obj).__name__} "
            f"{'layer' if isinstance(obj, keras.layers.Layer) else 'object'}, not a generator "
            f"or GAN model; {fix}"
        )
    try:
        obj.load_weights(directory / WEIGHTS_FILE)
    except Exception as error:  # missing, damaged, or made for another architecture
        raise PresetFormatError(f"{directory / WEIGHTS_FILE} does not fit {directory / CONFIG_FILE}"
                                f" ({_one_line(error)}); {fix}") from None
    return obj


def read_metadata(directory):
    """The parsed `metadata.json` of a preset folder."""
    directory = pathlib.Path(directory)
    if not is_preset_dir(directory):
        raise PresetFormatError(
            f"{directory} is not a preset folder (it needs {CONFIG_FILE}, {WEIGHTS_FILE} and "
            f"{METADATA_FILE}); write one with keras_wgan.hub.save_preset()"
        )
    fix = "re-download the preset or re-save it with save_preset()"
    metadata = _read_json(directory / METADATA_FILE, fix)
    if not isinstance(metadata, dict):
        raise PresetFormatError(f"{directory / METADATA_FILE} holds a JSON "
                                f"{type(metadata).__name__}, not an object; {fix}")
    return metadata


def _listed_file(directory, name):
    """The path of a file listed in metadata `files`, refusing any that is not inside the preset."""
    bad = None
    if not isinstance(name, str) or not name:
        bad = "is not a file name"
    elif "\0" in name:
        bad = "contains a NUL byte"
    elif name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        bad = "is an absolute path"
    elif ".." in name.replace("\\", "/").split("/"):
        bad = "climbs out with '..'"
    else:
        root = directory.resolve()
        path = (directory / name).resolve()
        if path != root and root not in path.parents:
            bad = "resolves outside the preset folder (through a link)"
    if bad:
        raise PresetFormatError(
            f"{directory / METADATA_FILE} lists {name!r} in 'files', which {bad}; only files "
            "inside the preset are checked: re-download the preset or re-save it"
        )
    return directory / name


def verify_preset(directory):
    """Checks every file against the sha256 listed in `metadata.json`; returns the metadata.

    Only files inside the preset are read: a `files` entry that is absolute, uses `..`, or
    resolves outside the folder through a symbolic link is refused (`PresetFormatError`).
    """
    directory = pathlib.Path(directory)
    metadata = read_metadata(directory)
    files = metadata.get("files", {})
    if not isinstance(files, dict):
        raise PresetFormatError(f"{directory / METADATA_FILE}: 'files' must map file names to "
                                "sha256 digests; re-download the preset or re-save it")
    for name, expected in files.items():
        path = _listed_file(directory, name)
        if not path.is_file():
            raise PresetFormatError(f"{directory} lacks {name}, which its metadata lists; "
                                    "re-download or re-save the preset")
        got = sha256_file(path)
        if got != expected:
            raise IntegrityError(
                f"{path} has sha256 {got}, expected {expected} from {METADATA_FILE}; the file is "
                "corrupt or was edited: re-download the preset or re-save it with save_preset()"
            )
    return metadata


def load_preset(directory, *, whole_model=False, verify=True):
    """Loads a preset folder: a `PretrainedGenerator`, or the whole GAN if `whole_model`."""
    directory = pathlib.Path(directory)
    metadata = verify_preset(directory) if verify else read_metadata(directory)
    kind = metadata.get("kind", "generator")
    if whole_model and kind != "gan":
        raise PresetFormatError(
            f"preset {directory} holds only a generator, not a whole GAN; "
            "load it with whole_model=False"
        )
    obj = _build(directory, kind)
    if kind == "gan" and not isinstance(getattr(obj, "generator", None), keras.Model):
        raise PresetFormatError(
            f"{directory / METADATA_FILE} says kind 'gan' but {CONFIG_FILE} describes a "
            f"{type(obj).__name__} without a generator; re-download the preset or re-save it"
        )
    generator, latent_dim = generator_of(obj, directory / CONFIG_FILE, metadata)
    if whole_model:
        return obj
    return PretrainedGenerator(generator, latent_dim=latent_dim, metadata=metadata)
