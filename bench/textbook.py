"""The textbook WGAN-GP baseline, written the way a Keras user writes it by hand.

A `keras.Model` whose `train_step` is a Python loop of ``critic_steps`` critic updates, each
with nested `tf.GradientTape`s (the inner one for the gradient penalty's input gradients) on
its own slice of the incoming batch, then one generator update: Gulrajani et al., "Improved
Training of Wasserstein GANs", NeurIPS 2017, https://arxiv.org/abs/1704.00028, Algorithm 1,
in the shape of the keras.io WGAN-GP example, with its one bug fixed (the mixing weight is
drawn **uniformly** in [0, 1] per example, not from a normal distribution).

It takes the generator and the critic it is handed, so a benchmark can give it the very
networks `kw.WGANGP` trains and compare the two steps and nothing else. It is TensorFlow
only (tapes), returns the last update's losses (no epoch means) and keeps no seed state:
what a user writes, not what keras_wgan promises.
"""

import keras
import tensorflow as tf


class TextbookWGANGP(keras.Model):
    """WGAN-GP as a hand-written `train_step`: 5 critic updates, then 1 generator update.

    Args:
        generator: maps ``(B, latent_dim)`` noise to samples.
        critic: maps samples to ``(B, 1)`` scores.
        latent_dim: noise dimension.
        critic_steps: critic updates per generator update; the batch is split into this many
            slices, one per critic update (the generator update uses the slice size).
        penalty_weight: the gradient penalty's lambda (paper: 10).
    """

    def __init__(self, generator, critic, latent_dim, critic_steps=5, penalty_weight=10.0):
        super().__init__()
        self.generator, self.critic = generator, critic
        self.latent_dim, self.critic_steps = latent_dim, critic_steps
        self.penalty_weight = penalty_weight

    def compile(self, g_optimizer, d_optimizer, jit_compile=False, steps_per_execution=1):
        super().compile(jit_compile=jit_compile, steps_per_execution=steps_per_execution)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    def gradient_penalty(self, real, fake):
        """``E[(||grad f(x_hat)|| - 1)^2]``, ``x_hat = real + a (fake - real)``, ``a ~ U[0, 1]``."""
        batch = tf.shape(real)[0]
        rank = len(real.shape)
        alpha = tf.random.uniform([batch] + [1] * (rank - 1))
        mixed = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            scores = self.critic(mixed, training=True)
        grads = tape.gradient(scores, mixed)
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, rank))))
        return tf.reduce_mean(tf.square(norms - 1.0))

    def train_step(self, data):
        if isinstance(data, (tuple, list)):
            data = data[0]
        batch = tf.shape(data)[0] // self.critic_steps
        for i in range(self.critic_steps):
            real = data[i * batch : (i + 1) * batch]
            noise = tf.random.normal((batch, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator(noise, training=True)
                real_scores = self.critic(real, training=True)
                fake_scores = self.critic(fake, training=True)
                d_loss = tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)
                d_loss += self.penalty_weight * self.gradient_penalty(real, fake)
            d_grads = tape.gradient(d_loss, self.critic.trainable_variables)
            self.d_optimizer.apply_gradients(zip(d_grads, self.critic.trainable_variables))
        noise = tf.random.normal((batch, self.latent_dim))
        with tf.GradientTape() as tape:
            fake = self.generator(noise, training=True)
            g_loss = -tf.reduce_mean(self.critic(fake, training=True))
        g_grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}
