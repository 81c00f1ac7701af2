"""Mode collapse: GAN, NSGAN, WGAN and WGAN-GP on the 8-Gaussian ring and the 25-Gaussian grid
with identical architectures and budgets: modes covered, high-quality rate, W1 against its floor.

    python examples/mode_collapse.py --datasets ring8 grid25 --steps 2000 --out runs/mode_collapse
"""

import argparse

from keras_wgan.experiments import mode_collapse


def run(datasets=("ring8", "grid25"), models=mode_collapse.MODELS, steps=2000, snapshots=4,
        width=512, out="runs/mode_collapse", seed=0):
    """Return `keras_wgan.experiments.mode_collapse.run`'s dict; figure: ``out/mode_collapse.png``."""
    return mode_collapse.run(tuple(datasets), tuple(models), steps=steps, snapshots=snapshots,
                             width=width, seed=seed, out_dir=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    parser.add_argument("--models", nargs="+", default=list(mode_collapse.MODELS))
    parser.add_argument("--steps", type=int, default=2000, help="generator steps per model")
    parser.add_argument("--snapshots", type=int, default=4)
    parser.add_argument("--width", type=int, default=512, help="MLP width (3 hidden layers)")
    parser.add_argument("--out", default="runs/mode_collapse")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.datasets, args.models, args.steps, args.snapshots, args.width, args.out,
                 args.seed)
    print(f"{'dataset':8} {'model':8} {'modes':>7} {'HQ':>6} {'W1':>7} {'floor':>7}")
    for dataset in args.datasets:
        for name in args.models:
            last = result[dataset][name][-1]
            print(f"{dataset:8} {name:8} {last['modes']:3d}/{last['n_modes']:<3d} "
                  f"{last['hq_rate']:6.3f} {last['w1']:7.4f} {last['noise_floor']:7.4f}")
    return result


if __name__ == "__main__":
    main()
