"""The critic tracks quality: a WGAN-GP's Wasserstein estimate against the quality of its
samples, epoch by epoch, with their correlation (WGAN paper, Figs. 3-4).

On a 2-D toy mixture quality is the exact W1 of the samples to real data; on MNIST it is the
classifier-FID (bundled MNIST classifier) of the samples:

    python examples/critic_tracks_quality.py --dataset ring8 --epochs 12 --steps-per-epoch 100
    python examples/critic_tracks_quality.py --dataset mnist --mnist-dir ../shared/data/mnist
    # (without --mnist-dir: $KERAS_WGAN_MNIST, ../shared/data/mnist, else the download)
    # the critic at the generator's rate, short warm-up: it lags, the correlation breaks
    python examples/critic_tracks_quality.py --dataset mnist --critic-lr 2e-4 --warmup-steps 20
"""

import argparse

from keras_wgan.data.mnist import MnistNotFoundError
from keras_wgan.data.mnist import load_mnist as load_mnist_images
from keras_wgan.experiments import critic_tracks_quality


def run(dataset="ring8", epochs=None, steps_per_epoch=None, width=None,
        out="runs/critic_tracks_quality", seed=0, mnist_dir=None,
        n_images=None, eval_size=None, critic_learning_rate=None, warmup_steps=None):
    """Return `critic_tracks_quality.run` (toy) or `.run_mnist`'s dict; figure in ``out``.

    ``None`` arguments take the experiment's defaults (they differ between toy and MNIST)."""
    given = {k: v for k, v in {"epochs": epochs, "steps_per_epoch": steps_per_epoch,
                               "width": width, "eval_size": eval_size,
                               "critic_learning_rate": critic_learning_rate,
                               "warmup_steps": warmup_steps}.items() if v is not None}
    if dataset != "mnist":
        return critic_tracks_quality.run(dataset, out_dir=out, seed=seed, **given)
    return critic_tracks_quality.run_mnist(load_mnist(mnist_dir, n_images), out_dir=out,
                                           seed=seed, **given)


def load_mnist(mnist_dir=None, n_images=None):
    """MNIST in [-1, 1] as `keras_wgan.data.mnist.load_mnist` finds it (the first ``n_images``);
    no MNIST anywhere ends the script with that function's one-line explanation."""
    try:
        return load_mnist_images(mnist_dir)[:n_images]
    except MnistNotFoundError as error:
        raise SystemExit(f"error: {error}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ring8",
                        choices=["ring8", "grid25", "swiss_roll", "mnist"])
    parser.add_argument("--epochs", type=int, help="evaluations (default: 20 toy, 12 MNIST)")
    parser.add_argument("--steps-per-epoch", type=int,
                        help="generator steps per epoch (default: 100 toy, 50 MNIST)")
    parser.add_argument("--width", type=int,
                        help="MLP width (toy, default 128) or DCGAN base width (MNIST, 32)")
    parser.add_argument("--eval-size", type=int, help="samples per evaluation (500 toy, 1000 MNIST)")
    parser.add_argument("--critic-lr", type=float,
                        help="the critic's Adam rate (default 1e-3; the generator's: toy 1e-4, "
                             "MNIST 2e-4)")
    parser.add_argument("--warmup-steps", type=int,
                        help="model steps training the critic alone first (40 toy, 100 MNIST)")
    parser.add_argument("--mnist-dir", default=None,
                        help="folder of MNIST IDX files (default: $KERAS_WGAN_MNIST, "
                             "../shared/data/mnist, else the download)")
    parser.add_argument("--n-images", type=int, help="train on the first N MNIST images only")
    parser.add_argument("--out", default="runs/critic_tracks_quality")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.dataset, args.epochs, args.steps_per_epoch, args.width, args.out, args.seed,
                 args.mnist_dir, args.n_images, args.eval_size, args.critic_lr, args.warmup_steps)
    metric = result["quality_metric"]
    name = {"w1": "W1", "classifier_fid": "FID"}[metric]
    print(f"{'step':>6} {'estimate':>9} {name:>8}")
    for row in result["epochs"]:
        print(f"{row['step']:6d} {row['estimate']:9.4f} {row[metric]:8.4f}")
    floor = ("noise floor", result["noise_floor"]) if metric == "w1" else ("real-data FID", result["real_fid"])
    print(f"{floor[0]} {floor[1]:.4f}; estimate vs {name}: "
          f"Pearson {result['pearson']:.3f}, Spearman {result['spearman']:.3f}")
    return result


if __name__ == "__main__":
    main()
