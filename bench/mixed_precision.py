"""Train-step speed under Keras mixed precision: the same models in float32 and mixed_bfloat16.

A recipe's ``training.dtype_policy`` (`keras_wgan.presets.recipe`) trains its networks under a
Keras dtype policy; this prints what that buys on the machine at hand. Rows: the objectives'
28x28 DCGAN as the MNIST recipes build them (`keras_wgan.presets.train.networks`: latent 128,
batch 64 per critic step; nsgan with batch norm in both players, wgan_gp with an unnormalised
critic and 5 critic steps) at widths 32 and 64. Each row's models, one per policy, are built
from the same seed and traced first, then timed in interleaved rounds (round 1: every policy,
round 2: every policy, ...) with a per-batch clock, so the machine's noise hits all alike.
``speed`` is float32 seconds / policy seconds per generator step (> 1: faster).

bfloat16 pays only where the CPU computes in it (oneDNN uses AVX512_BF16 or AMX-BF16, listed in
the header from /proc/cpuinfo); elsewhere it is emulated and can be slower than float32.

    .venv/bin/python bench/mixed_precision.py                  # 4 rows, 3 rounds of 20 steps
    .venv/bin/python bench/mixed_precision.py --rows nsgan-w64 --rounds 5
"""

import argparse
import os
import statistics
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import timed_fit  # noqa: E402

from keras_wgan import precision  # noqa: E402
from keras_wgan.presets import train  # noqa: E402

BATCH, LATENT = 64, 128
ROWS = {f"{variant}-w{width}": (variant, width) for variant in ("nsgan", "wgan_gp")
        for width in (32, 64)}
POLICIES = ("float32", "mixed_bfloat16")


def recipe(variant, width, policy):
    """The parts of an MNIST recipe that `train.make_model` and `train.real_stream` read."""
    return {
        "name": f"bench/{variant}-w{width}",
        "model": {"variant": variant},
        "data": {"source": "mnist"},
        "architecture": {"name": "dcgan", "latent_dim": LATENT, "width": width,
                         "generator_norm": "batch",
                         "critic_norm": "batch" if variant == "nsgan" else None},
        "optimizer": {"name": "adam", "learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.9},
        "training": {"steps": 1000, "batch_size": BATCH, "seed": 0, "dtype_policy": policy},
    }


def cpu_bfloat16_flags():
    flags = precision.cpu_feature_flags()
    if flags is None:
        return "unknown (no /proc/cpuinfo)"
    found = sorted(flags & precision.BFLOAT16_CPU_FLAGS)
    return ", ".join(found) if found else "none (bfloat16 is emulated)"


def measure(row, policies, rounds, steps):
    """``{policy: [[wall s per generator step] per round]}`` over interleaved rounds."""
    variant, width = ROWS[row]
    models, streams = {}, {}
    for policy in policies:
        spec = recipe(variant, width, policy)
        models[policy] = train.build_model(spec)
        images = np.random.default_rng(0).uniform(-1, 1, (2000, 28, 28, 1)).astype("float32")
        streams[policy] = train.real_stream(spec, images, models[policy].critic_steps)
    for policy in policies:  # trace and compile outside the timings
        models[policy].fit(streams[policy], steps_per_epoch=3, epochs=1, verbose=0)
    times = {policy: [] for policy in policies}
    for _ in range(rounds):
        for policy in policies:
            times[policy].append(timed_fit(models[policy], streams[policy], steps)[0])
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--policies", nargs="+", default=list(POLICIES),
                        choices=["float32", "mixed_bfloat16", "mixed_float16"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    if args.policies[0] != "float32":
        args.policies.insert(0, "float32")
    print(f"Generator steps under each Keras dtype policy, backend {keras.backend.backend()}, "
          f"{os.cpu_count()} CPUs, bfloat16 instructions: {cpu_bfloat16_flags()}; "
          f"{args.rounds} interleaved rounds x {args.steps} steps; median s/step (range of the "
          "rounds' medians); speed = float32 s / policy s")
    header = ["row"] + [f"{p} s/step" for p in args.policies] + [f"{p} speed" for p in args.policies[1:]]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in args.rows:
        times = measure(row, args.policies, args.rounds, args.steps)
        pooled = {p: statistics.median(t for r in times[p] for t in r) for p in args.policies}
        cells = []
        for p in args.policies:
            medians = [statistics.median(r) for r in times[p]]
            cells.append(f"{pooled[p]:.3f} ({min(medians):.3f}-{max(medians):.3f})")
        for p in args.policies[1:]:
            ratios = [statistics.median(a) / statistics.median(b)
                      for a, b in zip(times["float32"], times[p])]
            cells.append(f"{pooled['float32'] / pooled[p]:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
        print(f"| {row} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
