"""Export a generator as a TensorFlow SavedModel for TF-Serving, `tf.saved_model.load` and
`keras.layers.TFSMLayer`."""

import json
import os
import pathlib

import keras

from keras_wgan.hub.generator import PretrainedGenerator

SERVING_INPUT = "latent"
SERVING_OUTPUT = "images"


def _generator_of(model):
    if isinstance(model, PretrainedGenerator):
        return model.generator, model.latent_dim, model.metadata
    generator = getattr(model, "generator", None)
    if isinstance(generator, keras.Model):
        return generator, getattr(model, "latent_dim", None), {}
    if isinstance(model, keras.Model):
        return model, None, {}
    raise TypeError(f"export_saved_model needs a generator or a GAN, got {type(model).__name__}")


def export_saved_model(model, directory, *, latent_dim=None, cache_dir=None, verbose=False):
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
        directory: output folder (created; must not already hold a SavedModel).
        latent_dim: overrides the latent size read from the model.
        cache_dir: cache root used when `model` is a handle.

    Returns:
        `directory` as a `pathlib.Path`.
    """
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "A TensorFlow SavedModel is exported from the TensorFlow backend: run this with "
            "KERAS_BACKEND=tensorflow (a .keras file saved under JAX loads there unchanged)."
        )
    import tensorflow as tf  # the SavedModel format is TensorFlow's own

    if isinstance(model, (str, os.PathLike)):
        from keras_wgan.hub.loader import load

        model = load(model, cache_dir=cache_dir)
    generator, model_latent_dim, metadata = _generator_of(model)
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
    directory = pathlib.Path(directory)
    archive.write_out(str(directory), verbose=verbose)
    info = {"latent_dim": latent_dim, "input": SERVING_INPUT, "output": SERVING_OUTPUT,
            "metadata": metadata}
    (directory / "assets").mkdir(exist_ok=True)
    (directory / "assets" / "keras_wgan.json").write_text(json.dumps(info, indent=2))
    return directory
