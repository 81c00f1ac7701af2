"""WGAN-GP train-step throughput on each Keras backend against a hand-written PyTorch reference.

The same `kw.WGANGP` model code, the same architectures and batch, on TensorFlow (graph, XLA),
JAX and PyTorch (eager, and ``jit_compile=True``: networks compiled, penalty eager); beside them
`bench/torch_reference.py`, the same WGAN-GP written by hand in PyTorch, eager and with
`torch.compile` where it works. Each variant runs in its own process
(Keras picks its backend at import); the rounds are interleaved (TF graph, TF XLA, JAX, torch,
reference eager, reference compiled, TF graph, ...) so the machine's noise hits every variant
alike. Each worker compiles with one warm-up `fit` (the reference: two untimed steps), then
times ``--steps`` generator steps. Prints critic images/s (real examples consumed by critic
updates per second; for ``control``, images fitted per second), medians and ranges over
``--repeats`` rounds, achieved GFLOP/s (the DCGAN step's FLOPs counted once by
`torch.utils.flop_counter` on the reference, whose layers are the model's), and the ratio to
TensorFlow graph mode and to the fastest PyTorch reference. Rows whose framework is not
installed are left out (a GPU machine with JAX and PyTorch but no TensorFlow).

Data: TensorFlow is fed a `tf.data` pipeline (NumPy arrays through Keras's TF adapter can stall
on TensorFlow's autotuning thread, see `keras_wgan.backend.datasets`); JAX and torch NumPy
arrays (Keras converts each batch).

Workloads:
- ``dcgan28``: 28x28x1 DCGAN generator (batch norm) and normalization-free critic, width 64,
  latent 128, batch 64 per critic step, 5 critic steps (the WGAN-GP MNIST shape).
- ``dcgan64``: 64x64x3, width 32, batch 32 per critic step, 5 critic steps (width 64 takes
  tens of seconds a step on 2 CPU cores).
- ``dcgan64-w64``: 64x64x3 at the papers' width 64, batch 64 per critic step: the GPU size.
- ``mlp2d``: the toy MLPs (3 x 128 ReLU, latent 2), batch 256 per critic step, 5 critic steps
  (the grid25 preset's shape). No reference rows (the reference is the DCGAN).
- ``control``: no keras_wgan code at all: plain Keras ``fit`` of the 28x28 DCGAN generator on a
  mean-squared error, batch 64 (images/s): how fast each backend runs these convolutions by
  itself.

    .venv/bin/python bench/backends.py [--steps 10 --repeats 3 --workloads dcgan28 dcgan64]
    .venv/bin/python bench/backends.py --torch-threads 1   # torch's OpenMP pool on a busy CPU
    python bench/backends.py --device cuda --peak-tflops 67 --workloads dcgan64-w64 \
        --variants "JAX (jit)" "torch (eager)" "PyTorch ref eager" "PyTorch ref compile"
"""

import argparse
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent

# (label, how it runs, jit): every row of a workload, in the order of each round.
VARIANTS = [
    ("TF graph", "tensorflow", False),
    ("TF XLA", "tensorflow", True),
    ("JAX (jit)", "jax", True),
    ("torch (eager)", "torch", False),
    ("torch (compile)", "torch", True),
    ("PyTorch ref eager", "reference", False),
    ("PyTorch ref compile", "reference", True),
]
WORKLOADS = {
    "dcgan28": {"side": 28, "channels": 1, "width": 64, "per_step": 64, "critic_steps": 5},
    "dcgan64": {"side": 64, "channels": 3, "width": 32, "per_step": 32, "critic_steps": 5},
    "dcgan64-w64": {"side": 64, "channels": 3, "width": 64, "per_step": 64, "critic_steps": 5},
    "mlp2d": {"per_step": 256, "critic_steps": 5},
    "control": {"side": 28, "channels": 1, "width": 64, "per_step": 64, "critic_steps": 1},
}
REFERENCE_WORKLOADS = ("dcgan28", "dcgan64", "dcgan64-w64")


def worker(workload, jit, steps):
    """Runs inside the backend's process: prints one JSON line with images/s."""
    import keras
    import numpy as np

    import keras_wgan as kw

    keras.utils.set_random_seed(0)
    spec = WORKLOADS[workload]
    if workload == "control":
        return control(jit, steps)
    if workload == "mlp2d":
        generator = kw.architectures.mlp_generator(2, 2, width=128, depth=3)
        critic = kw.architectures.mlp_critic(2, width=128, depth=3)
        shape = (2,)
    else:
        shape = (spec["side"], spec["side"], spec["channels"])
        generator = kw.architectures.dcgan_generator(128, shape, width=spec["width"])
        critic = kw.architectures.dcgan_critic(shape, width=spec["width"], norm=None)
    model = kw.WGANGP(generator=generator, critic=critic, critic_steps=spec["critic_steps"],
                      seed=0)
    model.compile(jit_compile=jit)
    batch = spec["per_step"] * spec["critic_steps"]
    data = np.random.default_rng(0).uniform(-1, 1, (batch * steps,) + shape)
    data = data.astype("float32")
    model.fit(batches(data[: batch * 2], batch), batch_size=batch, epochs=1,
              verbose=0)  # compile
    start = time.perf_counter()
    model.fit(batches(data, batch), batch_size=batch, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_s": batch * steps / seconds, "backend": keras.backend.backend(),
                      "jit": bool(model.jit_compile)}))


def batches(array, batch):
    """A `tf.data` pipeline of the array on TensorFlow, the array itself elsewhere."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return array
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(array).batch(batch, drop_remainder=True).prefetch(2)


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


def reference_command(workload, steps, *extra):
    spec = WORKLOADS[workload]
    return [sys.executable, str(HERE / "torch_reference.py"), "--side", str(spec["side"]),
            "--channels", str(spec["channels"]), "--width", str(spec["width"]),
            "--batch", str(spec["per_step"]), "--steps", str(steps), *extra]


def run_json(command, env, what):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{result.stderr[-2000:]}")
    return json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])


def flops_per_image(workload, torch_threads, device):
    """Counted FLOPs of one critic image's share of a step (torch.utils.flop_counter on the
    reference, whose layers are the model's)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(torch_threads or os.cpu_count()))
    command = reference_command(workload, 1, "--count-flops", "--device", device)
    report = run_json(command, env, "FLOP count")
    spec = WORKLOADS[workload]
    return report["flops_per_step"] / (spec["per_step"] * spec["critic_steps"])


def run_variant(label, runner, jit, workload, steps, torch_threads, device):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if torch_threads:
        env["OMP_NUM_THREADS"] = str(torch_threads)
    if runner == "reference":
        command = reference_command(workload, steps, "--device", device,
                                    *(["--compile"] if jit else []))
    else:
        env["KERAS_BACKEND"] = runner
        command = [sys.executable, __file__, "--worker", workload, str(int(jit)), str(steps)]
    report = run_json(command, env, f"{label} {workload}")
    if runner != "reference":
        assert report["backend"] == runner and report["jit"] == jit, report
    return report["images_per_s"]


def installed(runner):
    return importlib.util.find_spec("torch" if runner == "reference" else runner) is not None


def variants_of(workload, only):
    rows = [v for v in VARIANTS if v[1] != "reference" or workload in REFERENCE_WORKLOADS]
    return [v for v in rows if (not only or v[0] in only) and installed(v[1])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed generator steps")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--variants", nargs="+", choices=[v[0] for v in VARIANTS],
                        help="only these rows (default: all)")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="OMP_NUM_THREADS for the torch rows' processes (0: torch's default)")
    parser.add_argument("--device", default="cpu",
                        help="the reference's device (Keras puts each backend on its GPU itself)")
    parser.add_argument("--peak-tflops", type=float, default=0,
                        help="the device's peak for the model FLOP utilisation column")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        workload, jit, steps = args.worker
        worker(workload, bool(int(jit)), int(steps))
        return

    threads = args.torch_threads or "default"
    print(f"{os.cpu_count()} CPU cores; torch threads: {threads}; {args.steps} timed generator "
          f"steps x {args.repeats} interleaved rounds per variant\n")
    rows = []
    for workload in args.workloads:
        variants = variants_of(workload, args.variants)
        per_image = (flops_per_image(workload, args.torch_threads, args.device)
                     if workload in REFERENCE_WORKLOADS and installed("reference") else None)
        samples = {v: [] for v in variants}
        for _ in range(args.repeats):
            for variant in variants:
                samples[variant].append(run_variant(*variant, workload, args.steps,
                                                    args.torch_threads, args.device))
        medians = {v: statistics.median(s) for v, s in samples.items()}
        base = next((m for v, m in medians.items() if v[0] == "TF graph"), None)
        reference = max((m for v, m in medians.items() if v[1] == "reference"), default=None)
        for variant, median in medians.items():
            spread = f"{min(samples[variant]):.0f}-{max(samples[variant]):.0f}"
            flops = median * per_image if per_image else None
            gflops = f"{flops / 1e9:.1f}" if flops else "-"
            mfu = f"{100 * flops / (args.peak_tflops * 1e12):.1f}%" if (
                flops and args.peak_tflops) else "-"
            rows.append((workload, variant[0], median, spread, gflops, mfu,
                         _ratio(median, base), _ratio(median, reference)))
    print(f"{'workload':<11} {'variant':<20} {'img/s':>10} {'range':>12} {'GFLOP/s':>8} "
          f"{'MFU':>6} {'vs TF graph':>12} {'vs best ref':>12}")
    for workload, name, median, spread, gflops, mfu, vs_tf, vs_ref in rows:
        print(f"{workload:<11} {name:<20} {median:>10.1f} {spread:>12} {gflops:>8} {mfu:>6} "
              f"{vs_tf:>12} {vs_ref:>12}")


def _ratio(value, base):
    return f"{value / base:.2f}x" if base else "-"


if __name__ == "__main__":
    main()
