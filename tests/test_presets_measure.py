"""`python -m keras_wgan.presets.build --measure`: stored weights measured again, nothing else."""

import json
import shutil

import pytest

from keras_wgan.presets import PRESETS_DIR
from keras_wgan.presets.build import main

HANDLE = "wgan_gp/grid25"


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))


def test_measure_rewrites_only_the_metrics(tmp_path):
    shutil.copytree(PRESETS_DIR / HANDLE, tmp_path / HANDLE)
    before = json.loads((tmp_path / HANDLE / "metadata.json").read_text())
    weights = (tmp_path / HANDLE / "model.weights.h5").read_bytes()
    before_metrics = dict(before["metrics"])
    before["metrics"] = {"hq_rate": -1.0}  # a stale value the measurement must replace
    (tmp_path / HANDLE / "metadata.json").write_text(json.dumps(before))

    assert main(["--only", HANDLE, "--measure", "--out", str(tmp_path)]) == 0

    after = json.loads((tmp_path / HANDLE / "metadata.json").read_text())
    # The same noise through the same stored weights gives the recorded metrics again.
    assert after["metrics"]["modes_covered"] == before_metrics["modes_covered"]
    assert after["metrics"]["hq_rate"] == pytest.approx(before_metrics["hq_rate"], abs=0.01)
    assert {k: v for k, v in after.items() if k not in ("metrics", "evaluation")} == {
        k: v for k, v in before.items() if k not in ("metrics", "evaluation")}
    assert (tmp_path / HANDLE / "model.weights.h5").read_bytes() == weights
    assert [p.name for p in (tmp_path / HANDLE).iterdir() if ".tmp" in p.name] == []


def test_measure_without_a_preset_is_one_line(tmp_path, capsys):
    assert main(["--only", HANDLE, "--measure", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no preset at" in err[0] and "build it first" in err[0]
