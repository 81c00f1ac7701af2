"""`Model.from_preset`: built-in name -> registered handle -> folder / archive, class checked."""

import re

import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan.hub.from_preset import WrongModelClassError, declared_class
from keras_wgan.hub.testing import make_preset, pack
from keras_wgan.models import AdversarialModel
from keras_wgan.presets import PRESETS_DIR
from tests.conftest import tiny_toy_pair


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))


def _same_outputs(a, b):
    np.testing.assert_allclose(a.generate(4, seed=3), b.generate(4, seed=3))


@pytest.mark.parametrize("handle", ["wgan_gp/mnist", "wgan_gp/mnist/1", "mnist",
                                    str(PRESETS_DIR / "wgan_gp" / "mnist")])
def test_every_spelling_of_the_bundled_preset_gives_its_generator(handle):
    generator = kw.WGANGP.from_preset(handle)
    # The bundled presets store only a generator: from_preset returns the wrapper.
    assert isinstance(generator, kw.hub.PretrainedGenerator)
    assert generator.metadata["model"] == "wgan_gp"
    _same_outputs(generator, kw.hub.load("wgan_gp/mnist"))


def test_an_archive_of_a_preset_loads_through_the_cache(tmp_path):
    archive = pack(PRESETS_DIR / "wgan_gp" / "grid25", tmp_path / "grid25.tar.gz")
    _same_outputs(kw.WGANGP.from_preset(str(archive)), kw.hub.load("wgan_gp/grid25"))
    with pytest.raises(WrongModelClassError, match="holds the generator of WGANGP, not of NSGAN"):
        kw.NSGAN.from_preset(str(archive))


@pytest.mark.parametrize("cls", [kw.GAN, kw.NSGAN, kw.WGAN])
def test_another_class_is_refused_in_one_line_naming_the_right_one(cls):
    with pytest.raises(WrongModelClassError) as caught:
        cls.from_preset("wgan_gp/mnist")
    assert str(caught.value) == (
        f"preset 'wgan_gp/mnist' holds the generator of WGANGP, not of {cls.__name__}; load it "
        "with kw.WGANGP.from_preset('wgan_gp/mnist') or kw.hub.load('wgan_gp/mnist')")


def test_a_short_name_only_finds_the_class_own_presets():
    with pytest.raises(kw.hub.UnknownPresetError,
                       match="HingeGAN has no preset 'mnist'; its presets: \\(none\\)"):
        kw.HingeGAN.from_preset("mnist")
    wgan_gp = ", ".join(sorted(kw.hub.list_presets("wgan_gp")))
    assert "wgan_gp/grid25" in wgan_gp and "wgan_gp/mnist" in wgan_gp
    with pytest.raises(kw.hub.UnknownPresetError, match=f"its presets: {re.escape(wgan_gp)}; "):
        kw.WGANGP.from_preset("minst")
    _same_outputs(AdversarialModel.from_preset("grid25"), kw.hub.load("wgan_gp/grid25"))


def test_a_whole_gan_preset_returns_the_model_of_its_class(tmp_path):
    generator, critic = tiny_toy_pair()
    gan = kw.WGANGP(generator=generator, discriminator=critic, latent_dim=2, seed=0)
    kw.hub.save_preset(gan, tmp_path / "whole", metadata={"family": "wgan_gp"})
    loaded = kw.WGANGP.from_preset(str(tmp_path / "whole"))
    assert type(loaded) is kw.WGANGP and loaded.critic_steps == gan.critic_steps
    noise = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    np.testing.assert_allclose(loaded.generator(noise), gan.generator(noise), atol=1e-6)
    assert isinstance(AdversarialModel.from_preset(str(tmp_path / "whole")), kw.WGANGP)
    with pytest.raises(WrongModelClassError, match="holds a whole model of WGANGP, not of WGAN"):
        kw.WGAN.from_preset(str(tmp_path / "whole"))
    archive = pack(tmp_path / "whole", tmp_path / "whole.zip")
    assert type(kw.WGANGP.from_preset(str(archive))) is kw.WGANGP


def test_a_preset_that_does_not_name_its_model_needs_the_base_class(tmp_path):
    make_preset(tmp_path / "anon")  # family "test": not a model variant
    with pytest.raises(WrongModelClassError, match="does not say which model made it"):
        kw.WGANGP.from_preset(str(tmp_path / "anon"))
    assert AdversarialModel.from_preset(str(tmp_path / "anon")).latent_dim == 4


def test_declared_class_reads_the_metadata():
    assert declared_class({"kind": "gan", "class_name": "NSGAN"}) is kw.NSGAN
    assert declared_class({"model": "wgan"}) is kw.WGAN
    assert declared_class({"recipe": {"model": {"variant": "gan"}}}) is kw.GAN
    assert declared_class({"family": "wgan_gp"}) is kw.WGANGP
    assert declared_class({"family": "mine"}) is None


def test_a_short_name_is_a_preset_before_it_is_a_local_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_preset(tmp_path / "grid25")  # a folder in the working directory, named like a preset
    make_preset(tmp_path / "mine", latent_dim=3)
    assert kw.WGANGP.from_preset("grid25").latent_dim == 2  # the bundled one, as keras-hub does
    assert AdversarialModel.from_preset("mine").latent_dim == 3  # no such preset: the folder
