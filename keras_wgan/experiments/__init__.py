"""Experiments that make the seed papers' claims visible: importable functions behind examples/."""
