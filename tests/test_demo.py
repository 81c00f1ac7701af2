"""`keras_wgan.data.mnist` (find, load, download) and the demo's three paths: MNIST at hand,
no MNIST and no network (the pretrained grid), bad input; plus the quiet command start-up."""

import gzip
import hashlib
import inspect
import io
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

from keras_wgan.app import demo, startup_logs
from keras_wgan.data import mnist
from keras_wgan.hub.testing import serve

from tests.conftest import MNIST_DIR

ENV = ("KERAS_WGAN_MNIST", "KERAS_WGAN_MNIST_URL", "KERAS_WGAN_MNIST_SHA256", "KERAS_WGAN_OFFLINE")


def write_split(folder, prefix, n, seed, labels=True):
    """``<prefix>-images-idx3-ubyte.gz`` (and labels) of random digits; returns (pixels, labels)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    pixels[0, 0, 0], pixels[0, 0, 1] = 0, 255  # both ends of the scale
    digits = rng.integers(0, 10, n, dtype=np.uint8)
    with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + pixels.tobytes())
    if labels:
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + digits.tobytes())
    return pixels, digits


def scaled(pixels):
    return (pixels.astype("float32") / 127.5 - 1.0)[..., None]


def mnist_npz():
    """An ``mnist.npz`` (keras.datasets layout) of the repository's real IDX files when present."""
    if (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        from keras_wgan.data.idx import read_idx

        x = read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz")[:700]
        y = read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz")[:700]
    else:  # a fresh clone: MNIST-shaped stand-ins, so the test still runs
        rng = np.random.default_rng(3)
        x, y = rng.integers(0, 256, (700, 28, 28), dtype=np.uint8), rng.integers(0, 10, 700, dtype=np.uint8)
    arrays = {"x_train": x[:600], "y_train": y[:600], "x_test": x[600:], "y_test": y[600:]}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue(), arrays


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: the connection is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist.npz"


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No MNIST anywhere: env cleared, the repository default pointed at an empty folder,
    downloads cached under tmp_path."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(mnist, "REPO_MNIST", tmp_path / "repo_default")
    return tmp_path


def cached_files(tmp_path):
    datasets = tmp_path / "keras_home" / "datasets"
    return sorted(p.name for p in datasets.iterdir()) if datasets.exists() else []


# --- find_mnist ----------------------------------------------------------------------------

def test_the_tests_look_for_mnist_where_the_library_does():
    # conftest keeps its own copy (importing keras_wgan.data there would start TensorFlow in
    # every test process): it must name the folder `find_mnist` falls back to.
    assert MNIST_DIR == mnist.REPO_MNIST


def test_find_mnist_order_argument_then_env_then_repository(isolated, monkeypatch):
    for name in ("arg", "env", "repo_default"):
        write_split(isolated / name, "t10k", 3, seed=0)
    assert mnist.find_mnist() == isolated / "repo_default"
    monkeypatch.setenv("KERAS_WGAN_MNIST", str(isolated / "env"))
    assert mnist.find_mnist() == isolated / "env"
    assert mnist.find_mnist(isolated / "arg") == isolated / "arg"
    assert mnist.find_mnist("none") is None  # the argument beats a usable $KERAS_WGAN_MNIST
    monkeypatch.setenv("KERAS_WGAN_MNIST", "NONE")
    assert mnist.find_mnist() is None  # ... and "none" in the env hides the repository's copy
    assert mnist.find_mnist(str(isolated / "arg")) == isolated / "arg"
    monkeypatch.delenv("KERAS_WGAN_MNIST")
    monkeypatch.setattr(mnist, "REPO_MNIST", isolated / "nowhere")
    assert mnist.find_mnist() is None


@pytest.mark.parametrize("where", ["argument", "env"])
@pytest.mark.parametrize("folder, problem", [("missing", "does not exist"),
                                             ("empty", "holds no '*-idx3-ubyte[.gz]' file")])
def test_find_mnist_rejects_a_named_folder_without_idx_files(isolated, monkeypatch, where, folder, problem):
    write_split(isolated / "repo_default", "t10k", 3, seed=0)  # must not be used instead
    (isolated / "empty").mkdir()
    path = str(isolated / folder)
    if where == "env":
        monkeypatch.setenv("KERAS_WGAN_MNIST", path)
    with pytest.raises(mnist.MnistNotFoundError) as info:
        mnist.find_mnist(path if where == "argument" else None)
    message = str(info.value)
    assert path in message and problem in message and "'none'" in message and "\n" not in message
    assert ("KERAS_WGAN_MNIST=" in message) == (where == "env")


# --- load_mnist from IDX files -------------------------------------------------------------

def test_load_mnist_reads_a_local_idx_folder(isolated):
    folder = isolated / "idx"
    train, train_labels = write_split(folder, "train", 30, seed=1)
    test, test_labels = write_split(folder, "t10k", 20, seed=2)
    images = mnist.load_mnist(folder)  # the train split when there is one
    assert images.dtype == np.float32 and images.shape == (30, 28, 28, 1)
    np.testing.assert_array_equal(images, scaled(train))
    assert images.min() == -1.0 and images.max() == 1.0
    images, labels = mnist.load_mnist(folder, labels=True, split="test")
    np.testing.assert_array_equal(images, scaled(test))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, test_labels)
    assert cached_files(isolated) == []  # found locally: no download


def test_load_mnist_of_a_test_only_folder_like_the_shared_one(isolated, monkeypatch):
    test, _ = write_split(isolated / "repo_default", "t10k", 12, seed=4, labels=False)
    np.testing.assert_array_equal(mnist.load_mnist(), scaled(test))
    with pytest.raises(mnist.MnistNotFoundError, match=r"no train-images-idx3-ubyte\[.gz\] \(the train split\)"):
        mnist.load_mnist(split="train")
    with pytest.raises(mnist.MnistNotFoundError, match="no labels file t10k-labels-idx1-ubyte.gz"):
        mnist.load_mnist(labels=True)
    with pytest.raises(ValueError, match="split='valid'"):
        mnist.load_mnist(split="valid")


def test_load_mnist_names_a_corrupt_idx_file(isolated):
    folder = isolated / "idx"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 12 + b"\x01")
    with pytest.raises(ValueError, match="truncated or corrupted"):
        mnist.load_mnist(folder)


# --- the download --------------------------------------------------------------------------

def test_download_fetches_verifies_and_caches(isolated, monkeypatch):
    data, arrays = mnist_npz()
    monkeypatch.setenv("KERAS_WGAN_MNIST", "none")
    with serve({"/mnist.npz": data}) as server:
        monkeypatch.setenv("KERAS_WGAN_MNIST_URL", server.url("/mnist.npz"))
        monkeypatch.setenv("KERAS_WGAN_MNIST_SHA256", hashlib.sha256(data).hexdigest().upper())
        images, labels = mnist.load_mnist(labels=True)
        test = mnist.load_mnist(split="test")  # from the cache: one request in all
        assert server.requests == {"/mnist.npz": 1}
    np.testing.assert_array_equal(images, scaled(arrays["x_train"]))
    np.testing.assert_array_equal(labels, arrays["y_train"])
    np.testing.assert_array_equal(test, scaled(arrays["x_test"]))
    [name] = cached_files(isolated)  # the file, and no staging folder left behind
    assert name.startswith("mnist-") and name != "mnist.npz"  # a mirror never poses as keras's file
    # Server gone: the cached copy still serves.
    np.testing.assert_array_equal(mnist.load_mnist(), scaled(arrays["x_train"]))


def npz_declaring(n_images):
    """An npz whose headers declare ``n_images`` MNIST images and labels but that holds one
    image's bytes (deflated) and no labels."""
    def header(shape):
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, {"descr": "|u1", "fortran_order": False, "shape": shape})
        return buffer.getvalue()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x_train.npy", header((n_images, 28, 28)) + b"\0" * 784)
        archive.writestr("y_train.npy", header((n_images,)))
    return buffer.getvalue()


def with_zip_field(data, field, value):
    """``data`` (a zip) with every member's general-purpose flags or compression method set
    to ``value`` in its local header and its central-directory entry."""
    data = bytearray(data)
    for signature, offsets in ((b"PK\x03\x04", {"flags": 6, "method": 8}),
                               (b"PK\x01\x02", {"flags": 8, "method": 10})):
        at = data.find(signature)
        while at >= 0:
            struct.pack_into("<H", data, at + offsets[field], value)
            at = data.find(signature, at + 4)
    return bytes(data)


def npz_of(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


BAD_DOWNLOADS = {
    "sha256": "sha256 check",
    "truncated": "retrieval incomplete",
    "not_npz": "is not MNIST",
    "wrong_shape": "not MNIST's uint8 (N, 28, 28)",
    # NumPy allocates what a header declares: 730 GiB here, refused before any data is read.
    "declares_a_billion_images": "declares 1,000,000,000 images in x_train, past the 1,000,000",
    # A zip bomb's header: 2,000,000 images (1.6 GB of zeros deflate to 1.5 MB, which
    # were read and cached as MNIST before), refused before its data is read.
    "declares_two_million_images": "declares 2,000,000 images",
    "object_arrays": "holds x_train object(4,)",  # pickled objects: refused from the header
    "labels_past_9": "labels from 0 to 200 in y_train, not digits 0 to 9",
    # zipfile's RuntimeError and NotImplementedError escaped as "could not download" before.
    "encrypted_member": "is not an MNIST .npz (File 'x_train.npy' is encrypted, password required",
    "unknown_compression": "is not an MNIST .npz (That compression method is not supported)",
}


@pytest.mark.parametrize("case", sorted(BAD_DOWNLOADS))
def test_a_bad_download_is_reported_and_nothing_is_cached(isolated, monkeypatch, case):
    data, _ = mnist_npz()
    if case == "not_npz":
        data = b"<html>captive portal</html>"
    elif case == "wrong_shape":
        data = npz_of(x_train=np.zeros((4, 32, 32), np.uint8), y_train=np.zeros(4, np.uint8),
                      x_test=np.zeros((2, 32, 32), np.uint8), y_test=np.zeros(2, np.uint8))
    elif case == "declares_a_billion_images":
        data = npz_declaring(10**9)
    elif case == "declares_two_million_images":
        data = npz_declaring(2 * 10**6)
    elif case == "object_arrays":
        data = npz_of(x_train=np.array([None] * 4), y_train=np.zeros(4, np.uint8))
    elif case == "encrypted_member":
        data = with_zip_field(data, "flags", 1)
    elif case == "unknown_compression":
        data = with_zip_field(data, "method", 99)
    elif case == "labels_past_9":
        data = npz_of(x_train=np.zeros((4, 28, 28), np.uint8), y_train=np.array([0, 1, 2, 200], np.uint8),
                      x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2, np.uint8))
    with serve({"/mnist.npz": data}) as server:
        if case == "truncated":
            server.truncate.add("/mnist.npz")
        with pytest.raises(mnist.MnistNotFoundError) as info:
            mnist.download_mnist(server.url("/mnist.npz"), sha256="0" * 64 if case == "sha256" else None)
    assert BAD_DOWNLOADS[case] in str(info.value)
    assert "\n" not in str(info.value)
    assert cached_files(isolated) == []


def test_a_stalled_download_times_out_and_restores_the_socket_default(isolated):
    before = socket.getdefaulttimeout()
    with serve({"/mnist.npz": b"never sent"}) as server:
        server.gate = threading.Event()  # the server holds every answer back
        start = time.monotonic()
        with pytest.raises(mnist.MnistNotFoundError, match="timed out"):
            mnist.load_mnist("none", url=server.url("/mnist.npz"), timeout=0.5)
        elapsed = time.monotonic() - start
    assert elapsed < 15, elapsed
    assert socket.getdefaulttimeout() == before
    assert cached_files(isolated) == []


def test_offline_error_says_where_it_looked_and_how_to_get_mnist(isolated, monkeypatch):
    monkeypatch.setenv("KERAS_WGAN_MNIST_URL", closed_port_url())
    with pytest.raises(mnist.MnistNotFoundError) as info:
        mnist.load_mnist()
    message = str(info.value)
    assert f"no '*-idx3-ubyte[.gz]' files in {isolated / 'repo_default'}" in message
    assert "could not download http://127.0.0.1:" in message or "URL fetch failure" in message
    assert "KERAS_WGAN_MNIST=<folder of MNIST IDX files" in message and "internet" in message
    assert str(isolated / "keras_home" / "datasets") in message and "\n" not in message
    with serve({}) as server:
        monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
        with pytest.raises(mnist.MnistNotFoundError, match="KERAS_WGAN_OFFLINE is set"):
            mnist.load_mnist(url=server.url("/mnist.npz"))
        with pytest.raises(mnist.MnistNotFoundError, match=r"local files skipped \(path='none'\); "
                                                            "not downloaded: download=False"):
            mnist.load_mnist("none", download=False, url=server.url("/mnist.npz"))
        assert server.requests == {}


def test_default_download_is_the_file_keras_datasets_mnist_fetches(isolated, monkeypatch):
    import keras

    source = inspect.getsource(keras.datasets.mnist.load_data)
    assert mnist.OFFICIAL_SHA256 in source
    folder, name = mnist.OFFICIAL_URL.rsplit("/", 1)
    assert f'"{folder}/"' in source and name in source
    # The call our download makes with no URL set; the real get_file runs in the tests above.
    calls = []

    def fake_get_file(**kwargs):
        calls.append(kwargs)
        raise Exception("offline")

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    with pytest.raises(mnist.MnistNotFoundError, match="could not download https://storage"):
        mnist.download_mnist()
    [call] = calls
    assert (call["fname"], call["origin"], call["file_hash"]) == ("mnist.npz", mnist.OFFICIAL_URL,
                                                                   mnist.OFFICIAL_SHA256)
    assert cached_files(isolated) == []


# --- the demo ------------------------------------------------------------------------------

def test_demo_without_mnist_or_network_draws_the_pretrained_generator(isolated, monkeypatch, capsys):
    from PIL import Image

    monkeypatch.setenv("KERAS_WGAN_MNIST_URL", closed_port_url())
    out = isolated / "out"
    assert demo.main(["--out", str(out), "--toy-steps", "0"]) == 0
    printed = capsys.readouterr().out
    grid = np.asarray(Image.open(out / "mnist_pretrained.png"))
    assert grid.shape == (2 * (8 * 30 + 2),) * 2  # 8x8 digits of 28 px, 2 px gaps, upscaled 2x
    digits = grid[4:60, 4:60]
    assert digits.std() > 30  # ink on black, not a blank tile
    lines = printed.splitlines()
    assert lines[0] == f"Downloading data from {os.environ['KERAS_WGAN_MNIST_URL']}"  # keras's own line
    assert lines[1].startswith("MNIST training will be skipped. MNIST not found: no '*-idx3-ubyte")
    assert "mnist_pretrained.png" in lines[-2]
    assert lines[-1] == ("To run the MNIST training part: set KERAS_WGAN_MNIST=<folder of MNIST IDX "
                         "files> or run with internet.")
    assert not (out / "mnist_samples").exists() and not (out / "toy_ring8.png").exists()


def test_demo_trains_on_mnist_at_hand(isolated, capfd):
    write_split(isolated / "idx", "train", 40, seed=5, labels=False)
    out = isolated / "out"
    code = demo.main(["--out", str(out), "--toy-steps", "0", "--mnist", str(isolated / "idx"),
                      "--mnist-epochs", "1", "--mnist-steps", "1"])
    assert code == 0
    for name in ("mnist_samples/epoch_001.png", "mnist_curves.png", "mnist_wgan_gp.keras"):
        assert (out / name).is_file(), name
    assert not (out / "mnist_pretrained.png").exists()
    printed = capfd.readouterr()
    assert f"MNIST: 40 images from {isolated / 'idx'}" in printed.out
    assert "remapper failed" not in printed.err  # grappler's harmless but alarming error line


@pytest.mark.parametrize("where", ["--mnist", "KERAS_WGAN_MNIST"])
def test_demo_bad_mnist_folder_is_one_line_and_exit_2(isolated, monkeypatch, capsys, where):
    missing = str(isolated / "no_such_folder")
    argv = ["--out", str(isolated / "out"), "--toy-steps", "0"]
    if where == "--mnist":
        argv += ["--mnist", missing]
    else:
        monkeypatch.setenv("KERAS_WGAN_MNIST", missing)
    assert demo.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m keras_wgan.demo: error: ")
    assert f"{missing} does not exist" in err
    assert not (isolated / "out").exists()


@pytest.mark.parametrize("flag, value, message", [
    ("--toy-steps", "-1", "argument --toy-steps: must be an integer >= 0, got '-1'"),
    ("--mnist-epochs", "0", "argument --mnist-epochs: must be an integer >= 1, got '0'"),
    ("--mnist-steps", "ten", "argument --mnist-steps: must be an integer >= 1, got 'ten'"),
])
def test_demo_bad_number_is_one_line_and_exit_2(isolated, capsys, flag, value, message):
    with pytest.raises(SystemExit) as info:
        demo.main(["--out", str(isolated / "out"), flag, value])
    assert info.value.code == 2
    assert capsys.readouterr().err == (f"python -m keras_wgan.demo: error: {message} "
                                       "(see python -m keras_wgan.demo --help)\n")


def test_demo_command_prints_no_start_up_banner(isolated):
    env = {k: v for k, v in os.environ.items() if k not in ENV and k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(KERAS_WGAN_MNIST="none", KERAS_WGAN_OFFLINE="1", KERAS_HOME=str(isolated / "kh"))
    result = subprocess.run([sys.executable, "-m", "keras_wgan.demo", "--out", str(isolated / "out"),
                             "--toy-steps", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "absl::InitializeLog" not in result.stderr and "oneDNN" not in result.stderr
    assert "cpu_feature_guard" not in result.stderr
    assert result.stdout.startswith("MNIST training will be skipped. MNIST not found: local files skipped "
                                    "(KERAS_WGAN_MNIST=none); not downloaded: KERAS_WGAN_OFFLINE is set.")
    assert (isolated / "out" / "mnist_pretrained.png").is_file()


# --- quiet start-up ------------------------------------------------------------------------

def test_filtered_stderr_drops_only_the_known_banner(capfd):
    banner = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
              b"I0000 00:00:1.2 4772 port.cc:153] oneDNN custom operations are on. You may see ...\n"
              b"To enable the following instructions: AVX2 FMA, in other operations, rebuild "
              b"TensorFlow with the appropriate compiler flags.\n")
    with pytest.raises(RuntimeError):
        with startup_logs.filtered_stderr():
            os.write(2, banner + b"E0000 something real went wrong\n")
            print("a Python warning", file=sys.stderr)
            raise RuntimeError("the block failed")
    # (pytest's capfd hands Python's sys.stderr its own file, so only the order of fd 2 is ours.)
    err = capfd.readouterr().err
    assert sorted(err.splitlines()) == ["E0000 something real went wrong", "a Python warning"]


@pytest.mark.parametrize("orig_argv, argv0, expected", [
    (["python", "-m", "keras_wgan.demo", "--out", "x"], "-m", True),
    (["python", "-X", "dev", "-m", "keras_wgan"], "-m", True),
    (["python", "-mkeras_wgan.demo"], "-m", True),
    (["python", "-m", "pytest", "-m", "keras_wgan"], "-m", False),
    (["python", "script.py"], "script.py", False),
    (["python", "/venv/bin/keras-wgan", "train"], "/venv/bin/keras-wgan", True),
])
def test_run_as_command(monkeypatch, orig_argv, argv0, expected):
    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    monkeypatch.setattr(sys, "argv", [argv0])
    assert startup_logs.run_as_command() is expected


def test_demo_draws_the_zoo_of_every_bundled_mnist_preset(isolated):
    # `make demo` shows the zoo: one panel per bundled MNIST preset, none forgotten.
    import keras_wgan as kw
    from PIL import Image

    path, handles = demo.draw_zoo(str(isolated))
    mnist = [name for name, entry in kw.hub.list_presets().items()
             if entry["metadata"]["dataset"].get("n_images") == 10_000]
    assert sorted(handles) == sorted(mnist) and "wgan_gp/mnist" in handles
    picture = np.asarray(Image.open(path).convert("L"))
    assert picture.shape[1] > picture.shape[0] * (len(handles) - 0.5) * 0.7  # side by side
    assert picture.std() > 30  # digits drawn, not blank panels


def test_demo_output_folder_that_cannot_be_one_is_one_line_and_exit_2(isolated, capsys):
    # Was "[Errno 17] File exists: '...'" and "[Errno 20] Not a directory: '...'".
    (isolated / "a_file").write_text("keep me")
    for out, cause in ((isolated / "a_file", "File exists"),
                       (isolated / "a_file" / "sub", "Not a directory")):
        assert demo.main(["--out", str(out), "--toy-steps", "0", "--mnist", "none"]) == 2
        assert capsys.readouterr().err == (
            f"python -m keras_wgan.demo: error: Cannot write to the output folder {out} "
            f"({cause}): choose a writable --out folder.\n")
    assert (isolated / "a_file").read_text() == "keep me"
