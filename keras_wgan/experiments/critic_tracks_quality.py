"""The critic's Wasserstein estimate tracks sample quality over a WGAN-GP run.

Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, https://arxiv.org/abs/1701.07875,
Sec. 4.2 and Figs. 3-4: the critic's estimate ``E f(x) - E f(G(z))`` (Eq. 3, for a critic kept
near 1-Lipschitz) falls as samples improve, unlike a GAN discriminator's loss. Here a WGAN-GP
(Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017,
https://arxiv.org/abs/1704.00028, Alg. 1) is trained on a 2-D toy mixture and, at the end of every
epoch, two numbers are recorded:

- ``estimate``: ``mean f(x) - mean f(G(z))`` of the current critic on ``eval_size`` fixed real
  points and ``eval_size`` samples from fixed noise (the epoch's training-time mean, the model's
  ``wasserstein`` metric, is recorded too as ``train_estimate``);
- ``w1``: the exact W1 between those samples and those real points (optimal transport,
  `keras_wgan.evaluation.exact_w1`), with the noise floor (W1 between two real samples) beside it.

Their Pearson and Spearman correlations over the epochs (``skip`` first epochs left out: the critic
starts untrained, so its first estimates rise while it learns, not because samples get worse) are
the experiment's numbers.

The estimate only measures W1 if the critic is near its optimum, so the critic gets a head start
(``warmup_steps``) and learns at 1e-3 against the generator's paper rate 1e-4 (a two time-scale
rule, Heusel et al., "GANs Trained by a Two Time-Scale Update Rule", NeurIPS 2017). With equal
rates on budgets this small the critic lagged, its estimate turned negative and the correlation
came out negative (ring8, width 64, 400 generator steps after a warm-up: Pearson -0.41 at
1e-4 for both players, +0.97 with the critic at 1e-3).
"""

import json
import os

import keras
import numpy as np
from keras import ops
from scipy import stats

from keras_wgan import architectures, data, plotting
from keras_wgan.evaluation import exact_w1
from keras_wgan.models import WGANGP


class _TrackQuality(keras.callbacks.Callback):
    def __init__(self, real, noise_seed, eval_size):
        super().__init__()
        self.real, self.noise_seed, self.eval_size = real, noise_seed, eval_size
        self.rows = []

    def on_epoch_end(self, epoch, logs=None):
        fake = self.model.generate(self.eval_size, seed=self.noise_seed)
        critic = self.model.discriminator
        estimate = float(ops.mean(critic(self.real)) - ops.mean(critic(fake)))
        self.rows.append({
            "epoch": epoch + 1,
            "step": int(self.model.generator_optimizer.iterations.numpy()),
            "estimate": estimate,
            "train_estimate": float((logs or {}).get("wasserstein", np.nan)),
            "w1": exact_w1(fake, self.real),
        })


def correlations(x, y):
    """``(pearson r, spearman rho)`` of two equal-length sequences (NaN with fewer than 3)."""
    if len(x) < 3:
        return float("nan"), float("nan")
    return float(stats.pearsonr(x, y)[0]), float(stats.spearmanr(x, y)[0])


def run(dataset="ring8", epochs=20, steps_per_epoch=100, batch_size=64, width=128, depth=3,
        latent_dim=2, learning_rate=None, critic_learning_rate=1e-3, warmup_steps=40,
        eval_size=500, skip=1, seed=0, out_dir="runs/critic_tracks_quality"):
    """Train a WGAN-GP on ``dataset`` and record the critic's estimate and W1 after every epoch.

    Args:
        dataset: a `keras_wgan.data.TOY_DISTRIBUTIONS` name.
        epochs, steps_per_epoch: generator steps are ``epochs * steps_per_epoch`` (each with the
            model's 5 critic steps).
        batch_size: real examples per critic step (the model's batch is 5 times this).
        width, depth: MLP generator and critic (ReLU), as `keras_wgan.architectures.mlp_*`.
        learning_rate: overrides the paper's Adam 1e-4 for both players.
        critic_learning_rate: overrides the critic's rate alone (after ``learning_rate``).
        warmup_steps: model steps (of 5 critic updates each) with the generator frozen before
            the run, so that the first estimates come from a trained critic; the WGAN authors'
            script likewise gives the critic 100 updates per generator update for its first 25.
        eval_size: real points and samples per evaluation.
        skip: first epochs left out of the correlations.

    Returns (and writes as ``critic_tracks_quality.json`` beside ``critic_tracks_quality.png``):
        ``{"epochs": [...per-epoch rows...], "pearson", "spearman"`` (estimate vs W1),
        ``"pearson_train", "spearman_train"`` (training-time estimate vs W1), ``"noise_floor"``,
        and the settings}``.
    """
    keras.utils.set_random_seed(seed)
    gan = WGANGP(generator=architectures.mlp_generator(latent_dim, 2, width, depth),
                 discriminator=architectures.mlp_critic(2, width, depth),
                 latent_dim=latent_dim, seed=seed)
    g_opt, d_opt = gan.default_optimizers()
    if learning_rate is not None:
        g_opt.learning_rate = d_opt.learning_rate = learning_rate
    if critic_learning_rate is not None:
        d_opt.learning_rate = critic_learning_rate
    gan.compile(g_opt, d_opt)
    real = data.sample(dataset, eval_size, seed=10_000 + seed)
    tracker = _TrackQuality(real, noise_seed=20_000 + seed, eval_size=eval_size)
    stream = data.toy_dataset(dataset, batch_size * gan.critic_steps, seed=seed)
    if warmup_steps:  # the generator frozen (learning rate 0): the critic alone learns
        rate = float(g_opt.learning_rate.numpy())
        g_opt.learning_rate = 0.0
        gan.fit(stream.take(warmup_steps), verbose=0, shuffle=False)
        g_opt.learning_rate = rate
        stream = data.toy_dataset(dataset, batch_size * gan.critic_steps, seed=seed,
                                  start=warmup_steps)
    gan.fit(stream, steps_per_epoch=steps_per_epoch, epochs=epochs, callbacks=[tracker],
            verbose=0, shuffle=False)
    rows = tracker.rows
    used = rows[skip:]
    estimate, train_estimate, w1 = ([r[k] for r in used] for k in ("estimate", "train_estimate", "w1"))
    pearson, spearman = correlations(estimate, w1)
    pearson_train, spearman_train = correlations(train_estimate, w1)
    result = {
        "dataset": dataset, "steps_per_epoch": steps_per_epoch, "batch_size": batch_size,
        "width": width, "depth": depth, "learning_rate": float(g_opt.learning_rate.numpy()),
        "critic_learning_rate": float(d_opt.learning_rate.numpy()), "warmup_steps": warmup_steps,
        "skip": skip, "epochs": rows,
        "pearson": pearson, "spearman": spearman,
        "pearson_train": pearson_train, "spearman_train": spearman_train,
        "noise_floor": exact_w1(data.sample(dataset, eval_size, seed=30_000 + seed), real),
    }
    os.makedirs(out_dir, exist_ok=True)
    _plot(result, os.path.join(out_dir, "critic_tracks_quality.png"))
    with open(os.path.join(out_dir, "critic_tracks_quality.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _plot(result, path):
    plt = plotting._pyplot()
    rows = result["epochs"]
    steps = [r["step"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(steps, [r["estimate"] for r in rows], "o-", color="tab:blue", markersize=3,
              label="critic estimate (end of epoch)")
    left.plot(steps, [r["train_estimate"] for r in rows], ":", color="tab:blue",
              label="critic estimate (epoch mean, training)")
    # One axis: the estimate is a W1 estimate, in the same units as the exact W1.
    left.plot(steps, [r["w1"] for r in rows], "s-", color="tab:green", markersize=3,
              label="exact W1 to real samples")
    left.axhline(result["noise_floor"], color="tab:green", linestyle="--", linewidth=0.8,
                 label="W1 noise floor")
    left.set(xlabel="generator steps", ylabel=r"W1 and $E f(x) - E f(G(z))$")
    left.legend(fontsize=7)
    left.set_title(f"WGAN-GP on {result['dataset']}")
    used = rows[result["skip"]:]
    right.scatter([r["w1"] for r in used], [r["estimate"] for r in used],
                  c=[r["step"] for r in used], cmap="viridis", s=14)
    right.set(xlabel="exact W1", ylabel="critic estimate",
              title=f"Pearson {result['pearson']:.2f}, Spearman {result['spearman']:.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
