"""MNIST from wherever it is: a folder of IDX files, else the official download (cached).

    from keras_wgan.data.mnist import load_mnist
    images = load_mnist()                   # float32 (N, 28, 28, 1) in [-1, 1]
    images, labels = load_mnist(labels=True)

`find_mnist` looks, in order, at:

1. the ``path`` argument;
2. ``$KERAS_WGAN_MNIST``;
3. the repository's ``../shared/data/mnist`` (the project's shared copy: MNIST's 10k test split).

Either of the first two set to ``none`` means "no local MNIST": the search stops there, and
`load_mnist` goes straight to the download. A folder named by either that holds no
``*-idx3-ubyte[.gz]`` file is an error, not a silent fall-through to the next place.

With no folder found, `load_mnist` fetches ``mnist.npz`` (60k train + 10k test images) from
``$KERAS_WGAN_MNIST_URL``, by default the very file `keras.datasets.mnist.load_data` fetches,
checked against the same sha256 and cached under the same name
(``~/.keras/datasets/mnist.npz``, or under ``$KERAS_HOME``), so either download serves the
other. Another URL (a mirror) is checked against ``$KERAS_WGAN_MNIST_SHA256`` when that is set
and cached under a name of its own. Every socket operation of the download gives up after
``timeout`` seconds, so an unreachable or stalled server fails instead of hanging;
``$KERAS_WGAN_OFFLINE=1`` skips the download altogether.

Format of ``mnist.npz``: NumPy arrays ``x_train`` (60000, 28, 28) and ``x_test`` (10000, 28, 28)
of uint8 pixels, ``y_train`` and ``y_test`` of digit labels (LeCun et al., 1998,
http://yann.lecun.com/exdb/mnist/).
"""

import contextlib
import hashlib
import os
import pathlib
import shutil
import socket
import tempfile
import zipfile

import numpy as np

from keras_wgan.data.idx import find_idx_images, read_idx
from keras_wgan.hashing import sha256_file

REPO_MNIST = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist"
# What keras.datasets.mnist.load_data downloads and checks (tests hold these to its source).
OFFICIAL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
OFFICIAL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT = 30.0
NO_LOCAL = "none"
# An mnist.npz declaring more images is refused before it is read (MNIST has 70,000).
MAX_NPZ_IMAGES = 1_000_000
SPLITS = {"train": "train", "test": "t10k"}  # split -> IDX file prefix
HOW_TO_GET = ("set KERAS_WGAN_MNIST=<folder of MNIST IDX files (train-images-idx3-ubyte.gz, ...)> "
              "or run once with internet (the 11 MB download is then cached in {cache})")


class MnistNotFoundError(FileNotFoundError):
    """No MNIST at hand: no usable local IDX folder, and no download. The message says why."""


def _holds_idx_images(folder):
    return folder.is_dir() and any("idx3-ubyte" in p.name for p in folder.iterdir())


def _explicit_sources(path):
    yield path, "MNIST folder"
    yield os.environ.get("KERAS_WGAN_MNIST"), "KERAS_WGAN_MNIST="


def find_mnist(path=None):
    """The folder of MNIST IDX files to use, or None when there is none locally.

    Looks at ``path``, then ``$KERAS_WGAN_MNIST``, then the repository's
    ``../shared/data/mnist``; the first of the first two that is set decides (``none``: no
    local folder). Returns a `pathlib.Path`.

    Raises:
        MnistNotFoundError: ``path`` or ``$KERAS_WGAN_MNIST`` names a folder that does not
            hold an ``*-idx3-ubyte[.gz]`` file.
    """
    for value, label in _explicit_sources(path):
        value = "" if value is None else str(value).strip()
        if not value:
            continue
        if value.lower() == NO_LOCAL:
            return None
        folder = pathlib.Path(value).expanduser()
        if _holds_idx_images(folder):
            return folder
        problem = ("does not exist" if not folder.exists() else
                   "is not a folder" if not folder.is_dir() else "holds no '*-idx3-ubyte[.gz]' file")
        named = f"{label}{value}" if label.endswith("=") else f"{label} {value}"
        raise MnistNotFoundError(
            f"{named} {problem}: point it at a folder of MNIST IDX files "
            f"(train-images-idx3-ubyte.gz, ...), or use '{NO_LOCAL}' to skip local files"
        )
    return REPO_MNIST if _holds_idx_images(REPO_MNIST) else None


def _split_images(folder, split):
    """The images file of ``split`` in ``folder`` (None: train if present, else test, else any)."""
    names = sorted(p.name for p in folder.iterdir())
    for name in ([split] if split else ["train", "test"]):
        found = [n for n in names if n.startswith(f"{SPLITS[name]}-images-idx3-ubyte")]
        if found:
            return folder / found[0]
    if split:
        raise MnistNotFoundError(
            f"no {SPLITS[split]}-images-idx3-ubyte[.gz] (the {split} split) in {folder}; "
            f"add it, or pass split=None to use the images the folder holds"
        )
    return pathlib.Path(find_idx_images(folder))


def _read_folder(folder, split, labels):
    images_path = _split_images(folder, split)
    x = read_idx(images_path)
    y = None
    if labels:
        labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
        if not labels_path.is_file():
            raise MnistNotFoundError(
                f"no labels file {labels_path.name} beside {images_path}; add it, or load "
                "without labels"
            )
        y = read_idx(labels_path)
    return x, y


# What zipfile and NumPy raise for a file that is no readable npz: not a zip, a cut one, an
# encrypted member (RuntimeError), an unknown compression method (NotImplementedError).
NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, RuntimeError, NotImplementedError,
              zipfile.BadZipFile)


def _npy_header(archive, name):
    """``(shape, dtype)`` that the ``.npy`` member ``name`` of an open zip declares, data unread."""
    with archive.open(name) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"{name} has .npy format version {version}, not 1.0 or 2.0")
    return shape, dtype


def _read_npz(path, split):
    """``(x, y)`` of ``split`` from an ``mnist.npz``, checked to be MNIST-shaped (no pickles).

    The arrays' headers are checked before any data is read: NumPy allocates what a header
    declares, so a hostile file (a mirror's, unverified) declaring 10^9 images would otherwise
    take all memory, or fill it from a few megabytes of compressed zeros.
    """
    x_name, y_name = f"x_{split}", f"y_{split}"
    try:
        with zipfile.ZipFile(path) as archive:
            x_shape, x_dtype = _npy_header(archive, f"{x_name}.npy")
            y_shape, y_dtype = _npy_header(archive, f"{y_name}.npy")
    except NPZ_ERRORS as e:
        raise MnistNotFoundError(
            f"{path} is not an MNIST .npz ({e}); delete it and download again"
        ) from None
    if (x_dtype != np.uint8 or len(x_shape) != 3 or x_shape[1:] != (28, 28)
            or tuple(y_shape) != x_shape[:1] or y_dtype.kind not in "iu"):
        raise MnistNotFoundError(
            f"{path} holds {x_name} {x_dtype}{x_shape} and {y_name} {y_dtype}{y_shape}, not "
            "MNIST's uint8 (N, 28, 28) images and (N,) integer labels; delete it and download again"
        )
    if x_shape[0] > MAX_NPZ_IMAGES:
        raise MnistNotFoundError(
            f"{path} declares {x_shape[0]:,} images in {x_name}, past the {MAX_NPZ_IMAGES:,} this "
            "reader accepts (MNIST has 70,000); delete it and download again"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f[x_name], f[y_name]
    except NPZ_ERRORS as e:
        raise MnistNotFoundError(
            f"{path} is not an MNIST .npz ({e}); delete it and download again"
        ) from None
    if y.size and (y.min() < 0 or y.max() > 9):
        raise MnistNotFoundError(
            f"{path} holds labels from {y.min()} to {y.max()} in {y_name}, not digits 0 to 9; "
            "delete it and download again"
        )
    return x, y


@contextlib.contextmanager
def socket_timeout(seconds):
    """Every new socket times out after ``seconds`` inside the block (urlretrieve has no timeout)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def datasets_dir(cache_dir=None):
    """Where downloads are cached: ``<cache_dir or $KERAS_HOME or ~/.keras>/datasets``, as Keras does."""
    root = cache_dir or os.environ.get("KERAS_HOME") or "~/.keras"
    return pathlib.Path(root).expanduser() / "datasets"


def download_mnist(url=None, sha256=None, timeout=DOWNLOAD_TIMEOUT, cache_dir=None):
    """The path of a verified ``mnist.npz``: the cached one, else downloaded now.

    Args:
        url: where to fetch it; default ``$KERAS_WGAN_MNIST_URL``, else `OFFICIAL_URL`.
        sha256: the file's expected digest; default `OFFICIAL_SHA256` for the official URL,
            ``$KERAS_WGAN_MNIST_SHA256`` (or no digest check) for another.
        timeout: seconds any one socket operation may take.
        cache_dir: the folder holding ``datasets/``; default ``$KERAS_HOME`` or ``~/.keras``.

    The file is fetched by `keras.utils.get_file` into a staging folder beside the cache,
    checked (digest, then the arrays' dtypes and shapes), and only then renamed into place, so
    the cache never holds a partial or unverified file.

    Raises:
        MnistNotFoundError: the download failed, timed out, or gave a file that is not MNIST.
    """
    import keras

    url = url or os.environ.get("KERAS_WGAN_MNIST_URL") or OFFICIAL_URL
    if sha256 is None:
        sha256 = OFFICIAL_SHA256 if url == OFFICIAL_URL else os.environ.get("KERAS_WGAN_MNIST_SHA256")
    sha256 = sha256.strip().lower() if sha256 else None
    # A mirror's file never takes the official file's name: keras would trust it by that name.
    name = "mnist.npz" if url == OFFICIAL_URL else f"mnist-{hashlib.sha256(url.encode()).hexdigest()[:12]}.npz"
    target = datasets_dir(cache_dir) / name
    if target.is_file() and (sha256 is None or sha256_file(target) == sha256):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=".mnist-download-", dir=target.parent))
    except OSError as e:
        raise MnistNotFoundError(f"cannot write the MNIST download to {target.parent} ({e}); "
                                 "set KERAS_HOME to a writable folder") from None
    try:
        with socket_timeout(timeout):
            fetched = keras.utils.get_file(fname=name, origin=url, file_hash=sha256,
                                           hash_algorithm="sha256", cache_dir=str(staging),
                                           cache_subdir="")
        _read_npz(fetched, "train")
        _read_npz(fetched, "test")
        os.replace(fetched, target)
    except MnistNotFoundError as e:
        raise MnistNotFoundError(f"download from {url} is not MNIST: {e}") from None
    except ValueError as e:  # get_file's digest check
        raise MnistNotFoundError(f"download from {url} failed its sha256 check ({e}); nothing "
                                 "was cached") from None
    except Exception as e:  # get_file re-raises URL errors as a bare Exception; timeouts as OSError
        detail = str(e) or type(e).__name__
        raise MnistNotFoundError(detail if url in detail else f"could not download {url}: {detail}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _scale(x):
    return (x.astype("float32") / 127.5 - 1.0)[..., None]


def load_mnist(path=None, download=True, *, labels=False, split=None, url=None,
               timeout=DOWNLOAD_TIMEOUT, cache_dir=None):
    """MNIST images as float32 ``(N, 28, 28, 1)`` in [-1, 1] (and int64 labels if ``labels``).

    Args:
        path: a folder of MNIST IDX files; see `find_mnist` for where it looks otherwise.
        download: fetch ``mnist.npz`` when no folder is found (see `download_mnist`).
        labels: also return the ``(N,)`` digit labels: ``(images, labels)``.
        split: ``"train"``, ``"test"``, or None: the train split when there is one, else the
            images the folder holds (``../shared/data/mnist`` has only the 10k test split).
        url, timeout, cache_dir: passed to `download_mnist`.

    Raises:
        MnistNotFoundError: no MNIST locally and no download; the message says where it
            looked and how to get the data.
        ValueError: a local IDX file is corrupt or not 28x28 images.
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split={split!r}: use 'train', 'test' or None")
    folder = find_mnist(path)
    if folder is not None:
        x, y = _read_folder(folder, split, labels)
        source = folder
    else:
        x, y = _read_npz(_download_or_explain(path, download, url, timeout, cache_dir), split or "train")
        source = "mnist.npz"
    if x.ndim != 3 or x.shape[1:] != (28, 28) or (y is not None and y.shape != x.shape[:1]):
        raise ValueError(f"{source} holds images of shape {x.shape} (labels {None if y is None else y.shape}), "
                         "not MNIST's (N, 28, 28); point at a folder of MNIST IDX files")
    return (_scale(x), y.astype("int64")) if labels else _scale(x)


def _download_or_explain(path, download, url, timeout, cache_dir):
    from keras_wgan.hub.cache import is_offline

    if path is not None and str(path).strip().lower() == NO_LOCAL:
        looked = f"local files skipped (path={NO_LOCAL!r})"
    elif os.environ.get("KERAS_WGAN_MNIST", "").strip().lower() == NO_LOCAL:
        looked = f"local files skipped (KERAS_WGAN_MNIST={NO_LOCAL})"
    else:
        looked = f"no '*-idx3-ubyte[.gz]' files in {REPO_MNIST} (KERAS_WGAN_MNIST unset)"
    if not download:
        why = "download=False"
    elif is_offline():
        why = "KERAS_WGAN_OFFLINE is set"
    else:
        try:
            return download_mnist(url, timeout=timeout, cache_dir=cache_dir)
        except MnistNotFoundError as e:
            why = str(e)
    how = HOW_TO_GET.format(cache=datasets_dir(cache_dir))
    raise MnistNotFoundError(f"MNIST not found: {looked}; not downloaded: {why}. To get it: {how}.")
