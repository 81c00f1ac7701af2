"""The preset format: save/load round trips, float16 storage, integrity, whole GANs."""

import json

import h5py
import keras
import numpy as np
import pytest

from keras_wgan import hub
from keras_wgan.hub.testing import make_preset, tiny_generator

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

LATENT = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
# Model outputs as NumPy on every backend (on torch they carry autograd history, which
# np.asarray refuses).
numpy = keras.ops.convert_to_numpy


def test_round_trip_is_exact_and_metadata_complete(tmp_path):
    generator, meta = make_preset(tmp_path / "p", metadata={"training_steps": 123,
                                                            "metrics": {"modes": 25}})
    on_disk = json.loads((tmp_path / "p" / "metadata.json").read_text())
    assert on_disk == meta
    for key in ("description", "family", "dataset", "training_steps", "metrics", "latent_dim",
                "weights_dtype", "files", "kind", "output_shape"):
        assert key in meta
    assert meta["training_steps"] == 123 and meta["metrics"] == {"modes": 25}
    assert meta["latent_dim"] == 4 and meta["output_shape"] == [2, 3, 1]
    assert meta["files"]["model.weights.h5"] == hub.sha256_file(tmp_path / "p/model.weights.h5")
    model = hub.load(tmp_path / "p")
    assert isinstance(model, hub.PretrainedGenerator)
    np.testing.assert_array_equal(numpy(model(LATENT)), numpy(generator(LATENT)))
    np.testing.assert_array_equal(model.generate(3, seed=5), model.generate(3, seed=5))
    assert model.generate(600, seed=1, batch_size=256).shape == (600, 2, 3, 1)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        make_preset(tmp_path / "p")


def test_float16_storage_within_tolerance(tmp_path):
    generator, meta32 = make_preset(tmp_path / "f32")
    _, meta16 = make_preset(tmp_path / "f16", weights_dtype="float16")
    assert meta16["weights_dtype"] == "float16"
    assert 0 < meta16["float16_max_abs_error"] <= meta16["float16_tolerance"] == 1e-2
    with h5py.File(tmp_path / "f16" / "model.weights.h5") as f:
        dtypes = set()
        f.visititems(lambda _, o: dtypes.add(o.dtype) if isinstance(o, h5py.Dataset) else None)
    assert dtypes == {np.dtype("float16")}
    model = hub.load(tmp_path / "f16")
    out = keras.ops.convert_to_numpy(model(LATENT))
    assert out.dtype == np.float32  # storage only: the layers still compute in float32
    np.testing.assert_allclose(out, numpy(generator(LATENT)), atol=meta16["float16_tolerance"])
    assert not np.array_equal(out, keras.ops.convert_to_numpy(generator(LATENT)))


def test_float16_over_tolerance_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="over the tolerance 1e-09.*weights_dtype='float32'"):
        make_preset(tmp_path / "f16", weights_dtype="float16", tolerance=1e-9)
    assert list(tmp_path.iterdir()) == []  # neither the preset nor its staging folder


def test_edited_weights_are_detected(tmp_path):
    make_preset(tmp_path / "p")
    with h5py.File(tmp_path / "p" / "model.weights.h5", "r+") as f:
        f["layers/dense/vars/0"][0, 0] += 1.0
    with pytest.raises(hub.IntegrityError, match="model.weights.h5 has sha256 .* expected"):
        hub.load(tmp_path / "p")
    assert hub.load_preset(tmp_path / "p", verify=False).latent_dim == 4


def test_not_a_preset_folder(tmp_path):
    with pytest.raises(hub.PresetFormatError, match="not a preset"):
        hub.load(tmp_path)
    with pytest.raises(hub.PresetFormatError, match="whole_model=False"):
        make_preset(tmp_path / "p")
        hub.load(tmp_path / "p", whole_model=True)


def test_pretrained_generator_round_trips_through_keras_file(tmp_path):
    make_preset(tmp_path / "p", metadata={"dataset": "grid25"})
    model = hub.load(tmp_path / "p")
    model.save(tmp_path / "g.keras")
    again = hub.load(tmp_path / "g.keras")
    assert isinstance(again, hub.PretrainedGenerator)
    assert again.metadata["dataset"] == "grid25" and again.latent_dim == 4
    np.testing.assert_allclose(numpy(again(LATENT)), numpy(model(LATENT)), atol=1e-6)
    plain = tiny_generator(seed=3)
    plain.save(tmp_path / "plain.keras")
    wrapped = hub.load(tmp_path / "plain.keras")
    np.testing.assert_allclose(numpy(wrapped(LATENT)), numpy(plain(LATENT)), atol=1e-6)


def _tiny_wgangp():
    kw = pytest.importorskip("keras_wgan")
    critic_in = keras.Input((6,))
    critic = keras.Model(critic_in, keras.layers.Dense(1)(critic_in))
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="tanh")])
    gan = kw.WGANGP(generator=generator, discriminator=critic, latent_dim=4)
    gan.compile()
    gan.fit(np.random.default_rng(0).standard_normal((10, 6)).astype("float32"),
            batch_size=10, epochs=1, verbose=0)
    return gan


def test_whole_gan_preset(tmp_path):
    gan = _tiny_wgangp()
    for dtype, atol in (("float32", 1e-6), ("float16", 1e-2)):
        meta = hub.save_preset(gan, tmp_path / dtype, weights_dtype=dtype,
                               metadata={"family": "wgan_gp"})
        assert meta["kind"] == "gan" and meta["class_name"] == "WGANGP"
        whole = hub.load(tmp_path / dtype, whole_model=True)
        assert type(whole) is type(gan)
        real = np.ones((3, 6), "float32")
        np.testing.assert_allclose(numpy(whole.discriminator(real)),
                                   numpy(gan.discriminator(real)), atol=atol)
        # hub.load(...).generate and the GAN's own generate agree for the same seed
        generator = hub.load(tmp_path / dtype)
        np.testing.assert_allclose(generator.generate(4, seed=9), gan.generate(4, seed=9),
                                   atol=atol)


def _rewrite(directory, name, text):
    """Replaces one file of a preset and re-lists its sha256, as a hostile preset would."""
    (directory / name).write_text(text) if isinstance(text, str) else \
        (directory / name).write_bytes(text)
    meta = json.loads((directory / "metadata.json").read_text())
    if name in meta["files"]:
        meta["files"][name] = hub.sha256_file(directory / name)
        (directory / "metadata.json").write_text(json.dumps(meta))


def _one_line(info):
    assert "\n" not in str(info.value)
    return str(info.value)


def test_config_that_is_not_a_generator_model_is_refused(tmp_path):
    make_preset(tmp_path / "p")
    dense = keras.saving.serialize_keras_object(keras.layers.Dense(3))
    cases = {
        json.dumps(dense): r"config\.json describes a Dense layer, not a generator or GAN model",
        "[1, 2]": r"config\.json holds a JSON list, not a serialized Keras model",
        json.dumps({"class_name": "NoSuchModel", "config": {}}):
            r"config\.json does not describe a Keras model \(",
        '{"class_name": "Functional",\n "config": ': r"config\.json is not valid JSON "
                                                    r"\(Expecting value at line 2 column 12\)",
    }
    for text, message in cases.items():
        _rewrite(tmp_path / "p", "config.json", text)
        with pytest.raises(hub.PresetFormatError, match=message) as info:
            hub.load(tmp_path / "p")
        assert "re-download the preset or re-save it" in _one_line(info)


def test_invalid_metadata_json_names_the_file_and_position(tmp_path):
    make_preset(tmp_path / "p")
    (tmp_path / "p" / "metadata.json").write_text('{"format": "keras_wgan.preset",,}')
    with pytest.raises(hub.PresetFormatError, match=r"p/metadata\.json is not valid JSON \("
                                                    r"Expecting property name enclosed in double "
                                                    r"quotes at line 1 column 32\)") as info:
        hub.load(tmp_path / "p")
    _one_line(info)
    (tmp_path / "p" / "metadata.json").write_text('["a list"]')
    with pytest.raises(hub.PresetFormatError, match=r"metadata\.json holds a JSON list"):
        hub.read_metadata(tmp_path / "p")


def test_weights_of_another_architecture_are_one_line(tmp_path):
    make_preset(tmp_path / "p")
    make_preset(tmp_path / "wide", latent_dim=7)
    _rewrite(tmp_path / "p", "model.weights.h5", (tmp_path / "wide/model.weights.h5").read_bytes())
    with pytest.raises(hub.PresetFormatError, match=r"model\.weights\.h5 does not fit .*"
                                                    r"config\.json \(") as info:
        hub.load(tmp_path / "p")
    _one_line(info)


def test_metadata_that_disagrees_with_the_model_is_refused(tmp_path):
    make_preset(tmp_path / "p")
    for key, value, message in (("latent_dim", 5, "latent_dim 5 but the model has 4"),
                                ("output_shape", [28, 28, 1],
                                 r"output_shape \[28, 28, 1\] but the model has \[2, 3, 1\]")):
        make_preset(tmp_path / key)
        meta = json.loads((tmp_path / key / "metadata.json").read_text())
        meta[key] = value
        (tmp_path / key / "metadata.json").write_text(json.dumps(meta))
        with pytest.raises(hub.PresetFormatError, match=message):
            hub.load(tmp_path / key)


@pytest.mark.parametrize("name,why", [
    ("../../../../etc/passwd", "climbs out with '..'"),
    ("/etc/passwd", "is an absolute path"),
    ("outside.txt", r"resolves outside the preset folder \(through a link\)"),
])
def test_verify_preset_reads_only_files_inside_the_preset(name, why, tmp_path, monkeypatch):
    from keras_wgan.hub import preset as preset_module

    make_preset(tmp_path / "p")
    (tmp_path / "secret.txt").write_text("not the preset's")
    (tmp_path / "p" / "outside.txt").symlink_to(tmp_path / "secret.txt")
    meta = json.loads((tmp_path / "p" / "metadata.json").read_text())
    meta["files"][name] = "0" * 64
    (tmp_path / "p" / "metadata.json").write_text(json.dumps(meta))
    hashed = []
    real = preset_module.sha256_file
    monkeypatch.setattr(preset_module, "sha256_file", lambda p: hashed.append(p) or real(p))
    with pytest.raises(hub.PresetFormatError, match=f"lists {name!r} in 'files', which {why}"):
        hub.verify_preset(tmp_path / "p")
    assert all(str(path).startswith(str(tmp_path / "p")) and "outside" not in str(path)
               for path in hashed)


def _classifier():
    image = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(x))


def _mlp(inputs, units, activation=None):
    x = keras.Input((inputs,))
    return keras.Model(x, keras.layers.Dense(units, activation=activation)(x))


def _two_inputs():
    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], keras.layers.Add()([a, b]))


NOT_GENERATORS = {
    "image_classifier": (_classifier, r"its input has shape \(batch, 28, 28, 1\)"),
    "flat_classifier": (lambda: _mlp(784, 10, "softmax"),
                        r"it ends in a softmax \(class probabilities of shape \(batch, 10\)\)"),
    "critic": (lambda: _mlp(2, 1), r"one score per example, shape \(batch, 1\), like a critic"),
    "two_inputs": (_two_inputs, "it takes 2 inputs"),
}


@pytest.mark.parametrize("case", sorted(NOT_GENERATORS))
def test_keras_file_that_is_not_a_generator_is_refused(case, tmp_path):
    build, why = NOT_GENERATORS[case]
    path = tmp_path / f"{case}.keras"
    build().save(path)
    with pytest.raises(hub.PresetFormatError, match=why) as info:
        hub.load(path)
    message = _one_line(info)
    assert f"{case}.keras holds a Functional model, not a generator" in message
    assert "expected a GAN or a model mapping a flat latent vector (batch, latent_dim)" in message


def test_classifier_is_refused_by_sample_and_whole_model(tmp_path, capsys):
    from keras_wgan.app import cli

    _classifier().save(tmp_path / "classifier.keras")
    with pytest.raises(hub.PresetFormatError, match="not a whole GAN"):
        hub.load(tmp_path / "classifier.keras", whole_model=True)
    code = cli.main(["sample", str(tmp_path / "classifier.keras"),
                     "--out", str(tmp_path / "grid.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "not a generator" in err
    assert not (tmp_path / "grid.png").exists()


def test_damaged_keras_file_is_one_line(tmp_path):
    tiny_generator().save(tmp_path / "g.keras")
    data = bytearray((tmp_path / "g.keras").read_bytes())
    offset = data.index(b"model.weights.h5") + 300  # inside the weights member's data
    data[offset] ^= 0xFF
    (tmp_path / "g.keras").write_bytes(bytes(data))
    with pytest.raises(hub.PresetFormatError, match=r"g\.keras is a damaged or foreign \.keras "
                                                    r"file \(.*save or download it again"):
        hub.load(tmp_path / "g.keras")
