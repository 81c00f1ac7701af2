"""WGAN-GP train-step throughput: keras_wgan against the textbook hand-written Keras model.

Both train the same 28x28 DCGAN generator and layer-free critic (width 64, latent 128) with
batch 64 per critic step and 5 critic steps per generator step, with jit_compile True and
False, interleaved in one process so the machine's noise hits every variant alike. Prints
critic images/s (real images consumed by critic updates per second) of whole `fit` calls
and the ratios; then, from a per-batch clock (a callback timing each `train_function` call),
the median seconds per generator step and the time each `fit` lost around its steps (its
wall time minus the sum of its step times: data iterator start and shutdown, callbacks).
Whole-`fit` rates mix both; the per-step medians are the step speed.

    KERAS_BACKEND=tensorflow .venv/bin/python bench/train_step.py [--steps 6 --repeats 3]
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan as kw  # noqa: E402

LATENT, BATCH, CRITIC_STEPS, WIDTH, PENALTY = 128, 64, 5, 64, 10.0


class TextbookWGANGP(keras.Model):
    """The common hand-written pattern: a Python loop of nested GradientTapes in train_step."""

    def __init__(self, generator, critic):
        super().__init__()
        self.generator, self.critic = generator, critic

    def compile(self, g_optimizer, d_optimizer, jit_compile):
        super().compile(jit_compile=jit_compile)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    def train_step(self, real_images):
        batch = tf.shape(real_images)[0] // CRITIC_STEPS
        for i in range(CRITIC_STEPS):
            real = real_images[i * batch : (i + 1) * batch]
            noise = tf.random.normal((batch, LATENT))
            with tf.GradientTape() as tape:
                fake = self.generator(noise, training=True)
                real_scores = self.critic(real, training=True)
                fake_scores = self.critic(fake, training=True)
                alpha = tf.random.uniform((batch, 1, 1, 1))
                mixed = real + alpha * (fake - real)
                with tf.GradientTape() as gp_tape:
                    gp_tape.watch(mixed)
                    mixed_scores = self.critic(mixed, training=True)
                grads = gp_tape.gradient(mixed_scores, mixed)
                norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
                penalty = tf.reduce_mean(tf.square(norms - 1.0))
                d_loss = tf.reduce_mean(fake_scores) - tf.reduce_mean(real_scores)
                d_loss += PENALTY * penalty
            d_grads = tape.gradient(d_loss, self.critic.trainable_variables)
            self.d_optimizer.apply_gradients(zip(d_grads, self.critic.trainable_variables))
        noise = tf.random.normal((batch, LATENT))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.critic(self.generator(noise, training=True), training=True))
        g_grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


def adam():
    return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)


def build(kind, jit):
    generator = kw.architectures.dcgan_generator(LATENT, (28, 28, 1), width=WIDTH)
    critic = kw.architectures.dcgan_critic((28, 28, 1), width=WIDTH)
    if kind == "keras_wgan":
        model = kw.WGANGP(generator=generator, critic=critic, latent_dim=LATENT, seed=0)
        model.compile(jit_compile=jit)
    else:
        model = TextbookWGANGP(generator, critic)
        model.compile(adam(), adam(), jit_compile=jit)
    return model


class StepClock(keras.callbacks.Callback):
    """Per-batch clock: each step from Keras starting it to its logs coming back."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(time.perf_counter() - self._start)


def timed_fit(model, data, steps):
    """``(critic images/s of the whole fit, [seconds of each step], seconds lost around them)``."""
    clock = StepClock()
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[clock])
    wall = time.perf_counter() - start
    return steps * BATCH * CRITIC_STEPS / wall, clock.steps, wall - sum(clock.steps)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="timed generator steps per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved timing rounds")
    args = parser.parse_args(argv)

    images = np.random.default_rng(0).uniform(-1, 1, (BATCH * CRITIC_STEPS, 28, 28, 1))
    data = tf.data.Dataset.from_tensors(images.astype("float32")).repeat()
    variants = [(kind, jit) for jit in (False, True) for kind in ("keras_wgan", "textbook")]
    models = {v: build(*v) for v in variants}
    for model in models.values():  # trace and compile outside the timings
        model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    rates = {v: [] for v in variants}
    steps = {v: [] for v in variants}  # one list of step times per round
    lost = {v: [] for v in variants}
    for _ in range(args.repeats):
        for v in variants:
            rate, step_times, lost_time = timed_fit(models[v], data, args.steps)
            rates[v].append(rate)
            steps[v].append(step_times)
            lost[v].append(lost_time)
    median = {v: statistics.median(r) for v, r in rates.items()}

    print(f"WGAN-GP 28x28 DCGAN (width {WIDTH}), batch {BATCH} x {CRITIC_STEPS} critic steps, "
          f"{args.repeats} x {args.steps} steps, devices: "
          f"{[d.device_type for d in tf.config.list_physical_devices()]}")
    print(f"{'mode':<12}{'keras_wgan img/s':>18}{'textbook img/s':>16}{'ratio':>8}")
    for jit in (False, True):
        ours, theirs = median[("keras_wgan", jit)], median[("textbook", jit)]
        mode = "XLA" if jit else "graph"
        print(f"{mode:<12}{ours:>18.1f}{theirs:>16.1f}{ours / theirs:>7.2f}x")
    graph, xla = median[("keras_wgan", False)], median[("keras_wgan", True)]
    auto = kw.backend.resolve_jit_compile("auto")
    print(f"keras_wgan XLA / graph: {xla / graph:.2f}x; jit_compile='auto' picks "
          f"{'XLA' if auto else 'graph'} here ({'faster' if (xla > graph) == auto else 'SLOWER'}).")
    print_step_table(steps, lost, auto)


def print_step_table(steps, lost, auto):
    """Median seconds per generator step (all rounds' steps pooled; the range is over the
    rounds' own medians) and the seconds each fit lost around its steps (median, max)."""
    step_median = {v: statistics.median(t for r in rounds for t in r) for v, rounds in steps.items()}
    print("per-batch clock: median s per generator step [range of round medians], "
          "s lost around the steps per fit [median, max]")
    print(f"{'mode':<7}{'keras_wgan s/step':>26}{'textbook s/step':>26}{'step ratio':>11}"
          f"{'keras_wgan lost':>17}{'textbook lost':>15}")
    for jit in (False, True):
        cells = []
        for kind in ("keras_wgan", "textbook"):
            rounds = [statistics.median(r) for r in steps[(kind, jit)]]
            cells.append(f"{step_median[(kind, jit)]:.3f} [{min(rounds):.3f}-{max(rounds):.3f}]")
        ratio = step_median[("textbook", jit)] / step_median[("keras_wgan", jit)]
        waste = [f"{statistics.median(lost[(k, jit)]):.2f}, {max(lost[(k, jit)]):.2f}"
                 for k in ("keras_wgan", "textbook")]
        print(f"{'XLA' if jit else 'graph':<7}{cells[0]:>26}{cells[1]:>26}{ratio:>10.2f}x"
              f"{waste[0]:>17}{waste[1]:>15}")
    graph, xla = step_median[("keras_wgan", False)], step_median[("keras_wgan", True)]
    print(f"keras_wgan step, XLA / graph speed: {graph / xla:.2f}x; jit_compile='auto' picks "
          f"{'XLA' if auto else 'graph'} here ({'faster' if (xla < graph) == auto else 'SLOWER'}).")


if __name__ == "__main__":
    main()
