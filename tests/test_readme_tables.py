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
