"""The behavioural tests' statistics over many seeds, backends and CPU kernels: their margins.

    python tests/scripts/seed_margins.py                        # seeds 0-9, every case and config
    python tests/scripts/seed_margins.py --cases wgan_gp --seeds 0-4 --configs tf,jax
    python tests/scripts/seed_margins.py --ablations --seeds 0-2   # behaviour removed: must fail
    python tests/scripts/seed_margins.py --json runs.json; ... --from-json runs.json  # reprint

A seeded training run follows one trajectory on one machine; another CPU (AVX-512 or AVX2, oneDNN
kernels) or the other backend follows another, so a seed is not a margin. This script runs each
behavioural test's own statistics function (the one its test asserts on) for every seed in four
configurations, each in a fresh process: TensorFlow; JAX; TensorFlow with
``TF_ENABLE_ONEDNN_OPTS=0`` (other kernels, other rounding); TensorFlow with oneDNN limited to
AVX2 (``ONEDNN_MAX_CPU_ISA=AVX2``, what a CPU without AVX-512 computes). It prints one table per
case (configuration x seed -> statistic), the measured range and the test's bound below it, and
every run outside a bound. ``--ablations`` reruns each case with the behaviour taken away (no
penalty, a frozen player, no training...): each such run must break at least one bound, or the
test could not fail.
"""

import argparse
import importlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the driver imports the tests for their bounds

#: configuration -> environment it runs under
CONFIGS = {
    "tf": {"KERAS_BACKEND": "tensorflow"},
    "jax": {"KERAS_BACKEND": "jax"},
    "tf-nodnn": {"KERAS_BACKEND": "tensorflow", "TF_ENABLE_ONEDNN_OPTS": "0"},
    # oneDNN's kernels (TF's float32 MatMul among them) limited to AVX2, as on a CPU without
    # AVX-512: on an AVX-512 machine this changes the MLP runs, which oneDNN off does not.
    "tf-avx2": {"KERAS_BACKEND": "tensorflow", "ONEDNN_MAX_CPU_ISA": "AVX2"},
}

#: case -> (test module, statistics function, bounds table, {ablation name: keyword arguments})
CASES = {
    "wgan_gp": ("tests.test_training_behaviour", "wgan_gp_ring8_statistics", "WGAN_GP_BOUNDS",
                {"lambda=0": {"penalty_weight": 0.0},
                 "frozen generator": {"generator_learning_rate": 0.0}}),
    "mixing_weight": ("tests.test_penalty_and_clip", "mixing_weight_statistics",
                      "MIXING_WEIGHT_BOUNDS", {"normal draw": {"draw_normal": True}}),
    "parallel_lines": ("tests.test_experiments_parallel_lines", "parallel_lines_statistics",
                       "PARALLEL_LINES_BOUNDS", {"untrained": {"steps": 0}}),
    "vanishing_gradients": ("tests.test_experiments_vanishing_gradients",
                            "vanishing_gradients_statistics", "VANISHING_GRADIENTS_BOUNDS",
                            {"learning rate 0": {"learning_rate": 0.0}}),
    "spectral_bias": ("tests.test_experiments_spectral_bias", "spectral_bias_statistics",
                      "SPECTRAL_BIAS_BOUNDS", {"low frequencies": {"fourier_scale": 0.01}}),
    "critic_tracks_quality": ("tests.test_experiments_critic_tracks_quality", "toy_statistics",
                              "TOY_BOUNDS", {"frozen generator": {"learning_rate": 0.0}}),
    "critic_tracks_quality_mnist": ("tests.test_experiments_critic_tracks_quality",
                                    "mnist_statistics", "MNIST_BOUNDS",
                                    {"critic untrained": {"critic_learning_rate": 0.0,
                                                          "warmup_steps": 0}}),
    "mnist_classifier": ("tests.test_evaluation_mnist", "one_epoch_classifier_statistics",
                         "ONE_EPOCH_BOUNDS", {"learning rate 0": {"learning_rate": 0.0}}),
    "conditional": ("tests.test_conditional", "conditional_ring8_statistics",
                    "CONDITIONAL_BOUNDS", {"labels independent of points":
                                           {"shuffle_labels": True}}),
}

#: variables a configuration sets; a value left in the caller's environment would leak into all
KERNEL_SWITCHES = {name for env in CONFIGS.values() for name in env}

MARKER = "SEED_MARGINS "


def parse_seeds(text):
    """``"0-9"`` or ``"0,3,5"`` (or a mix) -> list of ints."""
    seeds = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def case_parts(name):
    module_name, function_name, bounds_name, ablations = CASES[name]
    module = importlib.import_module(module_name)
    return getattr(module, function_name), getattr(module, bounds_name), ablations


def work(cases, seeds, ablations):
    """In this process's backend: one line per run, ``MARKER`` + JSON, on stdout."""
    sys.path.insert(0, str(ROOT))
    for name in cases:
        statistics, _, case_ablations = case_parts(name)
        variants = case_ablations.items() if ablations else [("", {})]
        for variant, kwargs in variants:
            for seed in seeds:
                start = time.perf_counter()
                try:
                    stats = {k: float(v) for k, v in statistics(seed, **kwargs).items()}
                    error = None
                except (Exception, SystemExit) as exc:  # noqa: BLE001  (recorded; runs go on)
                    stats, error = {}, f"{type(exc).__name__}: {exc}"[:300]
                print(MARKER + json.dumps({
                    "case": name, "variant": variant, "seed": seed, "stats": stats,
                    "error": error, "seconds": round(time.perf_counter() - start, 1)}), flush=True)


def run_config(config, args):
    """Run the worker under ``config``'s environment; its rows, with progress on stderr."""
    env = {k: v for k, v in os.environ.items() if k not in KERNEL_SWITCHES}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0", **CONFIGS[config])
    command = [sys.executable, __file__, "--worker", "--cases", ",".join(args.cases),
               "--seeds", args.seeds] + (["--ablations"] if args.ablations else [])
    rows = []
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
        for line in process.stdout:
            if line.startswith(MARKER):
                row = dict(json.loads(line[len(MARKER):]), config=config)
                rows.append(row)
                print(f"[{config}] {row['case']} {row['variant']} seed {row['seed']}: "
                      f"{row['seconds']:.0f} s{' ERROR' if row['error'] else ''}",
                      file=sys.stderr, flush=True)
        if process.wait() != 0:
            errors.seek(0)
            print(f"[{config}] worker exited with {process.returncode}:\n"
                  f"{errors.read()[-2000:]}", file=sys.stderr)
    return rows


def fmt(value):
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.2e}"


def print_case(name, rows, bounds, variant=""):
    from tests.margins import failed_bounds

    names = list(bounds) + sorted({k for r in rows for k in r["stats"]} - set(bounds))
    title = f"{name}" + (f" [{variant}]" if variant else "")
    print(f"\n== {title}")
    header = ["config", "seed"] + names + (["broken bounds"] if variant else ["s"])
    lines = [header]
    for row in rows:
        if row["error"]:
            lines.append([row["config"], str(row["seed"]), "ERROR " + row["error"]])
            continue
        cells = [fmt(row["stats"][k]) if k in row["stats"] else "-" for k in names]
        tail = (str(len(failed_bounds(row["stats"], bounds))) if variant
                else f"{row['seconds']:.0f}")
        lines.append([row["config"], str(row["seed"])] + cells + [tail])
    good = [r for r in rows if not r["error"]]
    if good and not variant:
        for label, pick in (("min", min), ("max", max)):
            lines.append([label, ""] + [fmt(pick(r["stats"][k] for r in good)) for k in names]
                         + [""])
        lines.append(["bound", ""] + [" ".join(map(str, bounds[k])) if k in bounds else ""
                                      for k in names] + [""])
    widths = [max(len(line[i]) for line in lines if i < len(line)) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))
    if variant:
        holding = [r for r in good if not failed_bounds(r["stats"], bounds)]
        print(f"runs that still pass every bound: {len(holding)} of {len(good)}"
              + (" (the test could not fail!)" if holding else ""))
    else:
        failing = [(r["config"], r["seed"], failed_bounds(r["stats"], bounds)) for r in good]
        failing = [f for f in failing if f[2]] + [(r["config"], r["seed"], [r["error"]])
                                                  for r in rows if r["error"]]
        print(f"runs outside a bound: {len(failing)} of {len(rows)}")
        for config, seed, what in failing:
            print(f"  {config} seed {seed}: {'; '.join(what)}")
    return rows


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments: one line naming the problem (no usage block), exit status 2."""

    def error(self, message):
        print(f"seed_margins.py: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def main(argv=None):
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, from: {', '.join(CASES)}")
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,2,5")
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"comma-separated, from: {', '.join(CONFIGS)}")
    parser.add_argument("--ablations", action="store_true",
                        help="run each case with its behaviour removed instead")
    parser.add_argument("--json", help="also write every run to this JSON file")
    parser.add_argument("--from-json", nargs="+", metavar="FILE",
                        help="print the tables of earlier --json files instead of running")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.cases = [c for c in args.cases.split(",") if c]
    configs = [c for c in args.configs.split(",") if c]
    unknown = [c for c in args.cases if c not in CASES] + [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown case or config {', '.join(unknown)}; cases: {', '.join(CASES)}; "
                     f"configs: {', '.join(CONFIGS)}")
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError:
        seeds = []
    if not seeds:
        parser.error(f"--seeds takes ranges and lists such as 0-9 or 0,2,5; got '{args.seeds}'")
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        parser.error(f"--json {args.json}: its folder does not exist; create it or pass another path")
    if args.worker:
        return work(args.cases, seeds, args.ablations)
    sys.path.insert(0, str(ROOT))
    rows = []
    for path in args.from_json or []:
        try:
            with open(path) as f:
                rows += [r for r in json.load(f) if r["case"] in args.cases
                         and r["config"] in configs and r["seed"] in seeds
                         and bool(r["variant"]) == args.ablations]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            parser.error(f"--from-json {path}: not a file this script wrote with --json "
                         f"({type(exc).__name__}: {exc})")
    for config in [] if args.from_json else configs:
        rows += run_config(config, args)
    if args.json:  # whole or not at all: a run takes long, an old file stays until it is done
        with open(args.json + ".partial", "w") as f:
            json.dump(rows, f, indent=1)
        os.replace(args.json + ".partial", args.json)
    for name in args.cases:
        bounds = case_parts(name)[1]
        variants = list(CASES[name][3]) if args.ablations else [""]
        if not any(r["case"] == name for r in rows):
            continue
        for variant in variants:
            print_case(name, [r for r in rows if r["case"] == name and r["variant"] == variant],
                       bounds, variant)
    return rows


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("seed_margins: interrupted; no table printed and no --json file written",
              file=sys.stderr)
        sys.exit(130)
