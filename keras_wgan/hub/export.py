"""Export a generator as a TensorFlow SavedModel for TF-Serving, `tf.saved_model.load` and
`keras.layers.TFSMLayer`."""

import json
import os
import pathlib
import shutil
import tempfile

import keras

from keras_wgan import filekind
from keras_wgan.hub.generator import PretrainedGenerator, generator_of

SERVING_INPUT = "latent"
SERVING_OUTPUT = "images"


def _generator_of(model):
    if isinstance(model, PretrainedGenerator):
        generator_of(model, f"the {type(model).__name__} given")
        return model.generator, model.latent_dim, model.metadata
    generator = getattr(model, "generator", None)
    if isinstance(generator, keras.Model):
        # A GAN that keeps a generator EMA exports the average.
        generator = getattr(model, "sampling_generator", None) or generator
        return generator, getattr(model, "latent_dim", None), {}
    if isinstance(model, keras.Model):
        generator_of(model, f"the {type(model).__name__} given")
        return model, None, {}
    raise TypeError(f"export_saved_model needs a generator or a GAN, got {type(model).__name__}")


def _check_target(directory, overwrite):
    """Refuses a file, or a folder holding files unless `overwrite`; before any work is done."""
    if directory.exists() and not directory.is_dir():
        kind = "a file" if directory.is_file() else filekind.odd_kind(directory)
        raise FileExistsError(
            f"{directory} is {kind}, not a folder; choose a new folder for the SavedModel"
        )
    above = next((p for p in directory.absolute().parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise NotADirectoryError(
            f"{above} is a file, not a folder, so {directory} cannot be created; choose a new "
            "folder for the SavedModel"
        )
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{directory} already holds files; pass overwrite=True (keras-wgan export "
            "--overwrite) to replace it, or choose a new folder"
        )


def _swap_in(staging, directory):
    """Moves the finished `staging` folder to `directory`; an old one is kept until it is in."""
    if directory.is_dir() and any(directory.iterdir()):
        old = pathlib.Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
        os.replace(directory, old)  # rename over the new empty folder
        try:
            os.replace(staging, directory)
        except BaseException:
            os.replace(old, directory)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, directory)  # onto nothing, or an empty folder


def export_saved_model(model, directory, *, latent_dim=None, cache_dir=None, verbose=False,
                       overwrite=False):
    """Writes the generator of `model` as a TensorFlow SavedModel at `directory`.

    Two endpoints, both taking a float32 latent batch of shape `(None, latent_dim)` and
    returning float32 samples (cast from the compute dtype under mixed precision):
      - `serving_default` (the signature TF-Serving and `TFSMLayer(call_endpoint=
        "serving_default")` use): input named `latent`, output a dict `{"images": ...}`;
      - `serve` (the Keras default endpoint, e.g. `TFSMLayer(directory)`): returns the tensor.
    The generator runs in inference mode. `assets/keras_wgan.json` records `latent_dim` and the
    preset metadata.

    Args:
        model: a generator `keras.Model`, a `PretrainedGenerator`, a GAN with `.generator`,
            or a handle for `keras_wgan.hub.load` (preset name, path or URL).
        directory: output folder: new, or empty, or (with `overwrite`) one to replace.
        latent_dim: overrides the latent size read from the model.
        cache_dir: cache root used when `model` is a handle.
        verbose: print what Keras' `ExportArchive` writes.
        overwrite: replace a folder that already holds files. The SavedModel is written to a
            staging folder beside `directory` and swapped in only once complete, so a failed
            export leaves the old folder as it was.

    Raises:
        FileExistsError: `directory` is a file, or holds files and `overwrite` is False.

    Returns:
        `directory` as a `pathlib.Path`.
    """
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "A TensorFlow SavedModel is exported from the TensorFlow backend: run this with "
            "KERAS_BACKEND=tensorflow (a .keras file saved under JAX loads there unchanged)."
        )
    import tensorflow as tf  # the SavedModel format is TensorFlow's own

    directory = pathlib.Path(directory)
    _check_target(directory, overwrite)
    if isinstance(model, (str, os.PathLike)):
        from keras_wgan.hub.loader import load

        model = load(model, cache_dir=cache_dir)
    generator, model_latent_dim, metadata = _generator_of(model)
    if len(getattr(generator, "inputs", None) or ()) > 1:
        raise ValueError(
            "This generator is class-conditional (it takes [noise, labels]); the SavedModel "
            "export serves noise-only generators: save a .keras file or a preset "
            "(kw.hub.save_preset) instead, which keep the labels input"
        )
    latent_dim = int(latent_dim or model_latent_dim or generator.input_shape[-1])
    spec = tf.TensorSpec((None, latent_dim), tf.float32, name=SERVING_INPUT)

    def serve(latent):
        return tf.cast(generator(latent, training=False), tf.float32)

    def serving_default(latent):
        return {SERVING_OUTPUT: serve(latent)}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint("serve", serve, input_signature=[spec])
    archive.add_endpoint("serving_default", serving_default, input_signature=[spec])
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{directory.name}.export-",
                                            dir=directory.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the result is shared
        archive.write_out(str(staging), verbose=verbose)
        info = {"latent_dim": latent_dim, "input": SERVING_INPUT, "output": SERVING_OUTPUT,
                "metadata": metadata}
        (staging / "assets").mkdir(exist_ok=True)
        (staging / "assets" / "keras_wgan.json").write_text(json.dumps(info, indent=2))
        _check_target(directory, overwrite)  # it may have changed while we worked
        _swap_in(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory
