"""Soak: a long WGAN-GP run on the 25-Gaussian grid with a checkpoint every N steps.

Reports resident memory (RSS) and time per generator step over the run, and the growth
between the end of the first block (after tracing and the first checkpoint) and the end.
Targets: RSS flat within 10%, no drift in step time.

    KERAS_BACKEND=tensorflow .venv/bin/python bench/soak.py [--steps 5000 --every 250]
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import psutil  # noqa: E402

import keras_wgan as kw  # noqa: E402


class Probe(keras.callbacks.Callback):
    """RSS and wall time at the end of every block (epoch) of generator steps."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.process = psutil.Process()

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.start
        self.rows.append((epoch + 1, self.process.memory_info().rss / 2**20, seconds,
                          float(logs["wasserstein"])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000, help="generator steps in all")
    parser.add_argument("--every", type=int, default=250, help="steps between checkpoints")
    parser.add_argument("--width", type=int, default=128)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    gan = kw.WGANGP(generator=kw.architectures.mlp_generator(2, 2, args.width),
                    critic=kw.architectures.mlp_critic(2, args.width), latent_dim=2, seed=0)
    gan.compile()
    probe = Probe()
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = kw.resume.ResumableCheckpoint(folder)
        data = kw.data.toy_dataset("grid25", 5 * 256, seed=0)
        gan.fit(data, steps_per_epoch=args.every, epochs=args.steps // args.every, verbose=0,
                callbacks=[kw.resume.NonFiniteGuard(), checkpoint, probe])
        files = sorted(os.listdir(folder))

    print(f"WGAN-GP soak: {args.steps} generator steps (x5 critic steps), MLP width "
          f"{args.width}, batch 256, checkpoint every {args.every} steps; files kept: {files}")
    print(f"{'steps':>7}{'RSS MiB':>10}{'ms/step':>9}{'W estimate':>12}")
    for epoch, rss, seconds, w in probe.rows:
        print(f"{epoch * args.every:>7}{rss:>10.1f}{1000 * seconds / args.every:>9.2f}{w:>12.4f}")
    first, last = probe.rows[0], probe.rows[-1]
    middle = sorted(r[2] for r in probe.rows[1:])
    early = sorted(r[2] for r in probe.rows[1:4])[1]
    late = sorted(r[2] for r in probe.rows[-3:])[1]
    growth = (last[1] - first[1]) / first[1]
    print(f"RSS after block 1: {first[1]:.1f} MiB, at the end: {last[1]:.1f} MiB, growth "
          f"{100 * growth:+.1f}% ({'within' if abs(growth) <= 0.10 else 'OVER'} the 10% bound)")
    print(f"step time, median of blocks 2-4 vs the last 3: {1000 * early / args.every:.2f} -> "
          f"{1000 * late / args.every:.2f} ms/step ({late / early:.2f}x); median over the run "
          f"{1000 * middle[len(middle) // 2] / args.every:.2f} ms/step")


if __name__ == "__main__":
    main()
