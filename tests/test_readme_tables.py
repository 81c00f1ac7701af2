"""README's generated tables are what the code prints today (one source of truth per fact)."""

import pathlib
import re

from keras_wgan.models.variants import variants_table

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _block(name):
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", text, re.S)
    assert match, f"README.md has no <!-- {name}:start/end --> block"
    return match.group(1)


def test_objectives_table_is_the_registry():
    assert _block("variants-table") == variants_table(), (
        "README's objectives table differs from the registry: paste the output of "
        "`python -m keras_wgan.models` between the variants-table markers")


def test_the_table_has_one_row_per_registered_variant():
    from keras_wgan.models import variant_names

    rows = _block("variants-table").splitlines()[2:]
    assert [re.match(r"\| `(\w+)`", row).group(1) for row in rows] == list(variant_names())


def _bench_quality():
    import importlib.util

    path = README.parent / "bench" / "quality.py"
    spec = importlib.util.spec_from_file_location("bench_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quality_table_is_what_bench_quality_printed():
    import json

    quality = _bench_quality()
    results = json.loads((README.parent / "bench" / "results" / "quality.json").read_text())
    assert _block("quality-table") == quality.combined_markdown(results["rows"]), (
        "README's quality table differs from bench/results/quality.json: paste the --markdown "
        "output of `make bench-quality` between the quality-table markers")
    # The presets' rows are their metadata today: a preset rebuilt without rerunning the
    # combine step (`bench/quality.py --combine ...`) fails here.
    stored = [row for row in results["rows"] if row["model"].startswith("preset ")]
    assert stored == quality.preset_rows()
    seeded = [row for row in results["rows"] if not row["model"].startswith("preset ")]
    assert seeded and all(len(row["seeds"]) == 3 for row in seeded)
