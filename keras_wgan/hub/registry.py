"""The preset registry: plain dicts, keyed by name and version, like keras-hub's presets.

An entry is a dict with `name` (`"<family>/<name>"`), `version` (int), `handle` (a local preset
folder, archive or `.keras` file, or a `file://`/`http(s)://` URL of an archive), `sha256` (of
the archive at `handle`, or None when the per-file hashes in `metadata.json` are the check),
`description` and `metadata`. Bundled presets under `keras_wgan/presets/` register themselves.
"""

import copy
import difflib
import json
import re

from keras_wgan.hub.errors import UnknownPresetError

# name -> version -> entry
_REGISTRY = {}
_BUNDLED_SCANNED = False
_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_HANDLE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/(?P<version>\d+))?$")


def register_preset(name, *, handle, version=1, sha256=None, description="", metadata=None,
                    overwrite=False):
    """Registers a preset so `hub.load(name)` and `hub.load(f"{name}/{version}")` find it.

    Args:
        name: `"<family>/<name>"`, e.g. `"wgan_gp/mnist"`.
        handle: where the preset lives: a local folder, archive or `.keras` file, or a
            `file://`, `http://` or `https://` URL of an archive.
        version: positive int; `load(name)` picks the highest registered version.
        sha256: hex digest of the file at `handle` (archive or `.keras`), verified on download
            and before use. Leave None for folders (their `metadata.json` lists per-file hashes).
        description: one line shown by `list_presets()`.
        metadata: dict of facts about the checkpoint (dataset, training steps, metrics...).
        overwrite: replace an existing entry of the same name and version instead of raising.

    Returns:
        The registered entry (a dict).
    """
    if not _NAME.match(name):
        raise ValueError(
            f"preset name {name!r} must look like '<family>/<name>' using letters, digits, "
            "'_', '-' and '.'; rename it"
        )
    version = int(version)
    if version < 1:
        raise ValueError(f"preset {name!r}: version must be a positive int, got {version}")
    versions = _REGISTRY.setdefault(name, {})
    if version in versions and not overwrite:
        raise ValueError(
            f"preset {name}/{version} is already registered (handle "
            f"{versions[version]['handle']!r}); pass overwrite=True or choose a new version"
        )
    entry = {
        "name": name,
        "version": version,
        "handle": str(handle),
        "sha256": sha256.lower() if sha256 else None,
        "description": description or (metadata or {}).get("description", ""),
        "metadata": dict(metadata or {}),
    }
    versions[version] = entry
    return copy.deepcopy(entry)


def unregister_preset(name, version=None):
    """Removes one version of a preset, or all of them when `version` is None."""
    if version is None:
        _REGISTRY.pop(name, None)
    else:
        _REGISTRY.get(name, {}).pop(int(version), None)
        if not _REGISTRY.get(name, True):
            del _REGISTRY[name]


def scan_bundled(root=None):
    """Registers every `<root>/<family>/<name>/metadata.json` folder (default: the package's).

    Already-registered name/version pairs are left alone, so a family's explicit entry wins.
    """
    global _BUNDLED_SCANNED
    if root is None:
        from keras_wgan.presets import PRESETS_DIR as root
        _BUNDLED_SCANNED = True
    for metadata_path in sorted(root.glob("*/*/metadata.json")):
        folder = metadata_path.parent
        with open(metadata_path, encoding="utf-8") as f:
            metadata = json.load(f)
        name = f"{folder.parent.name}/{folder.name}"
        version = int(metadata.get("version", 1))
        if version not in _REGISTRY.get(name, {}):
            register_preset(name, handle=str(folder), version=version, metadata=metadata)


def _ensure_bundled():
    if not _BUNDLED_SCANNED:
        scan_bundled()


def list_presets(family=None):
    """What is known: `{name: entry}` for the highest version of each preset, sorted by name.

    Each entry carries `versions`, the sorted list of registered versions. `family` (e.g.
    `"wgan_gp"`) keeps only that family's presets.
    """
    _ensure_bundled()
    out = {}
    for name in sorted(_REGISTRY):
        if family is not None and name.split("/")[0] != family:
            continue
        versions = _REGISTRY[name]
        entry = copy.deepcopy(versions[max(versions)])
        entry["versions"] = sorted(versions)
        out[name] = entry
    return out


def parse_handle(handle):
    """`"family/name"` -> `("family/name", None)`; `"family/name/3"` -> `("family/name", 3)`.

    Returns None when `handle` does not have the shape of a preset name.
    """
    match = _HANDLE.match(str(handle))
    if not match:
        return None
    version = match.group("version")
    return match.group("name"), (int(version) if version else None)


def is_registered(handle):
    """True if `handle` is a registered preset name, with or without a version."""
    _ensure_bundled()
    parsed = parse_handle(handle)
    return parsed is not None and parsed[0] in _REGISTRY


def get_preset(handle):
    """The registry entry for `"family/name"` (highest version) or `"family/name/<version>"`.

    Raises `UnknownPresetError` naming the known presets and the closest matches.
    """
    _ensure_bundled()
    parsed = parse_handle(handle)
    name, version = parsed if parsed else (str(handle), None)
    if name not in _REGISTRY:
        known = sorted(_REGISTRY)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise UnknownPresetError(
            f"unknown preset {name!r}; {hint}known presets: {', '.join(known) or '(none)'}; "
            "pass a registered name, a local preset folder, archive or .keras file, or a URL, "
            "or register it with keras_wgan.hub.register_preset()"
        )
    versions = _REGISTRY[name]
    if version is None:
        version = max(versions)
    if version not in versions:
        raise UnknownPresetError(
            f"preset {name!r} has no version {version}; available versions: "
            f"{', '.join(str(v) for v in sorted(versions))}; load '{name}' for the newest"
        )
    return copy.deepcopy(versions[version])
