"""`make demo`: watch WGAN-GP learn where the original GAN struggles, in minutes.

1. The toy comparison: GAN (minimax) and WGAN-GP on the 8-Gaussian ring, samples over
   training with the critic's contours, one PNG, plus each model's loss curves.
2. A short WGAN-GP run on MNIST: a sample grid per epoch and the curves of the losses and of
   the Wasserstein estimate. MNIST comes from `keras_wgan.data.mnist.load_mnist`: ``--mnist
   DIR`` of IDX files, ``$KERAS_WGAN_MNIST``, the repository's ``../shared/data/mnist``, else
   the official 11 MB download (cached in ``~/.keras/datasets``). With none of these (no files,
   no network), the demo draws digits from the bundled pretrained WGAN-GP generator
   (``wgan_gp/mnist``) instead and says how to get the training part.
3. The zoo: 64 samples of every bundled MNIST preset side by side (``zoo.png``, a conditional
   one a digit per row), each titled with its recorded classifier-FID and Inception Score.

    python -m keras_wgan.demo --out out/demo
    KERAS_WGAN_MNIST=none python -m keras_wgan.demo   # ignore local files: download, or fall back
"""

import argparse
import json
import os
import sys
import time

from keras_wgan import atomic
from keras_wgan.app import startup_logs

PROG = "python -m keras_wgan.demo"
PRETRAINED = "wgan_gp/mnist"
HOW_TO_GET_MNIST = "set KERAS_WGAN_MNIST=<folder of MNIST IDX files> or run with internet"


def run_toy(out, steps, width):
    from keras_wgan.experiments import toy2d

    # Both players' paper learning rates, except that each discriminator / critic learns 10x
    # faster than its generator, so a few CPU minutes show where each model is heading.
    return toy2d.compare(("gan", "wgan_gp"), "ring8", steps=steps, snapshots=4,
                         out_dir=out, width=width, batch_size=256, critic_lr_multiplier=10.0)


def run_mnist(images, out, epochs, steps_per_epoch):
    """Train a small WGAN-GP on ``images`` (float32 (N, 28, 28, 1) in [-1, 1]); per-epoch curves."""
    import keras
    import tensorflow as tf

    import keras_wgan as kw
    from keras_wgan import training

    batch = 64 * 5
    data = (tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=0)
            .repeat().batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    keras.utils.set_random_seed(0)
    gan = kw.WGANGP(
        generator=kw.architectures.dcgan_generator(64, (28, 28, 1), width=32),
        critic=kw.architectures.dcgan_critic((28, 28, 1), width=32),
        latent_dim=64, seed=0,
    )
    gan.compile()
    callbacks = [
        kw.callbacks.SampleGrid(os.path.join(out, "mnist_samples"), n=64, seed=0),
        kw.callbacks.HistoryPlot(os.path.join(out, "mnist_curves.png"), "WGAN-GP on MNIST"),
    ]
    with training.without_grappler_remapping():  # its "remapper failed" line; same losses
        history = gan.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch,
                          callbacks=callbacks, verbose=2)
    gan.save(os.path.join(out, "mnist_wgan_gp.keras"))
    return {k: [round(float(x), 4) for x in v] for k, v in history.history.items()}


def draw_pretrained(out, n=64, seed=0):
    """Write ``n`` digits of the bundled pretrained generator to ``<out>/mnist_pretrained.png``."""
    import keras_wgan as kw
    from keras_wgan.plotting import save_image_grid

    generator = kw.hub.load(PRETRAINED)
    path = os.path.join(out, "mnist_pretrained.png")
    save_image_grid(generator.generate(n, seed=seed), path)
    return path, generator.metadata


def draw_zoo(out, n=64, seed=0):
    """Write ``n`` samples of each bundled MNIST preset, side by side, to ``<out>/zoo.png``.

    Returns ``(path, handles drawn)``.
    """
    import keras_wgan as kw
    from keras_wgan import plotting

    handles = [name for name, entry in kw.hub.list_presets().items()
               if (entry.get("metadata") or {}).get("output_shape") == [28, 28, 1]]
    plt = plotting.pyplot()
    fig, axes = plt.subplots(1, len(handles), figsize=(2.6 * len(handles), 3.0), squeeze=False)
    for ax, handle in zip(axes[0], handles):
        generator = kw.hub.load(handle)
        samples, _, columns = plotting.model_samples(generator, n, seed)
        ax.imshow(plotting.image_grid(samples, columns)[..., 0], cmap="gray")
        metrics = generator.metadata.get("metrics", {})
        ax.set_title(f"{handle}\nFID {metrics.get('classifier_fid', float('nan')):.2f}, "
                     f"IS {metrics.get('inception_score', float('nan')):.2f}", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    path = os.path.join(out, "zoo.png")
    plotting.save_figure(fig, path, dpi=100)
    return path, handles


def _mnist_or_reason(path):
    """``(images, where from, None)``, or ``(None, None, why not)`` when MNIST is neither local
    nor downloadable."""
    from keras_wgan.data.mnist import MnistNotFoundError, find_mnist, load_mnist

    folder = find_mnist(path)  # a bad --mnist or $KERAS_WGAN_MNIST raises here, before any training
    try:
        images = load_mnist(path)
    except MnistNotFoundError as e:
        if folder is not None:  # the folder is there but unusable: bad input, not "no MNIST"
            raise
        return None, None, str(e)
    return images, folder or "the mnist.npz download (cached)", None


class _Parser(argparse.ArgumentParser):
    """Errors in one line, like every other bad input (``--help`` shows the usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
        return value

    return parse


def main(argv=None):
    """Run the demo; returns the exit status (2 with one line on stderr for bad input)."""
    parser = _Parser(prog=PROG, description="Train WGAN-GP and GAN on a toy ring, then WGAN-GP on MNIST.")
    parser.add_argument("--out", default="out/demo", help="folder for the figures (created)")
    parser.add_argument("--toy-steps", type=_int_at_least(0), default=1200,
                        help="generator steps per toy model (0 skips the toy part)")
    parser.add_argument("--toy-width", type=_int_at_least(1), default=128, help="MLP width of the toy models")
    parser.add_argument("--mnist", default=None,
                        help="folder of MNIST IDX files ('none': ignore local files); "
                             "default $KERAS_WGAN_MNIST, ../shared/data/mnist, then the download")
    parser.add_argument("--mnist-epochs", type=_int_at_least(1), default=6)
    parser.add_argument("--mnist-steps", type=_int_at_least(1), default=40, help="generator steps per epoch")
    args = parser.parse_args(argv)
    startup_logs.quiet_startup(tensorflow=True)

    try:
        start = time.time()
        images, source, missing = _mnist_or_reason(args.mnist)
        atomic.check_writable(args.out)  # "[Errno 17] File exists: ..." before
    except (OSError, ValueError) as e:  # bad --mnist or $KERAS_WGAN_MNIST, a corrupt IDX file
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    if images is not None:
        print(f"MNIST: {len(images)} images from {source} ({time.time() - start:.0f} s)")
    else:  # said now, not after the toy part's minutes
        print(f"MNIST training will be skipped. {missing}")

    if args.toy_steps:
        start = time.time()
        toy = run_toy(args.out, args.toy_steps, args.toy_width)
        print(json.dumps(toy, indent=2))
        print(f"toy comparison: {args.out}/toy_ring8.png ({time.time() - start:.0f} s)")

    start = time.time()
    path, handles = draw_zoo(args.out)
    print(f"the zoo, 64 samples of each bundled MNIST preset ({', '.join(handles)}): {path} "
          f"({time.time() - start:.0f} s)")

    start = time.time()
    if images is not None:
        curves = run_mnist(images, args.out, args.mnist_epochs, args.mnist_steps)
        print("MNIST WGAN-GP, per epoch:", json.dumps(curves))
        print(f"MNIST samples: {args.out}/mnist_samples/, curves: {args.out}/mnist_curves.png "
              f"({time.time() - start:.0f} s)")
        return 0
    path, metadata = draw_pretrained(args.out)
    fid = metadata.get("metrics", {}).get("classifier_fid")
    print(f"No MNIST to train on: drew 64 digits from the bundled pretrained WGAN-GP generator "
          f"instead ({PRETRAINED}{f', classifier-FID {fid}' if fid is not None else ''}): {path} "
          f"({time.time() - start:.0f} s)")
    print(f"To run the MNIST training part: {HOW_TO_GET_MNIST}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
