"""`Model.from_preset(handle)`, keras-hub style, for the adversarial model classes.

    import keras_wgan as kw
    generator = kw.WGANGP.from_preset("wgan_gp/mnist")   # or "mnist": the class's own presets
    images = generator.generate(16, seed=0)

`handle` resolves in keras-hub's order: a built-in short name among the presets made by this
class (``"mnist"`` for `WGANGP` means ``"wgan_gp/mnist"``), then a registered handle
(``"family/name"`` or ``"family/name/version"``), then a local folder, archive, ``.keras`` file
or URL, all through `keras_wgan.hub.load` (the same cache, checks and errors).

What comes back is what the preset holds: the whole model (an instance of the class) when it
holds a whole GAN, else the `PretrainedGenerator` wrapper, since a preset that stores only a
generator has no critic to make a trainable GAN of (every bundled preset is of this kind). The
preset must have been made by this class or a subclass: `WrongModelClassError` otherwise, in one line
naming the class that made it.
"""

import os

import keras

from keras_wgan.hub import loader, registry
from keras_wgan.hub.errors import HubError, PresetFormatError, UnknownPresetError
from keras_wgan.hub.preset import is_preset_dir, read_metadata


class WrongModelClassError(HubError, ValueError):
    """The preset was made by another model class than the one asked to load it."""


def declared_class(metadata):
    """The model class a preset says made it, from its metadata; None when it does not say.

    A whole-GAN preset names its class (``class_name``); a generator preset names its variant
    (``model``, or ``recipe.model.variant``, or a ``family`` that is a variant name).
    """
    from keras_wgan.models import get_model_class

    metadata = metadata or {}
    if metadata.get("kind") == "gan":
        return keras.saving.get_registered_object(f"keras_wgan>{metadata.get('class_name')}")
    recipe_model = (metadata.get("recipe") or {}).get("model") or {}
    for name in (metadata.get("model"), recipe_model.get("variant"), metadata.get("family")):
        if isinstance(name, str):
            try:
                return get_model_class(name)
            except ValueError:
                continue
    return None


def presets_of(cls):
    """``{handle: entry}`` of the registered presets made by ``cls`` or a subclass."""
    return {name: entry for name, entry in registry.list_presets().items()
            if (made_by := declared_class(entry["metadata"])) is not None
            and issubclass(made_by, cls)}


def resolve(cls, handle):
    """The handle `hub.load` takes: a short name becomes the class's ``family/name``.

    A name without ``/`` is looked up among the class's presets first (keras-hub's order), and
    read as a local file or folder only when none matches.
    """
    handle = os.fspath(handle)
    if "/" in handle or "\\" in handle or "://" in handle:
        return handle
    own = presets_of(cls)
    matches = [name for name in own if name.split("/", 1)[1] == handle]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownPresetError(f"{cls.__name__} preset {handle!r} is ambiguous: "
                                 f"{', '.join(matches)}; pass the full handle")
    if os.path.exists(os.path.expanduser(handle)):
        return handle
    raise UnknownPresetError(f"{cls.__name__} has no preset {handle!r}; its presets: "
                             f"{', '.join(own) or '(none)'}; pass one of them, a registered "
                             "'family/name', a local folder, archive or .keras file, or a URL")


def _peek_metadata(handle):
    """The preset's metadata when it is at hand without loading anything, else None."""
    if registry.is_registered(handle):
        return registry.get_preset(handle)["metadata"]
    path = os.path.expanduser(handle)
    if os.path.isdir(path) and is_preset_dir(path):
        return read_metadata(path)
    return None


def _check_class(cls, handle, made_by, holds):
    from keras_wgan.models import AdversarialModel

    if made_by is None:
        if cls is AdversarialModel:  # the base class takes any preset
            return
        raise WrongModelClassError(
            f"preset {handle!r} does not say which model made it (no 'model', recipe or "
            f"variant 'family' in its metadata), so it cannot be checked to be a "
            f"{cls.__name__}; load it with kw.hub.load({handle!r})")
    if not issubclass(made_by, cls):
        raise WrongModelClassError(
            f"preset {handle!r} holds {holds} of {made_by.__name__}, not of {cls.__name__}; "
            f"load it with kw.{made_by.__name__}.from_preset({handle!r}) or "
            f"kw.hub.load({handle!r})")


def from_preset(cls, handle, *, cache_dir=None, download_timeout=None):
    """Loads preset ``handle`` made by ``cls``; see the module docstring for what it returns."""
    handle = resolve(cls, handle)
    options = {"cache_dir": cache_dir, "download_timeout": download_timeout}
    metadata = _peek_metadata(handle)
    if metadata is not None and metadata.get("kind") != "gan":
        _check_class(cls, handle, declared_class(metadata), "the generator")  # before loading
        return loader.load(handle, **options)
    try:
        model = loader.load(handle, whole_model=True, **options)
    except PresetFormatError:
        if metadata is not None:  # a whole-GAN preset that fails to load: say why
            raise
        generator = loader.load(handle, **options)  # an archive, URL or .keras of a generator
        _check_class(cls, handle, declared_class(generator.metadata), "the generator")
        return generator
    _check_class(cls, handle, type(model), "a whole model")
    return model
