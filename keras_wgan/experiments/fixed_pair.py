"""Training one discriminator or critic against two *fixed* distributions, and reading it out.

The seed experiments probe the players one at a time: the generator is frozen (or is a fixed
distribution altogether) and the discriminator is trained towards its optimum, so that what its
loss and its gradients say can be compared with the closed forms of the papers. `PairTrainer`
is that inner loop as a `keras.Model`: ``fit`` compiles its step like any Keras training step,
the losses are the library's own (`keras_wgan.losses`), the gradient penalty is the library's
`GradientPenalty`, weight clipping is the library's `WeightClip`, and the gradient code is
`keras_wgan.backend`'s, so nothing here touches a framework directly.

Read-outs, for a discriminator ``D = sigmoid(l)`` trained with the minimax loss
``L_D = -E log D(x) - E log(1 - D(y))`` (Goodfellow et al. 2014, Eq. 1; ``V = -L_D`` is the value
function): every ``D`` gives a lower bound ``JS(P, Q) >= log 2 - L_D / 2``, with equality at the
optimal ``D* = p / (p + q)`` (Goodfellow et al. 2014, Thm. 1: ``C(G) = -log 4 + 2 JS``).

For a critic ``f`` trained with the Wasserstein loss (Arjovsky et al. 2017, Eq. 3), the gap
``E f(x) - E f(y)`` is ``K * W1(P, Q)`` at the optimum over K-Lipschitz functions; dividing by the
critic's measured gradient norm on the segments between the two samples (where the optimal
critic has slope K) removes K. For a gradient-penalised critic (Gulrajani et al. 2017, Eq. 3)
``K`` is pulled to 1 but not exactly: on a pure translation by ``d`` the penalised optimum has
slope ``1 + d / (2 lambda)``, so the raw gap overestimates W1 by that factor and the rescaled one
does not.

References: Goodfellow et al., "Generative Adversarial Nets", 2014, https://arxiv.org/abs/1406.2661;
Arjovsky, Chintala & Bottou, "Wasserstein GAN", 2017, https://arxiv.org/abs/1701.07875;
Gulrajani et al., "Improved Training of Wasserstein GANs", 2017, https://arxiv.org/abs/1704.00028.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_wgan import architectures, data, losses
from keras_wgan.backend import Trainer, apply_gradients, resolve_jit_compile, value_and_gradients
from keras_wgan.constraints import WeightClip
from keras_wgan.layers import GradientPenalty

LOG2 = math.log(2.0)


def make_discriminator(kind="minimax", input_dim=2, width=64, depth=2, clip_value=0.01,
                       penalty_weight=10.0, seed=0):
    """A small MLP player and how to train it: ``(network, objective, penalty)``.

    Args:
        kind: ``"minimax"`` (a classifier with logits), ``"gp"`` (a critic with the WGAN-GP
            penalty of weight ``penalty_weight``) or ``"clip"`` (a critic whose every weight is
            clipped to ``[-clip_value, clip_value]``, WGAN Alg. 1).
    """
    if kind not in ("minimax", "gp", "clip"):
        raise ValueError(f"kind must be 'minimax', 'gp' or 'clip', got '{kind}'.")
    keras.utils.set_random_seed(seed)
    net = architectures.mlp_critic(input_dim, width, depth, name=f"{kind}_player")
    if kind == "minimax":
        return net, "minimax", None
    if kind == "clip":
        for variable in net.trainable_variables:
            variable.constraint = WeightClip(clip_value)
        return net, "wasserstein", None
    return net, "wasserstein", GradientPenalty(weight=penalty_weight, seed=seed)


class PairTrainer(Trainer, keras.Model):
    """Trains ``discriminator`` on ``(real, fake)`` batches with one objective's discriminator loss.

    ``fit`` takes a dataset of ``(real, fake)`` pairs of equal batch size; each batch is one
    update. Logged per epoch: ``loss`` (the objective alone, without the penalty), ``penalty``
    and ``gap`` (``E[out(real)] - E[out(fake)]``).
    """

    def __init__(self, discriminator, objective="minimax", penalty=None, **kwargs):
        super().__init__(**kwargs)
        self.discriminator = discriminator
        self.objective = losses.get_objective(objective)
        self.penalty = penalty
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "penalty", "gap")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, x, training=False):
        return self.discriminator(x, training=training)

    def _loss_and_stats(self, real, fake):
        real_out = self.discriminator(real, training=True)
        fake_out = self.discriminator(fake, training=True)
        loss = ops.mean(self.objective.discriminator_loss(real_out, fake_out))
        penalty = ops.zeros(())
        if self.penalty is not None:
            penalty = self.penalty(real, fake, critic=self.discriminator)
        return loss + penalty, {"loss": loss, "penalty": penalty,
                                "gap": ops.mean(real_out) - ops.mean(fake_out)}

    def _record(self, stats):
        for name, value in stats.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def adversarial_train_step(self, data):
        """One update (the backend's `Trainer` makes it Keras's ``train_step``)."""
        real, fake = data
        variables = self.discriminator.trainable_variables
        _, stats, grads = value_and_gradients(lambda: self._loss_and_stats(real, fake), variables)
        apply_gradients(self.optimizer, grads, variables)
        return self._record(stats)

    def adversarial_test_step(self, data):
        real, fake = data
        return self._record(self._loss_and_stats(real, fake)[1])


def toy_pair_dataset(name, batch_size, theta=0.0, seed=0, start=0):
    """``(real, fake)`` batches: ``name`` at ``theta = 0`` against ``name`` at ``theta`` (tf.data).

    Both are `keras_wgan.data.toy_dataset` streams (fresh, seeded batches; ``theta`` only moves
    ``parallel_lines``), so a fake stream is exactly what a frozen generator of that law yields.
    ``start=k`` continues the stream at its k-th batch.
    """
    import tensorflow as tf

    return tf.data.Dataset.zip((data.toy_dataset(name, batch_size, seed=seed, start=start),
                                data.toy_dataset(name, batch_size, seed=seed + 1, theta=theta,
                                                 start=start)))


def new_trainer(kind, input_dim=2, learning_rate=1e-3, width=64, depth=2, seed=0):
    """A compiled `PairTrainer` around a fresh `make_discriminator` player.

    Adam(``learning_rate``, beta_1=0.5, beta_2=0.9) for every kind: a fixed pair has no
    generator dynamics to protect, so the papers' slow rates would only waste steps.
    """
    net, objective, penalty = make_discriminator(kind, input_dim, width, depth, seed=seed)
    trainer = PairTrainer(net, objective, penalty)
    trainer.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
                    jit_compile=resolve_jit_compile("auto"))
    return trainer


def train_steps(trainer, pairs, steps):
    """Run ``steps`` updates of ``trainer`` on the ``(real, fake)`` dataset ``pairs``."""
    if steps > 0:
        trainer.fit(pairs, steps_per_epoch=int(steps), epochs=1, verbose=0, shuffle=False)
    return trainer


def train_pair(kind, pairs, steps, **kwargs):
    """`new_trainer` (``kwargs``) trained for ``steps`` updates on ``pairs``, an endless dataset of
    ``(real, fake)`` batches such as `toy_pair_dataset`."""
    input_dim = int(pairs.element_spec[0].shape[-1])
    return train_steps(new_trainer(kind, input_dim, **kwargs), pairs, steps)


def js_estimate(discriminator, real, fake):
    """``log 2 - L_D / 2`` on the given samples: a lower bound on JS, tight at ``D*``."""
    loss = ops.mean(losses.minimax_discriminator_loss(discriminator(real), discriminator(fake)))
    return LOG2 - 0.5 * float(loss)


def critic_gap(critic, real, fake):
    """``E f(real) - E f(fake)``: ``K * W1`` for an optimal K-Lipschitz critic (WGAN Eq. 3)."""
    return float(ops.mean(critic(real)) - ops.mean(critic(fake)))


def critic_slope(critic, real, fake, seed=0):
    """Mean ``||grad_x f||`` at uniform interpolates of ``real`` and ``fake``: the critic's K there."""
    norms = GradientPenalty(seed=seed).gradient_norms(ops.convert_to_tensor(real),
                                                      ops.convert_to_tensor(fake), critic)
    return float(ops.mean(norms))


def gradient_norm(loss_fn, variables):
    """Global L2 norm of ``d loss_fn() / d variables`` (all variables as one vector)."""
    _, _, grads = value_and_gradients(lambda: (loss_fn(), None), variables)
    return float(np.sqrt(sum(float(ops.sum(ops.square(g))) for g in grads if g is not None)))
