"""The critic tracks quality: a WGAN-GP's Wasserstein estimate against the exact W1 of its
samples to real data, epoch by epoch, with their correlation.

    python examples/critic_tracks_quality.py --dataset ring8 --epochs 20 --steps-per-epoch 100 --out runs/critic_tracks_quality
"""

import argparse

from keras_wgan.experiments import critic_tracks_quality


def run(dataset="ring8", epochs=20, steps_per_epoch=100, width=128, out="runs/critic_tracks_quality",
        seed=0):
    """Return `keras_wgan.experiments.critic_tracks_quality.run`'s dict; figure in ``out``."""
    return critic_tracks_quality.run(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                     width=width, out_dir=out, seed=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ring8", choices=["ring8", "grid25", "swiss_roll"])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps-per-epoch", type=int, default=100, help="generator steps per epoch")
    parser.add_argument("--width", type=int, default=128, help="MLP width (3 hidden layers)")
    parser.add_argument("--out", default="runs/critic_tracks_quality")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.dataset, args.epochs, args.steps_per_epoch, args.width, args.out, args.seed)
    print(f"{'step':>6} {'estimate':>9} {'W1':>7}")
    for row in result["epochs"]:
        print(f"{row['step']:6d} {row['estimate']:9.4f} {row['w1']:7.4f}")
    print(f"noise floor {result['noise_floor']:.4f}; estimate vs W1: "
          f"Pearson {result['pearson']:.3f}, Spearman {result['spearman']:.3f}")
    return result


if __name__ == "__main__":
    main()
