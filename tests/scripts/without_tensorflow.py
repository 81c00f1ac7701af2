"""keras_wgan with TensorFlow absent: import, `fit`, `.keras` and preset files through `kw.hub.load`.

    KERAS_BACKEND=torch python without_tensorflow.py WORKDIR

Setting ``sys.modules[name] = None`` before anything imports TensorFlow makes ``import
tensorflow`` raise ImportError and ``importlib.util.find_spec`` return None, exactly as when it
is not installed (Keras then uses its own NumPy and torch data adapters). The script trains a
WGAN-GP for a step on a NumPy array, on a Python iterator and, on torch, on a DataLoader;
saves it as a `.keras` file and as a preset folder; loads both with `kw.hub.load`; and prints
one JSON line with what it saw. It also builds a tiny preset from a recipe (the real batches
then come from `keras_wgan.presets.train.numpy_stream`, as on a GPU machine without TensorFlow).
"""

import sys

for _name in ("tensorflow", "tensorflow_datasets", "tf_keras"):
    sys.modules[_name] = None

import json  # noqa: E402
import pathlib  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan as kw  # noqa: E402

PER_STEP, CRITIC_STEPS = 8, 2
NOISE = np.random.default_rng(5).normal(size=(4, 2)).astype("float32")


def main(workdir):
    workdir = pathlib.Path(workdir)
    keras.utils.set_random_seed(0)
    gan = kw.WGANGP(generator=kw.architectures.mlp_generator(2, 2, width=8, depth=2),
                    critic=kw.architectures.mlp_critic(2, width=8, depth=2),
                    critic_steps=CRITIC_STEPS, seed=0)
    gan.compile()
    points = np.random.default_rng(0).normal(size=(PER_STEP * CRITIC_STEPS * 2, 2))
    points = points.astype("float32")
    histories = {
        "numpy": gan.fit(points, batch_size=PER_STEP * CRITIC_STEPS, verbose=0).history,
        "python": gan.fit(iter(np.split(points, 2)), steps_per_epoch=2, verbose=0).history,
    }
    if keras.backend.backend() == "torch":
        import torch

        loader = torch.utils.data.DataLoader(torch.from_numpy(points),
                                             batch_size=PER_STEP * CRITIC_STEPS)
        histories["torch-dataloader"] = gan.fit(loader, verbose=0).history
    gan.save(workdir / "gan.keras")
    kw.hub.save_preset(gan, workdir / "preset")
    samples = keras.ops.convert_to_numpy(gan.generator(NOISE))
    print(json.dumps({
        "recipe_build": _build_tiny_recipe(workdir / "presets"),
        "backend": keras.backend.backend(),
        "tensorflow_imported": sys.modules.get("tensorflow") is not None,
        "losses": {name: h["d_loss"] for name, h in histories.items()},
        "generator_steps": int(gan.generator_optimizer.iterations.numpy()),
        "keras_file_gap": _gap(kw.hub.load(workdir / "gan.keras"), samples),
        "preset_gap": _gap(kw.hub.load(workdir / "preset"), samples),
    }))


TINY_RECIPE = {
    "format": "keras_wgan.recipe", "format_version": 1, "name": "test/tiny_ring",
    "description": "tiny conditional ring8 WGAN-GP",
    "model": {"variant": "wgan_gp", "critic_steps": 2, "num_classes": 8},
    "data": {"source": "toy", "name": "ring8"},
    "architecture": {"name": "mlp", "latent_dim": 2, "width": 8, "depth": 1},
    "optimizer": {"name": "adam", "learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9},
    "training": {"steps": 3, "batch_size": 16, "seed": 0, "steps_per_fit": 2},
    "evaluation": {"protocol": "toy_modes", "n_samples": 200, "sample_seed": 7,
                   "w1_samples": 50, "w1_repeats": 1},
}


def _build_tiny_recipe(root):
    from keras_wgan.presets.builder import build_preset
    from keras_wgan.presets.recipe import validate_recipe

    meta = build_preset(validate_recipe(TINY_RECIPE), root, log=None)
    return {"steps": meta["training_steps"], "n_modes": meta["metrics"]["n_modes"],
            "loads": kw.hub.load(str(root / "test" / "tiny_ring")).generate(2, seed=0).shape[0]}


def _gap(generator, samples):
    return float(np.abs(keras.ops.convert_to_numpy(generator(NOISE)) - samples).max())


if __name__ == "__main__":
    main(sys.argv[1])
