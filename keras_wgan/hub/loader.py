"""`load(handle)`: one entry point for preset names, folders, archives, `.keras` files and URLs."""

import os
import pathlib
import urllib.parse
import urllib.request
import zipfile

import keras

from keras_wgan import filekind
from keras_wgan.hub import cache, registry
from keras_wgan.hub.archive import check_zip, is_archive
from keras_wgan.hub.errors import IntegrityError, PresetFormatError, UnknownPresetError
from keras_wgan.hub.generator import PretrainedGenerator, generator_of
from keras_wgan.hub.preset import (
    CONFIG_FILE,
    METADATA_FILE,
    is_preset_dir,
    load_preset,
    sha256_file,
)

URL_SCHEMES = ("file", "http", "https")


def _load_keras_file(path, whole_model, metadata=None):
    refusal = filekind.not_regular(path)
    if refusal:  # a fifo blocks forever, /dev/zero never ends
        raise PresetFormatError(f"{refusal}; point at the .keras file itself")
    # Keras reports a damaged .keras file as "File not found"; name the real problem.
    if os.path.isfile(path) and not zipfile.is_zipfile(path):
        raise PresetFormatError(
            f"{path} is not a valid .keras file (not a zip archive: truncated or corrupted); "
            "save or download it again"
        )
    check_zip(path)  # no links or devices, member count and declared sizes within bounds
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # damaged zip, foreign config, weights of another model...
        text = str(error).strip().splitlines()
        raise PresetFormatError(
            f"{path} is a damaged or foreign .keras file ({type(error).__name__}: "
            f"{text[0][:200] if text else ''}); save or download it again"
        ) from None
    if whole_model:
        if not isinstance(getattr(model, "generator", None), keras.Model):
            raise PresetFormatError(
                f"{path} holds a {type(model).__name__}, not a whole GAN; "
                "load it with whole_model=False"
            )
        generator_of(model, path)
        return model
    own = model.metadata if isinstance(model, PretrainedGenerator) else None
    generator, latent_dim = generator_of(model, path, own)
    if isinstance(model, PretrainedGenerator):
        return model
    return PretrainedGenerator(generator, latent_dim=latent_dim,
                               metadata=metadata or {"source": str(path)})


def _load_local(path, whole_model):
    if path.is_dir():
        if is_preset_dir(path):
            return load_preset(path, whole_model=whole_model)
        if (path / cache.KERAS_FILE).is_file():
            return _load_keras_file(path / cache.KERAS_FILE, whole_model)
        refusals = [filekind.not_regular(path / name)
                    for name in (CONFIG_FILE, METADATA_FILE, cache.KERAS_FILE)]
        refusals = [refusal for refusal in refusals if refusal]
        if refusals:  # a fifo or device would block or never end: never opened
            raise PresetFormatError(f"{refusals[0]}; re-download the preset or re-save it")
        raise PresetFormatError(
            f"{path} is a folder but not a preset (no config.json and metadata.json); "
            "write one with keras_wgan.hub.save_preset()"
        )
    if path.suffix.lower() == ".keras":
        return _load_keras_file(path, whole_model)
    raise PresetFormatError(
        f"cannot load {path}: expected a preset folder, a .tar.gz/.tgz/.tar.bz2/.tar.xz/.tar/.zip "
        "archive or a .keras file"
    )


def _load_source(source, *, handle, sha256, whole_model, cache_dir, download_timeout=None):
    """Loads what `source` (a path or URL) points at, through the cache for archives/URLs."""
    try:
        scheme = urllib.parse.urlsplit(source).scheme if "://" in source else ""
    except ValueError as error:  # "Invalid IPv6 URL", a port that is not a number...
        raise ValueError(f"{source!r} is not a valid URL ({error}); check the handle") from None
    if scheme and scheme not in URL_SCHEMES:
        raise ValueError(
            f"unsupported URL scheme {scheme!r} in {source!r}; use file, http or https"
        )
    if not scheme:
        path = pathlib.Path(source).expanduser()
        if not os.path.lexists(path):
            raise FileNotFoundError(f"no such preset file or folder: {source!r}; check the path")
        if not path.exists():  # a link to nothing, or a loop of links
            what = ("a broken link" if filekind.odd_kind(path) == "a broken link"
                    else "a link that cannot be followed (a loop of links)")
            raise FileNotFoundError(f"the preset path {source!r} is {what}; point it at a "
                                    "preset file or folder")
        if not is_archive(path):
            if sha256 and path.is_file():
                got = sha256_file(path)
                if got != sha256.lower():
                    raise IntegrityError(f"sha256 mismatch for {handle}: expected {sha256}, got "
                                         f"{got}; re-download the file or fix the registry entry")
            return _load_local(path, whole_model)
        if handle == source:  # key the cache by the absolute path, not the spelling
            handle = str(path.resolve())
        source = str(path.resolve())
    elif scheme == "file":
        local = pathlib.Path(urllib.request.url2pathname(urllib.parse.urlsplit(source).path))
        if local.is_dir():  # a file:// URL of a preset folder needs no cache
            return _load_local(local, whole_model)
    entry = cache.fetch(source, sha256=sha256, handle=handle, cache_dir=cache_dir,
                        download_timeout=download_timeout)
    return _load_local(entry, whole_model)


def load(handle, *, whole_model=False, cache_dir=None, download_timeout=None):
    """Loads a pretrained generator (or, with `whole_model=True`, the whole GAN) by handle.

    `handle` may be:
      - a registered preset name, `"wgan_gp/mnist"` (newest version) or `"wgan_gp/mnist/1"`;
      - a local preset folder (`config.json`, `model.weights.h5`, `metadata.json`);
      - a local archive of such a folder (`.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, `.tar`,
        `.zip`) or a `.keras` file;
      - a `file://`, `http://` or `https://` URL of an archive or `.keras` file.

    Archives and URLs go through the cache (see `keras_wgan.hub.cache`): downloaded once with
    timeouts and a size cap, sha256-checked, extracted safely, shared between processes.
    `KERAS_WGAN_OFFLINE=1` forbids network access and loads only what is cached.
    `download_timeout` (seconds for the connection and each read; default
    `$KERAS_WGAN_DOWNLOAD_TIMEOUT` or 60) ends a download from a server that stalls.

    Whatever the handle holds must be a generator, or a GAN holding one (see
    `hub.generator.generator_of`: one flat `(batch, latent_dim)` input, one output that is
    neither class probabilities nor one score per example); anything else, a damaged file, or
    a config that is not a Keras model raises `PresetFormatError` in one line.

    Returns:
        A `PretrainedGenerator` (`generate(n, seed=None)` returns NumPy samples), or the GAN
        model itself when `whole_model=True` and the preset holds one.
    """
    if not isinstance(handle, (str, os.PathLike)):  # os.fspath: "expected str, bytes or ..."
        raise TypeError(f"handle must be a preset name such as 'wgan_gp/mnist', a path or a "
                        f"URL, got {handle!r} ({type(handle).__name__})")
    handle = os.fspath(handle)
    if not str(handle).strip():  # "" loaded the current folder
        raise ValueError("the handle is empty: give a preset name such as 'wgan_gp/mnist', a "
                         "path or a URL")
    if registry.is_registered(handle):
        entry = registry.get_preset(handle)
        label = f"{entry['name']}/{entry['version']}"
        return _load_source(entry["handle"], handle=label, sha256=entry["sha256"],
                            whole_model=whole_model, cache_dir=cache_dir,
                            download_timeout=download_timeout)
    looks_like_name = registry.parse_handle(handle) is not None
    if "://" not in handle and not os.path.exists(os.path.expanduser(handle)) and looks_like_name:
        registry.get_preset(handle)  # raises UnknownPresetError listing the known presets
        raise UnknownPresetError(f"unknown preset {handle!r}")  # pragma: no cover
    return _load_source(handle, handle=handle, sha256=None, whole_model=whole_model,
                        cache_dir=cache_dir, download_timeout=download_timeout)
