"""Shared fixtures: tiny models so that every training test runs in seconds on 2 CPU cores."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pathlib

import pytest

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
