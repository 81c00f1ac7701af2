"""Parallel lines (WGAN paper, Example 1): JS is stuck at log 2 while W1 = |theta|.

``P0`` is ``(0, U[0, 1])`` and ``P_theta`` is ``(theta, U[0, 1])``. Arjovsky, Chintala & Bottou,
"Wasserstein GAN", ICML 2017, https://arxiv.org/abs/1701.07875, Example 1 (Sec. 2, Fig. 1):

    W(P0, P_theta) = |theta|,    JS(P0, P_theta) = log 2 if theta != 0 else 0,

so a generator ``g_theta(z) = (theta, z)`` gets no signal from JS as theta moves towards 0 but a
linear one from W. For every theta of a sweep this experiment trains, from scratch:

- a discriminator with the minimax loss (Goodfellow et al. 2014, Eq. 1) and reads
  ``JS ~ log 2 - L_D / 2`` from its loss on fresh samples (the issue's ``log 2 + V / 2`` with the
  value function ``V = -L_D``); a lower bound on JS for any D, tight at the optimum D*;
- a WGAN-GP critic (Gulrajani et al. 2017, Eq. 3, lambda = 10; ``critic="clip"`` for the WGAN's
  weight clipping instead) and reads ``W ~ (E f(x) - E f(y)) / K``, with ``K`` the critic's mean
  input-gradient norm on the segments between the two lines (see `fixed_pair`). The raw gap,
  ``E f(x) - E f(y)``, is recorded as well: for the GP critic it is ``|theta| (1 + |theta| / 20)``;
  for the clipped critic it is ``K |theta|`` with ``K ~ 1e-3`` (measured: gap 0.0005 at
  theta = 0.5, rescaled estimate 0.494; 300 steps), W "up to a multiplicative constant" (WGAN
  paper, Sec. 3).
"""

import json
import math
import os

import numpy as np

from keras_wgan import data, plotting
from keras_wgan.experiments import fixed_pair

LOG2 = math.log(2.0)


def closed_forms(theta):
    """``(JS, W)`` between ``P0`` and ``P_theta`` (WGAN paper, Example 1)."""
    return (0.0 if theta == 0 else LOG2), abs(float(theta))


def measure(theta, steps=300, critic="gp", batch_size=256, eval_size=4096, learning_rate=5e-3,
            width=64, depth=2, seed=0):
    """Train a discriminator and a critic between ``P0`` and ``P_theta``; return their estimates.

    Returns:
        A dict with ``theta``, ``js`` (estimate), ``js_true``, ``d_loss`` (L_D on fresh samples),
        ``w`` (rescaled critic estimate), ``w_gap`` (raw ``E f(x) - E f(y)``), ``critic_slope``
        (the K divided out) and ``w_true``.
    """
    pairs = fixed_pair.toy_pair_dataset("parallel_lines", batch_size, theta=float(theta), seed=seed)
    real = data.sample("parallel_lines", eval_size, seed=10_000 + seed)
    fake = data.sample("parallel_lines", eval_size, seed=20_000 + seed, theta=float(theta))
    common = dict(steps=steps, learning_rate=learning_rate, width=width, depth=depth, seed=seed)
    disc = fixed_pair.train_pair("minimax", pairs, **common).discriminator
    crit = fixed_pair.train_pair(critic, pairs, **common).discriminator
    js = fixed_pair.js_estimate(disc, real, fake)
    gap = fixed_pair.critic_gap(crit, real, fake)
    slope = fixed_pair.critic_slope(crit, real, fake, seed=seed)
    js_true, w_true = closed_forms(theta)
    return {
        "theta": float(theta), "js": js, "js_true": js_true, "d_loss": 2.0 * (LOG2 - js),
        "w": gap / slope if slope > 0 else 0.0, "w_gap": gap, "critic_slope": slope,
        "w_true": w_true,
    }


def run(thetas=tuple(np.round(np.linspace(-1.0, 1.0, 9), 3)), steps=300, critic="gp",
        out_dir="runs/parallel_lines", **kwargs):
    """Sweep ``thetas``; write ``parallel_lines.png`` and ``parallel_lines.json`` to ``out_dir``.

    Returns:
        ``{"critic": ..., "steps": ..., "points": [measure(theta) for theta in thetas],
        "max_js_rel_error": ..., "max_w_rel_error": ...}``, the relative errors taken over
        ``theta != 0`` (JS against log 2, W against ``|theta|``).
    """
    os.makedirs(out_dir, exist_ok=True)
    points = [measure(theta, steps=steps, critic=critic, **kwargs) for theta in thetas]
    nonzero = [p for p in points if p["theta"] != 0]
    result = {
        "critic": critic, "steps": steps, "points": points,
        "max_js_rel_error": max((abs(p["js"] - LOG2) / LOG2 for p in nonzero), default=0.0),
        "max_w_rel_error": max((abs(p["w"] - p["w_true"]) / p["w_true"] for p in nonzero),
                               default=0.0),
    }
    _plot(points, critic, steps, os.path.join(out_dir, "parallel_lines.png"))
    with open(os.path.join(out_dir, "parallel_lines.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _plot(points, critic, steps, path):
    plt = plotting.pyplot()
    thetas = np.array([p["theta"] for p in points])
    grid = np.linspace(thetas.min(), thetas.max(), 401)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    js_curve = np.where(np.abs(grid) < 1e-9, np.nan, LOG2)  # a gap at 0: JS jumps there
    left.plot(grid, js_curve, color="0.3", label="closed form")
    if 0.0 in thetas:
        left.plot([0.0], [0.0], "o", color="0.3", markersize=4)
    left.plot(thetas, [p["js"] for p in points], "o", color="tab:red",
              label=r"$\log 2 - L_D/2$ (trained D)")
    left.set(title="JS divergence", xlabel=r"$\theta$", ylim=(-0.05, 0.8))
    right.plot(grid, np.abs(grid), color="0.3", label=r"closed form $|\theta|$")
    right.plot(thetas, [p["w"] for p in points], "o", color="tab:blue",
               label=f"critic ({critic}), gap / slope")
    right.plot(thetas, [p["w_gap"] for p in points], "x", color="tab:blue", alpha=0.5,
               label="critic, raw gap")
    right.set(title="Earth-mover distance", xlabel=r"$\theta$")
    for ax in (left, right):
        ax.legend(fontsize=7)
    fig.suptitle(f"Parallel lines (WGAN Example 1), {steps} training steps per estimate")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
