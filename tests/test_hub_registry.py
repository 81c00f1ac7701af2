"""The preset registry: names, versions, bundled-folder discovery and helpful errors."""

import json

import numpy as np
import pytest

from keras_wgan import hub
from keras_wgan.hub import registry
from keras_wgan.hub.testing import make_preset


@pytest.fixture
def presets(tmp_path):
    """Registers three local presets, two versions of one; unregisters them afterwards."""
    make_preset(tmp_path / "v1", seed=1)
    make_preset(tmp_path / "v2", seed=2)
    hub.register_preset("wgan_gp/toytest", handle=str(tmp_path / "v1"), version=1,
                        description="toy grid, first run")
    hub.register_preset("wgan_gp/toytest", handle=str(tmp_path / "v2"), version=2)
    hub.register_preset("gan/mnisttest", handle=str(tmp_path / "v1"))
    yield tmp_path
    hub.unregister_preset("wgan_gp/toytest")
    hub.unregister_preset("gan/mnisttest")


def test_unknown_name_lists_known_presets_with_close_matches(presets):
    with pytest.raises(hub.UnknownPresetError) as info:
        hub.load("wgan_gp/toytset")
    message = str(info.value)
    assert "unknown preset 'wgan_gp/toytset'" in message
    assert "did you mean 'wgan_gp/toytest'" in message
    assert "gan/mnisttest" in message and "register_preset" in message
    assert "\n" not in message
    assert isinstance(info.value, LookupError)


def test_unknown_version_lists_available_versions(presets):
    with pytest.raises(hub.UnknownPresetError, match="no version 7; available versions: 1, 2"):
        hub.load("wgan_gp/toytest/7")


def test_version_selection(presets):
    latent = np.ones((2, 4), "float32")
    newest, first, second = (hub.load(h) for h in
                             ("wgan_gp/toytest", "wgan_gp/toytest/1", "wgan_gp/toytest/2"))
    np.testing.assert_allclose(newest(latent), second(latent))
    assert not np.allclose(first(latent), second(latent))


def test_list_presets(presets):
    known = hub.list_presets()
    assert known["wgan_gp/toytest"]["versions"] == [1, 2]
    assert known["wgan_gp/toytest"]["version"] == 2
    assert hub.get_preset("wgan_gp/toytest/1")["description"] == "toy grid, first run"
    assert set(hub.list_presets(family="gan")) >= {"gan/mnisttest"}
    assert "wgan_gp/toytest" not in hub.list_presets(family="gan")
    known["wgan_gp/toytest"]["handle"] = "mutated"  # callers get copies
    assert hub.get_preset("wgan_gp/toytest")["handle"] != "mutated"


def test_registering_twice_needs_overwrite(presets):
    with pytest.raises(ValueError, match="already registered.*overwrite=True"):
        hub.register_preset("wgan_gp/toytest", handle="elsewhere", version=1)
    with pytest.raises(ValueError, match="must look like '<family>/<name>'"):
        hub.register_preset("no-slash", handle="x")


def test_bundled_folders_register_themselves(tmp_path):
    root = tmp_path / "presets"
    make_preset(root / "wgan_gp" / "bundledtest", metadata={"version": 3, "description": "b"})
    try:
        registry.scan_bundled(root)
        entry = hub.get_preset("wgan_gp/bundledtest")
        assert entry["version"] == 3 and entry["description"] == "b"
        assert hub.load("wgan_gp/bundledtest/3").metadata["description"] == "b"
    finally:
        hub.unregister_preset("wgan_gp/bundledtest")


def test_package_presets_dir_is_scanned():
    from keras_wgan.presets import PRESETS_DIR

    on_disk = {f"{p.parent.parent.name}/{p.parent.name}"
               for p in PRESETS_DIR.glob("*/*/metadata.json")}
    assert on_disk <= set(hub.list_presets())
    for path in PRESETS_DIR.glob("*/*/metadata.json"):  # every shipped preset is well formed
        assert json.loads(path.read_text())["format"] == "keras_wgan.preset"


def test_missing_path():
    with pytest.raises(FileNotFoundError, match="no such preset file or folder"):
        hub.load("./does/not/exist.tar.gz")


def test_a_broken_link_and_a_loop_of_links_are_named_not_called_missing(tmp_path):
    broken, loop = tmp_path / "broken.tar.gz", tmp_path / "loop.tar.gz"
    broken.symlink_to(tmp_path / "gone.tar.gz")
    loop.symlink_to(loop)
    with pytest.raises(FileNotFoundError, match=r"'.*broken.tar.gz' is a broken link; point it"):
        hub.load(str(broken))
    with pytest.raises(FileNotFoundError, match=r"is a link that cannot be followed \(a loop"):
        hub.load(str(loop))


def test_bad_scheme():
    with pytest.raises(ValueError, match="unsupported URL scheme 'ftp'"):
        hub.load("ftp://127.0.0.1/x.tar.gz")
    # urlsplit's bare "Invalid IPv6 URL" was all the command line said.
    with pytest.raises(ValueError, match=r"'http://\[::1' is not a valid URL \(Invalid IPv6 "
                                         r"URL\); check the handle"):
        hub.load("http://[::1")
    with pytest.raises(ValueError, match=r"the handle is empty: give a preset name such as "
                                         r"'wgan_gp/mnist', a path or a URL"):
        hub.load("")  # loaded the current folder
