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
    np.testing.assert_array_equal(model(LATENT), generator(LATENT))
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
    np.testing.assert_allclose(out, generator(LATENT), atol=meta16["float16_tolerance"])
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
    np.testing.assert_allclose(again(LATENT), model(LATENT), atol=1e-6)
    plain = tiny_generator(seed=3)
    plain.save(tmp_path / "plain.keras")
    wrapped = hub.load(tmp_path / "plain.keras")
    np.testing.assert_allclose(wrapped(LATENT), plain(LATENT), atol=1e-6)


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
        np.testing.assert_allclose(whole.discriminator(real), gan.discriminator(real), atol=atol)
        # hub.load(...).generate and the GAN's own generate agree for the same seed
        generator = hub.load(tmp_path / dtype)
        np.testing.assert_allclose(generator.generate(4, seed=9), gan.generate(4, seed=9),
                                   atol=atol)
