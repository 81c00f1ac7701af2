"""Every registered model on 2-D mixtures: one figure per distribution of samples over training,
with the critic's / discriminator's contours.

    python examples/toy_2d.py --datasets ring8 grid25 swiss_roll --steps 2000 --out runs/toy
"""

import argparse

from keras_wgan.experiments import toy2d
from keras_wgan.models import variant_names


def run(datasets=("ring8", "grid25", "swiss_roll"), models=None,
        steps=2000, snapshots=4, width=512, out="runs/toy", seed=0):
    """Return ``{dataset: {model: final metrics}}``; figures go to ``out/toy_<dataset>.png``.

    ``models`` defaults to every registered variant (`keras_wgan.models.variant_names`).
    """
    models = tuple(models or variant_names())
    return {
        name: toy2d.compare(models, name, steps=steps, snapshots=snapshots, out_dir=out,
                            width=width, seed=seed)
        for name in datasets
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25", "swiss_roll"])
    parser.add_argument("--models", nargs="+", choices=variant_names(), default=None,
                        help="default: every registered model")
    parser.add_argument("--steps", type=int, default=2000, help="generator steps per model")
    parser.add_argument("--snapshots", type=int, default=4)
    parser.add_argument("--width", type=int, default=512, help="MLP width (3 hidden layers)")
    parser.add_argument("--out", default="runs/toy")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return run(args.datasets, args.models, args.steps, args.snapshots, args.width, args.out, args.seed)


if __name__ == "__main__":
    main()
