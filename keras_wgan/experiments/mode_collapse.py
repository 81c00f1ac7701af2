"""Mode collapse: the registered models on the Gaussian mixtures, same architectures, same budgets.

Each model (every entry of `keras_wgan.models.VARIANTS`: `GAN`, `NSGAN`, `WGAN`, `WGANGP`, ...,
each with its paper's defaults) is trained by `keras_wgan.experiments.toy2d.train_toy` on ``ring8`` and
``grid25`` with identical MLPs, batch size and number of generator steps, and at evenly spaced
snapshots we score 1000 samples from fixed noise with

- modes covered and high-quality rate (`keras_wgan.evaluation.toy_mode_stats`: a sample is high
  quality within 3 stds of its nearest mode; a mode is covered with at least a quarter of a
  uniform share of the high-quality samples);
- exact W1 to real samples beside its noise floor (`keras_wgan.evaluation.w1_with_noise_floor`).

The claim under test comes from Gulrajani et al., "Improved Training of Wasserstein GANs",
NeurIPS 2017, https://arxiv.org/abs/1704.00028, Sec. 5 / Fig. 2 (toy mixtures) and Arjovsky,
Chintala & Bottou, "Wasserstein GAN", ICML 2017, https://arxiv.org/abs/1701.07875, Sec. 4.3 ("we
did not see evidence of mode collapse for the WGAN algorithm"): the minimax GAN tends to cover a
few modes, the WGAN-GP all of them. Budgets that small are a sketch, not the benchmark
(``bench/quality.py`` is).
"""

import functools
import json
import os

import numpy as np

from keras_wgan import data, plotting
from keras_wgan.evaluation import toy_mode_stats, w1_with_noise_floor
from keras_wgan.experiments.toy2d import title, train_toy
from keras_wgan.models import VARIANTS


def __getattr__(name):
    # MODELS: every registered model, read when asked (a variant registered later included).
    if name == "MODELS":
        return tuple(VARIANTS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def score(samples, dataset, seed=0):
    """``{"modes", "n_modes", "hq_rate", "w1", "noise_floor"}`` of samples from ``dataset``'s model."""
    modes = toy_mode_stats(samples, dataset)
    w1 = w1_with_noise_floor(samples, functools.partial(data.sample, dataset), seed=seed,
                             repeats=1)
    return {"modes": modes["modes_covered"], "n_modes": modes["n_modes"],
            "hq_rate": modes["hq_rate"], "w1": w1["w1"], "noise_floor": w1["noise_floor"]}


def run(datasets=("ring8", "grid25"), models=None, steps=2000, snapshots=4, batch_size=256,
        width=512, depth=3, seed=0, out_dir="runs/mode_collapse"):
    """Train every model on every dataset; write ``mode_collapse.png`` and ``.json`` to ``out_dir``.

    Returns:
        ``{dataset: {model: [{"step", "modes", "n_modes", "hq_rate", "w1", "noise_floor"},
        ...one per snapshot]}}`` plus ``"settings"``.
    """
    models = tuple(VARIANTS) if models is None else tuple(models)
    result = {"settings": {"steps": steps, "snapshots": snapshots, "batch_size": batch_size,
                           "width": width, "depth": depth, "seed": seed}}
    for dataset in datasets:
        result[dataset] = {}
        for name in models:
            _, _, taken = train_toy(name, dataset, steps=steps, snapshots=snapshots,
                                    batch_size=batch_size, width=width, depth=depth, seed=seed)
            result[dataset][name] = [{"step": step, **score(samples, dataset, seed)}
                                     for step, samples in taken]
    os.makedirs(out_dir, exist_ok=True)
    _plot(result, datasets, models, os.path.join(out_dir, "mode_collapse.png"))
    with open(os.path.join(out_dir, "mode_collapse.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _plot(result, datasets, models, path):
    plt = plotting.pyplot()
    fig, axes = plt.subplots(len(datasets), 3, figsize=(12, 3.2 * len(datasets)), squeeze=False)
    for row, dataset in enumerate(datasets):
        for name in models:
            track = result[dataset][name]
            steps = [t["step"] for t in track]
            label = title(name)
            axes[row, 0].plot(steps, [t["modes"] for t in track], "o-", markersize=3, label=label)
            axes[row, 1].plot(steps, [t["hq_rate"] for t in track], "o-", markersize=3)
            axes[row, 2].semilogy(steps, [t["w1"] for t in track], "o-", markersize=3)
        floor = np.mean([t["noise_floor"] for track in result[dataset].values() for t in track])
        axes[row, 2].axhline(floor, color="0.4", linestyle="--", linewidth=0.8, label="noise floor")
        n_modes = result[dataset][models[0]][0]["n_modes"]
        axes[row, 0].set(title=f"{dataset}: modes covered", ylim=(-0.5, n_modes + 0.5))
        axes[row, 1].set(title=f"{dataset}: high-quality rate", ylim=(-0.02, 1.02))
        axes[row, 2].set(title=f"{dataset}: exact W1 to real")
        axes[row, 0].legend(fontsize=7)
        axes[row, 2].legend(fontsize=7)
        for ax in axes[row]:
            ax.set_xlabel("generator steps")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
