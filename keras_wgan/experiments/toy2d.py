"""The registered models on 2-D mixtures: samples and critic contours over training, in one figure.

The toy recipe follows the WGAN-GP authors' ``gan_toy.py`` (Gulrajani et al. 2017): MLPs of
``depth`` ReLU layers of ``width`` units for both players, 2-D noise, Adam(1e-4, 0.5, 0.9)
for WGAN-GP; each model otherwise keeps its paper's defaults (`keras_wgan.models.VARIANTS`).
"""

import json
import os

import keras
import numpy as np

from keras_wgan import architectures, data, evaluation, plotting
from keras_wgan.models import VARIANTS, get_variant, paper_optimizers


def title(name):
    """A registered model's label for figures (its name when unknown)."""
    return VARIANTS[name].title if name in VARIANTS else name


class _Snapshots(keras.callbacks.Callback):
    def __init__(self, n, seed):
        super().__init__()
        self.n, self.seed, self.taken = n, seed, []

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.generator_optimizer.iterations.numpy())
        self.taken.append((step, self.model.generate(self.n, seed=self.seed)))


def train_toy(model="wgan_gp", dataset="ring8", steps=1000, snapshots=4, batch_size=256,
              width=512, depth=3, latent_dim=2, seed=0, learning_rate=None,
              critic_lr_multiplier=1.0, run_dir=None, verbose=0):
    """Train one model on one toy distribution; return ``(gan, history, snapshots)``.

    Args:
        model: a registered name (`keras_wgan.models.VARIANTS`).
        dataset: a `keras_wgan.data.TOY_DISTRIBUTIONS` name.
        steps: generator steps in all (each with the model's critic steps).
        snapshots: how many times samples are taken (evenly spaced).
        batch_size: real examples per critic step.
        learning_rate: overrides the paper's learning rate for both players if given.
        critic_lr_multiplier: the critic / discriminator learns this many times faster than
            the generator (1: the papers' equal rates; 10 trains a short toy run much faster).
        run_dir: if given, the usual per-epoch outputs go there (`training.training_callbacks`:
            sample plots, TensorBoard, a `.keras` checkpoint, curves).
    Returns:
        The trained model, its ``History.history``, and ``[(step, samples), ...]``.
    """
    keras.utils.set_random_seed(seed)
    variant = get_variant(model)
    gan = variant.model_class(
        generator=architectures.mlp_generator(latent_dim, 2, width, depth),
        discriminator=architectures.mlp_critic(2, width, depth),
        latent_dim=latent_dim,
        seed=seed,
    )
    rate = variant.learning_rate if learning_rate is None else learning_rate
    gan.compile(*paper_optimizers(gan, rate, critic_learning_rate=rate * critic_lr_multiplier))
    stream = data.toy_dataset(dataset, batch_size * gan.critic_steps, seed=seed)
    recorder = _Snapshots(1000, seed)
    outputs = []
    if run_dir is not None:
        from keras_wgan import training

        outputs = training.training_callbacks(run_dir, real_points=data.sample(dataset, 1000, seed=1))
    history = gan.fit(stream, steps_per_epoch=max(1, steps // snapshots), epochs=snapshots,
                      callbacks=[recorder, *outputs], verbose=verbose)
    return gan, history.history, recorder.taken


def compare(models=None, dataset="ring8", steps=1000, snapshots=4, out_dir="out/toy", **kwargs):
    """Train each model (default: every registered one) on ``dataset`` and draw one figure: a
    row per model, a column per snapshot.

    Writes ``toy_<dataset>.png`` (samples over the critic's contours), each model's per-epoch
    outputs under ``<dataset>/<model>/`` (samples, TensorBoard, checkpoint, curves), and
    ``toy_<dataset>.json`` (per model: final metrics and, for the mixtures, modes covered,
    high-quality rate and mean distance of samples to the nearest mode). Returns the dict.
    """
    models = tuple(VARIANTS) if models is None else tuple(models)
    plt = plotting.pyplot()
    os.makedirs(out_dir, exist_ok=True)
    real = data.sample(dataset, 1000, seed=1)
    fig, axes = plt.subplots(len(models), snapshots, figsize=(2.6 * snapshots, 2.6 * len(models)),
                             squeeze=False)
    summary = {}
    for row, name in enumerate(models):
        gan, history, taken = train_toy(name, dataset, steps, snapshots,
                                        run_dir=os.path.join(out_dir, dataset, name), **kwargs)
        for col, (step, samples) in enumerate(taken):
            critic = gan.discriminator if col == len(taken) - 1 else None
            plotting.draw_toy_panel(axes[row, col], real, samples, critic,
                                    title=f"{title(name)}, step {step}")
        final = taken[-1][1]
        summary[name] = {k: float(v[-1]) for k, v in history.items()}
        if dataset in ("ring8", "grid25"):
            # Distance alone rewards collapse onto a few modes: report coverage beside it.
            stats = evaluation.toy_mode_stats(final, dataset)
            summary[name].update(
                modes_covered=f"{stats['modes_covered']}/{stats['n_modes']}",
                hq_rate=float(stats["hq_rate"]),
                mean_distance_to_mode=_distance_to_modes(final, dataset),
            )
    fig.suptitle(f"{dataset}: generated (gold) vs real (black); last column: critic contours")
    fig.tight_layout()
    figure = os.path.join(out_dir, f"toy_{dataset}.png")
    fig.savefig(figure, dpi=90)
    plt.close(fig)
    with open(os.path.join(out_dir, f"toy_{dataset}.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


def _distance_to_modes(points, dataset):
    centres, _ = data.mixture_modes(dataset)
    return float(np.linalg.norm(points[:, None] - centres[None], axis=-1).min(axis=1).mean())
