"""Shared fixtures: tiny models so that every training test runs in seconds on 2 CPU cores."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import atexit
import pathlib
import shutil
import tempfile

import pytest


def _cache_jax_compilations_for_this_process():
    """Under JAX, XLA's compiled programs are kept on disk for the length of this test process
    (a fresh folder per process, removed at exit; never the subprocesses tests start): the
    tests build many identical tiny models, and each new model's step is otherwise compiled
    again. Measured on 2 cores (test_models, test_conditional, test_experiments_parallel_lines
    under ``-n 2``): 239 s without, 169 s with. Results are the same: a hit returns the very
    program the compiler would build."""
    import jax

    folder = tempfile.mkdtemp(prefix="keras-wgan-tests-jax-cache-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


if os.environ["KERAS_BACKEND"] == "jax":
    _cache_jax_compilations_for_this_process()

MNIST_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def tiny_toy_pair(latent_dim=2, width=16):
    from keras_wgan import architectures

    return (
        architectures.mlp_generator(latent_dim, 2, width=width, depth=2),
        architectures.mlp_critic(2, width=width, depth=2),
    )


def tiny_image_pair(latent_dim=8, image_shape=(28, 28, 1), width=4, norm=None):
    from keras_wgan import architectures

    return (
        architectures.dcgan_generator(latent_dim, image_shape, width=width),
        architectures.dcgan_critic(image_shape, width=width, norm=norm),
    )


@pytest.fixture
def mnist_dir():
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST IDX files not found at {MNIST_DIR}")
    return MNIST_DIR


def load_example(name):
    """Import ``examples/<name>.py`` (the examples folder is not a package)."""
    import importlib.util

    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
