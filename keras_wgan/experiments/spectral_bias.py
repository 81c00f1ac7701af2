"""Spectral bias: why the grid25 recipe's critic reads its input through Fourier features.

A WGAN-GP generator moves its samples up the critic's gradient (it minimises ``-E f(G(z))``,
Gulrajani et al. 2017, Alg. 1 line 11), so it can only gather its samples onto the 25 modes of
``grid25`` if the critic's surface has a well at each mode. Networks fit the low frequencies of
a target first ("spectral bias": Rahaman et al., "On the Spectral Bias of Neural Networks",
ICML 2019), and 25 wells 2 units apart are a high-frequency function of the raw coordinates.
Tancik et al. ("Fourier Features Let Networks Learn High Frequency Functions in Low Dimensional
Domains", NeurIPS 2020) show that the random mapping
``gamma(x) = [cos(2 pi x B), sin(2 pi x B)]``, ``B ~ N(0, sigma^2)``, removes that bias for
low-dimensional inputs.

The experiment freezes the generator where the paper's raw-coordinate recipe stalled in this
project's runs: samples spread uniformly over every mode's cell (the mode's centre plus
``U[-half_width, half_width]^2``). Two critics that differ only in that input mapping
(`keras_wgan.architectures.mlp_critic` with and without ``fourier_scale``) are trained alone on
``(real, fake)`` batches with the WGAN-GP loss (`fixed_pair.PairTrainer`), then read out on
fresh samples:

- ``estimate``: ``E f(real) - E f(fake)`` against the exact ``W1`` of those two samples
  (optimal transport). Near the optimum (slope ~1 under the penalty) the two agree;
  ``recovered = estimate / W1`` is the share of the distance the critic sees.
- ``alignment``: the mean cosine between ``grad f(y)`` at the fake points and the direction from
  each point to its nearest mode: 1 when every sample is pushed straight home, 0 when the
  critic's gradient ignores the modes.

References: Rahaman et al. 2019, https://arxiv.org/abs/1806.08734; Tancik et al. 2020,
https://arxiv.org/abs/2006.10739; Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028.
"""

import json
import os

import keras
import numpy as np
from keras import ops

from keras_wgan import architectures, data, plotting
from keras_wgan.backend import input_gradients, resolve_jit_compile
from keras_wgan.data.toy import GRID25_SPACING
from keras_wgan.evaluation import exact_w1
from keras_wgan.experiments.fixed_pair import PairTrainer, critic_gap, train_steps
from keras_wgan.layers import GradientPenalty

CRITICS = ("raw", "fourier")


def spread_over_cells(n, half_width=0.9, seed=0):
    """``n`` points spread uniformly over grid25's cells: a mode's centre + ``U[-h, h]^2``."""
    if not 0.0 < half_width <= 0.5 * GRID25_SPACING:
        raise ValueError(f"half_width must be in (0, {0.5 * GRID25_SPACING}] so each "
                         f"point stays in its mode's cell; got {half_width}.")
    rng = np.random.default_rng(seed)
    centres, _ = data.mixture_modes("grid25")
    points = centres[rng.integers(0, len(centres), n)] + rng.uniform(-half_width, half_width,
                                                                      (n, 2))
    return points.astype("float32")


def make_critic(kind, width=128, depth=3, fourier_scale=0.5, fourier_features=64, seed=0):
    """The toy recipe's critic (``"fourier"``) or the paper's raw-coordinate one (``"raw"``)."""
    if kind not in CRITICS:
        raise ValueError(f"kind must be one of {CRITICS}, got '{kind}'.")
    keras.utils.set_random_seed(seed)
    return architectures.mlp_critic(
        2, width, depth, fourier_scale=fourier_scale if kind == "fourier" else None,
        fourier_features=fourier_features, name=f"{kind}_critic")


def alignment(critic, fake):
    """Mean cosine between ``grad f`` at ``fake`` and the direction to each point's nearest mode."""
    centres, _ = data.mixture_modes("grid25")
    nearest = centres[np.argmin(((fake[:, None] - centres[None]) ** 2).sum(-1), axis=1)]
    home = nearest - fake
    grads = ops.convert_to_numpy(input_gradients(lambda x: critic(x), ops.convert_to_tensor(fake)))
    cosine = (grads * home).sum(1) / (np.linalg.norm(grads, axis=1) * np.linalg.norm(home, axis=1)
                                      + 1e-12)
    return float(cosine.mean())


def measure(kind, steps=2000, width=128, depth=3, fourier_scale=0.5, batch_size=256,
            learning_rate=1e-3, half_width=0.9, eval_size=2000, seed=0):
    """Train one critic against the frozen spread-out generator; return its read-outs and itself.

    Adam(``learning_rate``, 0.5, 0.9) and lambda 10, as the toy recipe's critic.
    """
    critic = make_critic(kind, width, depth, fourier_scale, seed=seed)
    trainer = PairTrainer(critic, "wasserstein", GradientPenalty(weight=10.0, seed=seed))
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
                    jit_compile=resolve_jit_compile("auto"))
    real = data.sample("grid25", steps * batch_size, seed=seed)
    fake = spread_over_cells(steps * batch_size, half_width, seed=seed + 1)
    pairs = _batches(real, fake, batch_size)
    train_steps(trainer, pairs, steps)
    real_eval = data.sample("grid25", eval_size, seed=10_000 + seed)
    fake_eval = spread_over_cells(eval_size, half_width, seed=20_000 + seed)
    estimate = critic_gap(critic, real_eval, fake_eval)
    w1 = exact_w1(real_eval, fake_eval)
    return {"critic": kind, "steps": steps, "width": width, "depth": depth,
            "fourier_scale": fourier_scale if kind == "fourier" else None,
            "estimate": estimate, "w1": w1, "recovered": estimate / w1,
            "alignment": alignment(critic, fake_eval)}, critic


def run(steps=2000, width=128, depth=3, fourier_scale=0.5, seed=0,
        out_dir="runs/spectral_bias"):
    """Both critics, same seed and budget, written to ``out_dir`` as ``spectral_bias.json/.png``.

    Returns ``{"rows": [per critic], "settings": ...}``; the figure shows each critic's surface
    with the real modes and the frozen samples.
    """
    rows, critics = [], []
    for kind in CRITICS:
        row, critic = measure(kind, steps, width, depth, fourier_scale, seed=seed)
        rows.append(row)
        critics.append(critic)
    result = {"rows": rows, "settings": {"steps": steps, "width": width, "depth": depth,
                                         "fourier_scale": fourier_scale, "seed": seed}}
    os.makedirs(out_dir, exist_ok=True)
    _plot(rows, critics, seed, os.path.join(out_dir, "spectral_bias.png"))
    with open(os.path.join(out_dir, "spectral_bias.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _batches(real, fake, batch_size):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((real, fake)).batch(batch_size, drop_remainder=True)


def _plot(rows, critics, seed, path):
    plt = plotting.pyplot()
    real = data.sample("grid25", 500, seed=30_000 + seed)
    fake = spread_over_cells(500, seed=40_000 + seed)
    fig, axes = plt.subplots(1, len(rows), figsize=(5 * len(rows), 5))
    for ax, row, critic in zip(np.atleast_1d(axes), rows, critics):
        title = (f"{row['critic']} critic: sees {row['recovered']:.0%} of W1, "
                 f"alignment {row['alignment']:.2f}")
        plotting.draw_toy_panel(ax, real, fake, critic=critic, limit=5.5, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
