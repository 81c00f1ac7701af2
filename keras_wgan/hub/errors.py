"""Errors raised by `keras_wgan.hub`.

Every message is one line that names the problem and the fix, so it reads well in a log or a
notebook traceback. Each class also derives from the builtin a caller would naturally catch.
"""


class HubError(Exception):
    """Base class of every error raised by `keras_wgan.hub`."""


class UnknownPresetError(HubError, LookupError):
    """A handle looked like a preset name but no preset of that name (or version) is known."""


class IntegrityError(HubError, ValueError):
    """A file's sha256 differs from the one the registry or the preset metadata promises."""


class DownloadError(HubError, OSError):
    """A download failed or ended early (fewer bytes than the server announced)."""


class OfflineError(HubError, FileNotFoundError):
    """`KERAS_WGAN_OFFLINE=1` is set and what the handle needs is not in the cache."""


class UnsafeArchiveError(HubError, ValueError):
    """An archive holds a link, device or fifo, a name that is not plain and relative, or more
    members or bytes than the bounds allow."""


class PresetFormatError(HubError, ValueError):
    """A directory or file is not a valid preset (missing `config.json`, bad metadata...)."""


class Float16ToleranceError(HubError, ValueError):
    """``save_preset(weights_dtype="float16")`` would move the generator's outputs past the
    tolerance; the caller may store float32 instead (`keras_wgan.presets.builder` does)."""


class LockTimeoutError(HubError, TimeoutError):
    """Another process held a handle's cache lock for longer than the lock wait allows."""
