"""SavedModel export served in a fresh process matches the Keras generator."""

import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

from keras_wgan import hub
from keras_wgan.hub.testing import make_preset

SERVE = """
import sys, numpy as np, keras, tensorflow as tf
directory, latent_path, out_path = sys.argv[1:]
latent = np.load(latent_path)
layer = keras.layers.TFSMLayer(directory, call_endpoint="serving_default")
by_layer = layer(latent)["images"]
loaded = tf.saved_model.load(directory)
by_signature = loaded.signatures["serving_default"](latent=tf.constant(latent))["images"]
by_serve = loaded.serve(tf.constant(latent))
np.savez(out_path, layer=np.asarray(by_layer), signature=by_signature.numpy(),
         serve=by_serve.numpy())
"""


def test_saved_model_served_in_fresh_process_matches_keras(tmp_path):
    make_preset(tmp_path / "p", latent_dim=5, metadata={"dataset": "grid25"})
    model = hub.load(tmp_path / "p")
    directory = hub.export_saved_model(model, tmp_path / "saved")
    info = json.loads((directory / "assets" / "keras_wgan.json").read_text())
    assert info["latent_dim"] == 5 and info["metadata"]["dataset"] == "grid25"

    latent = np.random.default_rng(3).standard_normal((7, 5)).astype("float32")
    np.save(tmp_path / "latent.npy", latent)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    subprocess.run([sys.executable, "-c", SERVE, str(directory), str(tmp_path / "latent.npy"),
                    str(tmp_path / "served.npz")], check=True, env=env, capture_output=True)
    served = np.load(tmp_path / "served.npz")
    expected = np.asarray(model(latent))
    assert expected.shape == (7, 2, 3, 1)
    for key in ("layer", "signature", "serve"):
        assert served[key].shape == expected.shape and served[key].dtype == np.float32
        np.testing.assert_allclose(served[key], expected, atol=1e-6)


def test_export_takes_the_generator_of_a_gan_or_a_plain_model(tmp_path):
    import tensorflow as tf

    generator, _ = make_preset(tmp_path / "p")

    class Holder:  # anything with a .generator keras.Model is treated as a GAN
        pass

    holder = Holder()
    holder.generator, holder.latent_dim = generator, 4
    for name, model in (("plain", generator), ("gan", holder), ("handle", str(tmp_path / "p"))):
        loaded = tf.saved_model.load(str(hub.export_saved_model(model, tmp_path / name)))
        signature = loaded.signatures["serving_default"]
        assert signature.structured_input_signature[1]["latent"].shape.as_list() == [None, 4]
        latent = np.ones((2, 4), "float32")
        np.testing.assert_allclose(signature(latent=tf.constant(latent))["images"],
                                   generator(latent), atol=1e-6)


def test_export_refuses_a_file_and_a_folder_with_files(tmp_path):
    make_preset(tmp_path / "p")
    model = hub.load(tmp_path / "p")
    (tmp_path / "a_file").write_text("keep me")
    with pytest.raises(FileExistsError, match="a_file is a file, not a folder") as info:
        hub.export_saved_model(model, tmp_path / "a_file")
    assert "\n" not in str(info.value)
    assert (tmp_path / "a_file").read_text() == "keep me"
    # Under a file: was "[Errno 17] File exists: '.../a_file'".
    with pytest.raises(NotADirectoryError, match=r"a_file is a file, not a folder, so .*a_file/"
                                                 r"sub cannot be created; choose a new folder"):
        hub.export_saved_model(model, tmp_path / "a_file" / "sub")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FileExistsError, match="pipe is a fifo, not a folder"):
        hub.export_saved_model(model, tmp_path / "pipe", overwrite=True)
    (tmp_path / "pipe").unlink()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep me too")
    with pytest.raises(FileExistsError, match=r"full already holds files; pass overwrite=True "
                                              r"\(keras-wgan export --overwrite\)"):
        hub.export_saved_model(model, tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    hub.export_saved_model(model, tmp_path / "empty")  # an empty folder is fine
    assert (tmp_path / "empty" / "saved_model.pb").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "empty", "full", "p"]


def test_overwrite_replaces_the_folder_and_a_failure_keeps_the_old_one(tmp_path, monkeypatch):
    from keras_wgan.hub import export as export_module

    make_preset(tmp_path / "p", latent_dim=4)
    make_preset(tmp_path / "q", latent_dim=6)
    out = tmp_path / "out"
    hub.export_saved_model(hub.load(tmp_path / "p"), out)
    (out / "stale.txt").write_text("from before")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def disk_full(*args, **kwargs):  # fails once the SavedModel itself is written
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(export_module, "json", types.SimpleNamespace(dumps=disk_full))
        with pytest.raises(OSError, match="No space left"):
            hub.export_saved_model(hub.load(tmp_path / "q"), out, overwrite=True)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "p", "q"]  # no staging left

    hub.export_saved_model(hub.load(tmp_path / "q"), out, overwrite=True)
    assert not (out / "stale.txt").exists()
    info = json.loads((out / "assets" / "keras_wgan.json").read_text())
    assert info["latent_dim"] == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "p", "q"]


def test_export_refuses_a_model_that_is_not_a_generator(tmp_path):
    import keras

    image = keras.Input((8, 8, 1))
    classifier = keras.Model(image, keras.layers.Dense(3, activation="softmax")(
        keras.layers.Flatten()(image)))
    with pytest.raises(hub.PresetFormatError, match=r"not a generator: its input has shape "
                                                    r"\(batch, 8, 8, 1\)"):
        hub.export_saved_model(classifier, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_refuses_a_conditional_generator_in_one_line(tmp_path):
    import keras_wgan as kw

    generator = kw.architectures.mlp_generator(2, 2, width=8, depth=1, num_classes=3)
    with pytest.raises(ValueError, match=r"class-conditional .* save a \.keras file or a preset"):
        hub.export_saved_model(generator, tmp_path / "served")
    assert not (tmp_path / "served").exists()
