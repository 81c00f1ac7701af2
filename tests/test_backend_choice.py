"""A Keras backend keras_wgan cannot run on is told in one line before Keras is imported."""

import os
import subprocess
import sys

import pytest

from keras_wgan.app import backend_choice


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_the_choice_follows_keras_order(clean_env, monkeypatch):
    assert backend_choice.chosen_backend() == ("tensorflow", "Keras's default")
    (clean_env / "keras.json").write_text('{"backend": "jax", "floatx": "float32"}')
    assert backend_choice.chosen_backend() == ("jax", str(clean_env / "keras.json"))
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert backend_choice.chosen_backend() == ("torch", "KERAS_BACKEND")


def test_a_damaged_or_odd_keras_json_falls_back_to_the_default(clean_env):
    for text in ("{not json", "[1, 2]", '{"backend": ""}'):
        (clean_env / "keras.json").write_text(text)
        assert backend_choice.chosen_backend() == ("tensorflow", "Keras's default")
    (clean_env / "keras.json").unlink()
    os.mkfifo(clean_env / "keras.json")  # never opened: the read would block
    assert backend_choice.chosen_backend() == ("tensorflow", "Keras's default")


def test_unsupported_and_missing_backends_are_named_with_the_fix(clean_env, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    assert backend_choice.problem() == (
        "the Keras backend 'numpy' (from KERAS_BACKEND) is not one keras_wgan runs on: set "
        "KERAS_BACKEND to tensorflow, jax or torch")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    real = backend_choice.importlib.util.find_spec
    monkeypatch.setattr(backend_choice.importlib.util, "find_spec",
                        lambda name: None if name == "jax" else real(name))
    why = backend_choice.problem()
    assert why.startswith("the Keras backend 'jax' (from KERAS_BACKEND) is not installed: pip "
                          "install jax, or set KERAS_BACKEND to one that is (")
    assert why.endswith("(tensorflow, torch)") and "\n" not in why
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert backend_choice.problem() is None


@pytest.mark.parametrize("command, prog", [
    (["-m", "keras_wgan", "sample", "wgan_gp/mnist"], "keras-wgan"),
    (["-m", "keras_wgan.demo"], "python -m keras_wgan.demo"),
])
def test_a_command_under_a_bad_backend_exits_2_with_one_line(clean_env, tmp_path, command, prog):
    # It was an ImportError/ValueError traceback from inside `import keras`, exit 1.
    env = {**os.environ, "KERAS_BACKEND": "foo", "KERAS_HOME": str(clean_env)}
    result = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (f"{prog}: error: the Keras backend 'foo' (from KERAS_BACKEND) is "
                             "not one keras_wgan runs on: set KERAS_BACKEND to tensorflow, jax "
                             "or torch\n")
    assert result.stdout == "" and list(tmp_path.iterdir()) == []
