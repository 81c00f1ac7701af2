"""JSON settings files (recipes, preset config and metadata, checkpoint records) read as
hostile: a fifo, a device, a huge or deeply nested file is one line, never a hang or a
traceback."""

import json
import os

import pytest

from keras_wgan import hub, jsonfile
from keras_wgan.hub.testing import make_preset
from keras_wgan.presets.recipe import RecipeError, load_recipe

pytestmark = pytest.mark.all_backends

DEEP = "[" * 100_000 + "]" * 100_000  # a RecursionError traceback before


def hostile(path, kind):
    if kind == "fifo":
        os.mkfifo(path)  # reading it blocked forever
    elif kind == "device":
        path.symlink_to("/dev/zero")  # read until the process was killed for memory
    elif kind == "deep":
        path.write_text(DEEP)
    else:
        path.write_text(" " * (jsonfile.MAX_JSON_BYTES + 1) + "{}")
    return path


REASONS = {"fifo": "is a fifo, not a regular file", "device": "is a device, not a regular file",
           "deep": "nests its arrays or objects too deeply", "huge": "is over 16,777,216 bytes"}


@pytest.mark.parametrize("kind", list(REASONS))
def test_load_refuses_in_one_line(tmp_path, kind):
    with pytest.raises(jsonfile.JsonFileError, match=REASONS[kind]):
        jsonfile.load(hostile(tmp_path / "x.json", kind))
    (tmp_path / "ok.json").write_text(json.dumps({"a": [1, 2]}))
    assert jsonfile.load(tmp_path / "ok.json") == {"a": [1, 2]}


@pytest.mark.parametrize("kind", list(REASONS))
def test_a_hostile_recipe_is_a_recipe_error_naming_it(tmp_path, kind):
    path = hostile(tmp_path / "recipe.json", kind)
    with pytest.raises(RecipeError, match=rf"{path} {REASONS[kind]}.*; pass a recipe file") as info:
        load_recipe(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_a_hostile_preset_metadata_is_a_format_error_naming_it(tmp_path, kind):
    make_preset(tmp_path / "p")
    (tmp_path / "p" / "metadata.json").unlink()
    path = hostile(tmp_path / "p" / "metadata.json", kind)
    with pytest.raises(hub.PresetFormatError, match=rf"{path} {REASONS[kind]}") as info:
        hub.load(tmp_path / "p")
    assert "\n" not in str(info.value)
