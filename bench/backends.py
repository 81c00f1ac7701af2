"""WGAN-GP train-step throughput on each Keras backend: TensorFlow (graph, XLA) and JAX.

The same `kw.WGANGP` model code, the same architectures and batch, on every backend. Each
variant runs in its own process (Keras picks its backend at import); the rounds are
interleaved (TF graph, TF XLA, JAX, TF graph, ...) so the machine's noise hits every
variant alike. Each worker compiles with one warm-up `fit`, then times a second `fit` of
``--steps`` generator steps. Prints critic images/s (real examples consumed by critic
updates per second; for ``control``, images fitted per second), medians over ``--repeats`` rounds, and ratios to TensorFlow graph mode.

Workloads:
- ``dcgan28``: 28x28 DCGAN generator and layer-free critic (width 64, latent 128), batch 64
  per critic step, 5 critic steps (as bench/train_step.py).
- ``mlp2d``: the toy MLPs (3 x 128 ReLU, latent 2), batch 256 per critic step, 5 critic
  steps (the grid25 preset's shape).
- ``control``: no keras_wgan code at all: plain Keras ``fit`` of the same DCGAN generator
  on a mean-squared error, batch 64 (images/s). It shows how fast each backend runs these
  convolutions by itself, so the GAN rows can be read against it.

    .venv/bin/python bench/backends.py [--steps 20 --repeats 3 --workloads dcgan28 mlp2d]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VARIANTS = [("tensorflow", False), ("tensorflow", True), ("jax", True)]
WORKLOADS = {
    "dcgan28": {"per_step": 64, "critic_steps": 5},
    "mlp2d": {"per_step": 256, "critic_steps": 5},
    "control": {"per_step": 64, "critic_steps": 1},
}


def label(backend, jit):
    return {("tensorflow", False): "TF graph", ("tensorflow", True): "TF XLA",
            ("jax", True): "JAX (jit)"}[(backend, jit)]


def worker(workload, jit, steps):
    """Runs inside the backend's process: prints one JSON line with images/s."""
    import keras
    import numpy as np

    import keras_wgan as kw

    keras.utils.set_random_seed(0)
    spec = WORKLOADS[workload]
    if workload == "control":
        return control(jit, steps)
    if workload == "dcgan28":
        generator = kw.architectures.dcgan_generator(128, (28, 28, 1), width=64)
        critic = kw.architectures.dcgan_critic((28, 28, 1), width=64, norm=None)
        shape = (28, 28, 1)
    else:
        generator = kw.architectures.mlp_generator(2, 2, width=128, depth=3)
        critic = kw.architectures.mlp_critic(2, width=128, depth=3)
        shape = (2,)
    model = kw.WGANGP(generator=generator, critic=critic, critic_steps=spec["critic_steps"],
                      seed=0)
    model.compile(jit_compile=jit)
    batch = spec["per_step"] * spec["critic_steps"]
    data = np.random.default_rng(0).uniform(-1, 1, (batch * steps,) + shape)
    data = data.astype("float32")
    model.fit(data[: batch * 2], batch_size=batch, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(data, batch_size=batch, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_s": batch * steps / seconds, "backend": keras.backend.backend(),
                      "jit": bool(model.jit_compile)}))


def control(jit, steps):
    """Plain Keras: the DCGAN generator fitted to zeros with MSE (no GAN, no keras_wgan step)."""
    import keras
    import numpy as np

    import keras_wgan as kw

    generator = kw.architectures.dcgan_generator(128, (28, 28, 1), width=64)
    generator.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse", jit_compile=jit)
    batch = WORKLOADS["control"]["per_step"]
    noise = np.random.default_rng(0).normal(size=(batch * steps * 5, 128)).astype("float32")
    targets = np.zeros((len(noise), 28, 28, 1), "float32")
    generator.fit(noise[: batch * 2], targets[: batch * 2], batch_size=batch, verbose=0)
    start = time.perf_counter()
    generator.fit(noise, targets, batch_size=batch, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_s": len(noise) / seconds, "backend": keras.backend.backend(),
                      "jit": bool(generator.jit_compile)}))


def run_variant(backend, jit, workload, steps):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, __file__, "--worker", workload, str(int(jit)), str(steps)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{label(backend, jit)} {workload} failed:\n{result.stderr[-2000:]}")
    line = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    report = json.loads(line)
    assert report["backend"] == backend and report["jit"] == jit, report
    return report["images_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed generator steps")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        workload, jit, steps = args.worker
        worker(workload, bool(int(jit)), int(steps))
        return

    print(f"{os.cpu_count()} CPU cores; {args.steps} timed generator steps x "
          f"{args.repeats} interleaved rounds per variant\n")
    rows = []
    for workload in args.workloads:
        samples = {variant: [] for variant in VARIANTS}
        for _ in range(args.repeats):
            for variant in VARIANTS:
                samples[variant].append(run_variant(*variant, workload, args.steps))
        base = statistics.median(samples[VARIANTS[0]])
        for variant in VARIANTS:
            median = statistics.median(samples[variant])
            spread = f"{min(samples[variant]):.0f}-{max(samples[variant]):.0f}"
            rows.append((workload, label(*variant), median, spread, median / base))
    print(f"{'workload':<9} {'variant':<10} {'img/s':>13} {'range':>13} {'vs TF graph':>12}")
    for workload, name, median, spread, ratio in rows:
        print(f"{workload:<9} {name:<10} {median:>13.1f} {spread:>13} {ratio:>11.2f}x")


if __name__ == "__main__":
    main()
