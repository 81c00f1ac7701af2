"""The `keras-wgan` command line (also `python -m keras_wgan`).

    keras-wgan train --model wgan_gp --data tfds:mnist --epochs 20 --out runs/mnist
    keras-wgan train --model gan --data toy:ring8 --steps-per-epoch 200 --out runs/ring
    keras-wgan sample runs/mnist/checkpoint.keras --n 64 --out grid.png
    keras-wgan sample wgan_gp/mnist --n 64 --out grid.png
    keras-wgan export wgan_gp/mnist exported/
    keras-wgan eval wgan_gp/grid25 --data toy:grid25
"""

import argparse
import os
import sys

EPILOG = """\
data sources (--data):
  tfds:<name>        a TensorFlow Datasets image set, e.g. tfds:mnist, tfds:celeb_a
  PATH               a folder of images (jpg/png, nested or flat) or of MNIST IDX files
  toy:<name>         a built-in 2-D distribution: toy:ring8, toy:grid25, toy:swiss_roll

Batches: --batch-size is real examples per critic step; each training step reads
critic_steps x batch-size examples (WGAN/WGAN-GP: 5 x 64 by default), as in the papers.
"""


def _jit(value):
    return {"auto": "auto", "true": True, "on": True, "false": False, "off": False}[value.lower()]


def _add_train(sub):
    p = sub.add_parser(
        "train", help="train a GAN, NSGAN, WGAN or WGAN-GP on a data source",
        description="Train one of the four models; every epoch writes a sample grid, "
        "TensorBoard logs and a .keras checkpoint into --out.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default="wgan_gp", choices=["gan", "nsgan", "wgan", "wgan_gp"],
                   help="gan: minimax; nsgan: -log D; wgan: weight clipping; wgan_gp: gradient "
                   "penalty (default)")
    p.add_argument("--data", required=True, help="tfds:<name>, a folder, or toy:<name> (below)")
    p.add_argument("--out", default="runs/latest", help="output folder (default runs/latest)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="generator steps per epoch (required for toy data, which never ends)")
    p.add_argument("--batch-size", type=int, default=64, help="real examples per critic step (64)")
    p.add_argument("--image-size", type=int, default=None, help="resize/crop images to this side")
    p.add_argument("--channels", type=int, default=None, choices=[1, 3])
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--width", type=int, default=64, help="base width of the networks (64)")
    p.add_argument("--critic-steps", type=int, default=None,
                   help="critic steps per generator step (paper: 5 for WGANs, 1 for GANs)")
    p.add_argument("--gp-weight", type=float, default=None, help="WGAN-GP lambda (paper: 10)")
    p.add_argument("--clip-value", type=float, default=None, help="WGAN clip c (paper: 0.01)")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate of both optimizers (paper: 1e-4 WGAN-GP, 5e-5 WGAN, 2e-4 GAN)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit-compile", type=_jit, default="auto",
                   help="auto (XLA on GPU/TPU, graph on CPU), true or false")
    p.add_argument("--checkpoint-dir", default=None,
                   help="save the full training state here every epoch; rerunning the same "
                   "command resumes from the last complete epoch (e.g. after a crash)")
    p.add_argument("--data-dir", default=None, help="TFDS data_dir")
    p.add_argument("--no-download", action="store_true", help="TFDS: use only prepared data")


def _add_sample(sub):
    p = sub.add_parser("sample", help="write a grid of samples from a .keras file or a handle",
                       description="Load a model (.keras file, preset handle such as "
                       "wgan_gp/mnist, folder, archive or URL) and write an image grid.")
    p.add_argument("source", help="a .keras file or a hub handle")
    p.add_argument("--n", type=int, default=64, help="number of samples (64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="samples.png", help="PNG path (samples.png)")


def _add_export(sub):
    p = sub.add_parser("export", help="export a generator as a TensorFlow SavedModel",
                       description="Write a SavedModel whose serving_default signature maps "
                       "latent (None, latent_dim) float32 to images.")
    p.add_argument("source", help="a .keras file or a hub handle")
    p.add_argument("out", help="the SavedModel folder to create")


def _add_eval(sub):
    p = sub.add_parser("eval", help="measure a generator's samples against real data",
                       description="Toy data: modes covered, high-quality rate, exact W1 and "
                       "its noise floor. 28x28x1 images: classifier FID, KID and digit "
                       "coverage with the bundled MNIST classifier.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a .keras file or a hub handle")
    p.add_argument("--data", required=True, help="the real data to compare with")
    p.add_argument("--n", type=int, default=2000, help="samples to draw (2000)")
    p.add_argument("--seed", type=int, default=0)


def parser():
    p = argparse.ArgumentParser(
        prog="keras-wgan",
        description="Train, sample, export and evaluate GANs and WGANs built on Keras 3.",
        epilog="Run 'keras-wgan COMMAND --help' for each command's options.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(sub)
    _add_sample(sub)
    _add_export(sub)
    _add_eval(sub)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from keras_wgan import commands

    try:
        return getattr(commands, args.command)(args)
    except (ValueError, TypeError, FileNotFoundError, LookupError, OSError) as error:
        # Library errors are written to be read as one line: show it, not a stack trace.
        print(f"keras-wgan {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
