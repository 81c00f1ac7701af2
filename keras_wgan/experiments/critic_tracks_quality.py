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

`run_mnist` is the same experiment on MNIST digits, closer to the paper's own figures (which use
LSUN bedrooms): a small DCGAN WGAN-GP, and sample quality measured by the classifier-FID (the
Frechet distance in the bundled MNIST classifier's feature space, `keras_wgan.evaluation`) of
``eval_size`` samples from fixed noise against all the real images. Exact W1 is out of reach in
784 dimensions; FID is the sample-quality metric the literature reports instead.

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
from keras_wgan.models import WGANGP, paper_optimizers


class _TrackQuality(keras.callbacks.Callback):
    """At each epoch's end: the critic's estimate on fixed real points and fixed-noise samples,
    and ``quality(fake) -> {name: value}`` of those samples."""

    def __init__(self, real, noise_seed, eval_size, quality):
        super().__init__()
        self.real, self.noise_seed, self.eval_size = real, noise_seed, eval_size
        self.quality = quality
        self.rows = []

    def _mean_score(self, x, batch_size=500):
        critic = self.model.discriminator
        scores = [ops.convert_to_numpy(critic(x[i:i + batch_size], training=False))
                  for i in range(0, len(x), batch_size)]
        return float(np.concatenate(scores).mean())

    def on_epoch_end(self, epoch, logs=None):
        fake = self.model.generate(self.eval_size, seed=self.noise_seed)
        self.rows.append({
            "epoch": epoch + 1,
            "step": int(ops.convert_to_numpy(self.model.generator_optimizer.iterations)),
            "estimate": self._mean_score(self.real) - self._mean_score(fake),
            "train_estimate": float((logs or {}).get("wasserstein", np.nan)),
            **self.quality(fake),
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
    real = data.sample(dataset, eval_size, seed=10_000 + seed)
    tracker = _TrackQuality(real, noise_seed=20_000 + seed, eval_size=eval_size,
                            quality=lambda fake: {"w1": exact_w1(fake, real)})

    def stream(start):
        return data.toy_dataset(dataset, batch_size * gan.critic_steps, seed=seed, start=start)

    settings = {"dataset": dataset, "steps_per_epoch": steps_per_epoch, "batch_size": batch_size,
                "width": width, "depth": depth, "warmup_steps": warmup_steps, "skip": skip}
    rows, rates = _train_and_track(gan, stream, tracker, epochs, steps_per_epoch, warmup_steps,
                                   learning_rate, critic_learning_rate)
    result = dict(settings, **rates, epochs=rows, quality_metric="w1",
                  **_correlations_of(rows[skip:], "w1"),
                  noise_floor=exact_w1(data.sample(dataset, eval_size, seed=30_000 + seed), real))
    return _write(result, out_dir)


def run_mnist(images, epochs=12, steps_per_epoch=50, batch_size=64, width=32, latent_dim=64,
              learning_rate=2e-4, critic_learning_rate=1e-3, warmup_steps=100, eval_size=1000,
              skip=1, seed=0, classifier=None, out_dir="runs/critic_tracks_quality_mnist"):
    """The same experiment on MNIST: the critic's estimate against classifier-FID, per epoch.

    The model is the design of the bundled ``wgan_gp/mnist`` preset (which ships at width 64;
    ``width`` here defaults to 32 for CPU time): a DCGAN generator with batch norm and an unnormalised critic of base width ``width``,
    ``latent_dim``-d noise, 5 critic steps, lambda 10, Adam(``learning_rate``, 0.5, 0.9) for the
    generator and Adam(``critic_learning_rate``, 0.5, 0.9) for the critic, which first trains
    alone for ``warmup_steps`` model steps. With the preset's equal rates (2e-4 for both, 20
    warm-up steps) the critic lagged: its estimate rose from 1.5 to 2.5 while classifier-FID
    fell from 129 to 32 (Pearson -0.54 over epochs 2-12); at 5x the generator's rate with 100
    warm-up steps it fell with FID (Pearson 0.87, Spearman 0.99).

    Args:
        images: ``(N, 28, 28, 1)`` float images in [-1, 1] (`keras_wgan.data.read_idx` of the
            IDX files, scaled), e.g. ``keras_wgan.presets.build.load_mnist(data_dir)``.
        classifier: a `keras_wgan.evaluation.MnistClassifier` (default: the bundled one).
        eval_size: real images scored by the critic, and samples per evaluation (critic
            estimate and FID); FID is biased upwards at small N, so only compare values
            computed with the same ``eval_size``.
        Others as `run`.

    Returns (and writes as ``critic_tracks_quality.json`` / ``.png`` in ``out_dir``): as `run`,
    with ``classifier_fid`` per epoch in place of ``w1``, the correlations against it, and
    ``real_fid`` (FID of ``eval_size`` real images, the metric's floor at this N).
    """
    from keras_wgan.evaluation import MnistClassifier, feature_stats, fid

    images = _check_images(images)
    classifier = classifier or MnistClassifier()
    keras.utils.set_random_seed(seed)
    gan = WGANGP(
        generator=architectures.dcgan_generator(latent_dim, (28, 28, 1), width, norm="batch"),
        discriminator=architectures.dcgan_critic((28, 28, 1), width, norm=None),
        latent_dim=latent_dim, seed=seed)
    real_stats = feature_stats(images, classifier.features)
    held = images[np.random.default_rng(10_000 + seed).permutation(len(images))[:eval_size]]

    def classifier_fid(x):
        return fid(real_stats, x, features=classifier.features)

    tracker = _TrackQuality(held, noise_seed=20_000 + seed, eval_size=eval_size,
                            quality=lambda fake: {"classifier_fid": classifier_fid(fake)})
    pipeline = data.image_dataset(images, batch_size * gan.critic_steps, shuffle=True, seed=seed,
                                  repeat=True, value_range=(-1, 1))
    settings = {"dataset": "mnist", "n_images": int(len(images)), "steps_per_epoch": steps_per_epoch,
                "batch_size": batch_size, "width": width, "latent_dim": latent_dim,
                "warmup_steps": warmup_steps, "skip": skip, "eval_size": eval_size}
    rows, rates = _train_and_track(gan, pipeline.skip, tracker, epochs, steps_per_epoch,
                                   warmup_steps, learning_rate, critic_learning_rate)
    result = dict(settings, **rates, epochs=rows, quality_metric="classifier_fid",
                  **_correlations_of(rows[skip:], "classifier_fid"),
                  real_fid=classifier_fid(held))
    return _write(result, out_dir)


def _check_images(images):
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(f"run_mnist needs MNIST images of shape (N, 28, 28, 1) or (N, 28, 28); "
                         f"got {images.shape}.")
    if images.min() < -1.0 - 1e-6 or images.max() > 1.0 + 1e-6:
        raise ValueError(f"run_mnist needs images scaled to [-1, 1]; got values in "
                         f"[{images.min():g}, {images.max():g}] (divide uint8 pixels by 127.5, "
                         "subtract 1).")
    return images


def _train_and_track(gan, stream, tracker, epochs, steps_per_epoch, warmup_steps,
                     learning_rate, critic_learning_rate):
    """Compile with the paper's Adam (rates overridden as given), let the critic alone learn
    for ``warmup_steps`` model steps, then fit with ``tracker``; ``stream(start)`` is the
    training data from batch ``start`` on. Returns ``(tracker rows, the two rates)``."""
    g_opt, d_opt = paper_optimizers(gan, learning_rate, critic_learning_rate)
    gan.compile(g_opt, d_opt)
    rate = float(ops.convert_to_numpy(g_opt.learning_rate))
    if warmup_steps:  # the generator frozen (learning rate 0): the critic alone learns
        g_opt.learning_rate = 0.0
        gan.fit(stream(0).take(warmup_steps), verbose=0, shuffle=False)
        g_opt.learning_rate = rate
    gan.fit(stream(warmup_steps), steps_per_epoch=steps_per_epoch, epochs=epochs,
            callbacks=[tracker], verbose=0, shuffle=False)
    return tracker.rows, {"learning_rate": rate,
                          "critic_learning_rate": float(ops.convert_to_numpy(d_opt.learning_rate))}


def _correlations_of(rows, metric):
    """Pearson/Spearman of the estimate (end of epoch, and training mean) against ``metric``."""
    quality = [r[metric] for r in rows]
    pearson, spearman = correlations([r["estimate"] for r in rows], quality)
    pearson_train, spearman_train = correlations([r["train_estimate"] for r in rows], quality)
    return {"pearson": pearson, "spearman": spearman,
            "pearson_train": pearson_train, "spearman_train": spearman_train}


def _write(result, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    _plot(result, os.path.join(out_dir, "critic_tracks_quality.png"))
    with open(os.path.join(out_dir, "critic_tracks_quality.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _plot(result, path):
    plt = plotting.pyplot()
    rows, metric = result["epochs"], result["quality_metric"]
    label = {"w1": "exact W1", "classifier_fid": "classifier-FID"}[metric]
    steps = [r["step"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(steps, [r["estimate"] for r in rows], "o-", color="tab:blue", markersize=3,
              label="critic estimate (end of epoch)")
    left.plot(steps, [r["train_estimate"] for r in rows], ":", color="tab:blue",
              label="critic estimate (epoch mean, training)")
    left.set(xlabel="generator steps", title=f"WGAN-GP on {result['dataset']}")
    if metric == "w1":  # one axis: the estimate is a W1 estimate, in the same units
        quality_axis, floor = left, result["noise_floor"]
        left.set_ylabel(r"W1 and $E f(x) - E f(G(z))$")
    else:  # FID is in other units: its own axis
        quality_axis, floor = left.twinx(), result["real_fid"]
        left.set_ylabel(r"critic estimate $E f(x) - E f(G(z))$", color="tab:blue")
        quality_axis.set_ylabel(label, color="tab:green")
    quality_axis.plot(steps, [r[metric] for r in rows], "s-", color="tab:green", markersize=3,
                      label=f"{label} of the samples")
    quality_axis.axhline(floor, color="tab:green", linestyle="--", linewidth=0.8,
                         label=f"{label} of real data (floor)")
    handles = [h for ax in {left, quality_axis} for h in ax.get_legend_handles_labels()[0]]
    left.legend(handles=handles, fontsize=7, loc="upper right")
    used = rows[result["skip"]:]
    right.scatter([r[metric] for r in used], [r["estimate"] for r in used],
                  c=[r["step"] for r in used], cmap="viridis", s=14)
    right.set(xlabel=label, ylabel="critic estimate",
              title=f"Pearson {result['pearson']:.2f}, Spearman {result['spearman']:.2f}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
