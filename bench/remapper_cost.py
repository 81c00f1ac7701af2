"""What Grappler's abandoned remapper pass costs a WGAN-GP step, on one row of
`bench/train_step.py`.

    KERAS_BACKEND=tensorflow python bench/remapper_cost.py --row dcgan28-w32
    python bench/remapper_cost.py --row dcgan28-w64 --impl textbook --rounds 5

On TensorFlow 2.21 the remapper abandons the trace of the first WGAN-GP step with a LeakyReLU
critic traced in a process ("remapper failed: ... fanout ... LeakyReluGrad exist for missing
node ... BiasAdd"), whichever implementation it is; that step then runs without the fused
convolution kernels. This script builds ``--models`` identical models of one implementation
(same networks, same weights), traces each once without retracing, and times them in
interleaved rounds: the models whose trace was abandoned against those traced normally. Run
each row in its own process (the first trace of a process is the one that fails).
"""

import argparse
import os
import statistics

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import train_step as bench  # noqa: E402


def measure(row_name, impl, models, rounds, steps):
    """``[(remapper failed, [median s/step of each round])]``, one entry per model."""
    row = bench.ROWS[row_name]
    data = bench.dataset(row)
    built = [bench.build(row, impl, False) for _ in range(models)]
    failed = []
    for model in built:
        _, abandoned, _ = bench.warm_up(model, None, data, retraces=0)
        failed.append(abandoned)
    timings = [[] for _ in built]
    for _ in range(rounds):
        for times, model in zip(timings, built):
            wall, _, _ = bench.timed_fit(model, data, steps)
            times.append(statistics.median(wall))
    return list(zip(failed, timings))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--row", choices=sorted(bench.ROWS), default="dcgan28-w32")
    parser.add_argument("--impl", choices=sorted(bench.IMPLS), default="keras_wgan")
    parser.add_argument("--models", type=int, default=2, help="identical models, traced in turn")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    parser.add_argument("--steps", type=int, default=4, help="generator steps per round")
    args = parser.parse_args(argv)
    results = measure(args.row, args.impl, args.models, args.rounds, args.steps)
    normal = [statistics.median(t) for failed, t in results if not failed]
    print(f"\n{args.row}, {args.impl}, graph mode: {args.rounds} interleaved rounds of "
          f"{args.steps} generator steps; s/step: median [range of the rounds' medians]")
    print(f"{'model':<7}{'remapper':<11}{'s/step':>26}{'vs normal':>11}")
    for index, (failed, times) in enumerate(results):
        med = statistics.median(times)
        ratio = f"{statistics.median(normal) / med:.2f}x" if normal else "-"
        print(f"{index:<7}{'abandoned' if failed else 'ran':<11}"
              f"{f'{med:.4f} [{min(times):.4f}-{max(times):.4f}]':>26}{ratio:>11}")
    return results


if __name__ == "__main__":
    main()
