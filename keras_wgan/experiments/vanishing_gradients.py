"""Vanishing gradients: the minimax generator's gradient dies as the discriminator improves.

A generator is frozen at a distance from the data, the discriminator (or critic) is trained
against it for ``k`` steps, and at each ``k`` we record the norm of the gradient of the
generator's loss with respect to the generator's weights, for

- the minimax loss ``E log(1 - D(G(z)))`` (Goodfellow et al. 2014, Eq. 1): it vanishes as D
  approaches the optimal D* (Arjovsky & Bottou, "Towards Principled Methods for Training
  Generative Adversarial Networks", ICLR 2017, https://arxiv.org/abs/1701.04862, Thm. 2.4 and
  Fig. 2: ``||grad|| <= M eps / (1 - eps)`` once ``||D - D*|| < eps``);
- the "-log D" loss ``-E log D(G(z))`` (Goodfellow et al. 2014, Sec. 3) against the same D: it
  does not vanish but its gradient grows and becomes unstable (Arjovsky & Bottou 2017, Thm. 2.6
  and Fig. 3);
- the Wasserstein loss ``-E f(G(z))`` against a critic trained with the WGAN-GP penalty
  (``critic="gp"``, Gulrajani et al. 2017, Eq. 3) or weight clipping (``critic="clip"``, Arjovsky et
  al. 2017, Alg. 1): the critic's gradient stays useful everywhere (Arjovsky, Chintala & Bottou,
  "Wasserstein GAN", ICML 2017, https://arxiv.org/abs/1701.07875, Sec. 3 and Fig. 2).

The data are the parallel lines of the WGAN paper's Example 1: real ``(0, U[0, 1])``; the
generator is the paper's ``g_theta(z) = (theta, z)``, ``z ~ U[0, 1]``, written as one Dense layer
``z -> z [0, 1] + [theta, 0]`` (weights: kernel and bias), so its gradient is a real gradient with
respect to Keras weights and the two lines have disjoint supports, the case of the theorems.
"""

import json
import os

import keras
import numpy as np
from keras import ops

from keras_wgan import losses, plotting
from keras_wgan.experiments import fixed_pair

GENERATOR_LOSSES = {
    "minimax": ("minimax", losses.minimax_generator_loss),
    "non_saturating": ("minimax", losses.non_saturating_generator_loss),
    "wasserstein": ("critic", losses.wasserstein_generator_loss),
}


def line_generator(theta):
    """The WGAN paper's ``g_theta(z) = (theta, z)`` as a Keras model with one Dense layer."""
    z = keras.Input((1,), name="noise")
    dense = keras.layers.Dense(
        2, name="to_points",
        kernel_initializer=keras.initializers.Constant([[0.0, 1.0]]),
        bias_initializer=keras.initializers.Constant([float(theta), 0.0]),
    )
    return keras.Model(z, dense(z), name="line_generator")


def default_schedule(steps):
    """``0, 1, 3, 10, 30, ...`` up to ``steps`` (roughly half-decades), ``steps`` included."""
    marks = {0, int(steps)}
    for decade in range(0, 7):
        for m in (1, 3):
            if m * 10**decade < steps:
                marks.add(m * 10**decade)
    return sorted(marks)


def generator_gradient_norms(generator, discriminator, critic, noise):
    """``{loss name: ||d loss / d generator weights||}`` at the given noise (see module doc)."""
    norms = {}
    for name, (player, loss_fn) in GENERATOR_LOSSES.items():
        net = critic if player == "critic" else discriminator

        def loss(net=net, loss_fn=loss_fn):
            return ops.mean(loss_fn(net(generator(noise))))

        norms[name] = fixed_pair.gradient_norm(loss, generator.trainable_variables)
    return norms


def run(theta=1.0, steps=1000, schedule=None, critic="gp", batch_size=256, learning_rate=1e-3,
        width=64, depth=2, eval_size=2048, seed=0, out_dir="runs/vanishing_gradients"):
    """Train D (minimax loss) and a critic against the frozen ``g_theta``; record gradient norms.

    Args:
        theta: the generator's distance from the data.
        steps: discriminator / critic updates in all.
        schedule: the ``k`` at which norms are taken (default `default_schedule(steps)`).
        critic: ``"gp"`` or ``"clip"``.

    Returns (and writes as ``vanishing_gradients.json`` beside ``vanishing_gradients.png``):
        ``{"k": [...], "minimax": [...], "non_saturating": [...], "wasserstein": [...],
        "d_fake": [...] (mean D(G(z))), and for each loss ``"<name>_drop"``: its largest norm over
        the schedule divided by its norm at the last k (how far it fell from its peak)}``.
    """
    schedule = sorted(set(schedule or default_schedule(steps)))
    generator = line_generator(theta)
    noise = np.random.default_rng(seed).uniform(size=(eval_size, 1)).astype("float32")
    trainers = {kind: fixed_pair.new_trainer(kind, 2, learning_rate, width, depth, seed)
                for kind in ("minimax", critic)}
    record = {"k": [], "d_fake": [], **{name: [] for name in GENERATOR_LOSSES}}
    done = 0
    for k in schedule:
        pairs = fixed_pair.toy_pair_dataset("parallel_lines", batch_size, theta, seed, start=done)
        for trainer in trainers.values():
            fixed_pair.train_steps(trainer, pairs, k - done)
        done = k
        disc, crit = trainers["minimax"].discriminator, trainers[critic].discriminator
        norms = generator_gradient_norms(generator, disc, crit, noise)
        record["k"].append(k)
        record["d_fake"].append(float(ops.mean(ops.sigmoid(disc(generator(noise))))))
        for name, value in norms.items():
            record[name].append(value)
    result = {"theta": float(theta), "critic": critic, "learning_rate": learning_rate, **record}
    for name in GENERATOR_LOSSES:
        result[f"{name}_drop"] = max(record[name]) / max(record[name][-1], 1e-300)
    os.makedirs(out_dir, exist_ok=True)
    _plot(result, os.path.join(out_dir, "vanishing_gradients.png"))
    with open(os.path.join(out_dir, "vanishing_gradients.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def _plot(result, path):
    plt = plotting.pyplot()
    k = np.maximum(np.array(result["k"], dtype=float), 0.5)  # k = 0 drawn at 0.5 on the log axis
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    styles = {"minimax": ("tab:red", r"minimax $\log(1 - D(G(z)))$"),
              "non_saturating": ("tab:orange", r"$-\log D(G(z))$"),
              "wasserstein": ("tab:blue", f"WGAN critic ({result['critic']}) $-f(G(z))$")}
    for name, (color, label) in styles.items():
        ax.loglog(k, np.maximum(result[name], 1e-30), "o-", color=color, label=label, markersize=3)
    ax.set(xlabel="discriminator / critic training steps k (k = 0 at 0.5)",
           ylabel="generator gradient norm",
           title=rf"Frozen generator at $\theta$ = {result['theta']:g} (parallel lines)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
