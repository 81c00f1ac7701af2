"""`make demo`: watch WGAN-GP learn where the original GAN struggles, offline, in minutes.

1. The toy comparison: GAN (minimax) and WGAN-GP on the 8-Gaussian ring, samples over
   training with the critic's contours, one PNG, plus each model's loss curves.
2. When MNIST is at hand (``--mnist DIR`` of IDX files, ``$KERAS_WGAN_MNIST``, or the
   repository's ``../shared/data/mnist``), a short WGAN-GP run on it: a sample grid per
   epoch and the curves of the losses and of the Wasserstein estimate.

    python -m keras_wgan.demo --out out/demo
"""

import argparse
import json
import os
import pathlib
import time

DEFAULT_MNIST = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def find_mnist(path=None):
    """The first existing folder among ``path``, ``$KERAS_WGAN_MNIST`` and ``../shared/data/mnist``."""
    for candidate in (path, os.environ.get("KERAS_WGAN_MNIST"), DEFAULT_MNIST):
        if candidate and pathlib.Path(candidate).is_dir():
            if any("idx3-ubyte" in p.name for p in pathlib.Path(candidate).iterdir()):
                return pathlib.Path(candidate)
    return None


def run_toy(out, steps, width):
    from keras_wgan.experiments import toy2d

    # Both players' paper learning rates, except that each discriminator / critic learns 10x
    # faster than its generator, so a few CPU minutes show where each model is heading.
    return toy2d.compare(("gan", "wgan_gp"), "ring8", steps=steps, snapshots=4,
                         out_dir=out, width=width, batch_size=256, critic_lr_multiplier=10.0)


def run_mnist(mnist_dir, out, epochs, steps_per_epoch):
    import keras

    import keras_wgan as kw
    from keras_wgan.data.idx import find_idx_images, read_idx

    images = read_idx(find_idx_images(mnist_dir))[..., None].astype("float32") / 127.5 - 1.0
    import tensorflow as tf

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
    history = gan.fit(data, epochs=epochs, steps_per_epoch=steps_per_epoch,
                      callbacks=callbacks, verbose=2)
    gan.save(os.path.join(out, "mnist_wgan_gp.keras"))
    return {k: [round(float(x), 4) for x in v] for k, v in history.history.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train WGAN-GP and GAN on a toy ring, then WGAN-GP on MNIST.")
    parser.add_argument("--out", default="out/demo", help="folder for the figures (created)")
    parser.add_argument("--toy-steps", type=int, default=1200, help="generator steps per toy model")
    parser.add_argument("--toy-width", type=int, default=128, help="MLP width of the toy models")
    parser.add_argument("--mnist", default=None, help="folder of MNIST IDX files (optional)")
    parser.add_argument("--mnist-epochs", type=int, default=6)
    parser.add_argument("--mnist-steps", type=int, default=40, help="generator steps per epoch")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    start = time.time()
    toy = run_toy(args.out, args.toy_steps, args.toy_width)
    print(json.dumps(toy, indent=2))
    print(f"toy comparison: {args.out}/toy_ring8.png ({time.time() - start:.0f} s)")
    mnist_dir = find_mnist(args.mnist)
    if mnist_dir is None:
        print("MNIST IDX files not found (pass --mnist DIR or set KERAS_WGAN_MNIST): skipped.")
    else:
        start = time.time()
        curves = run_mnist(mnist_dir, args.out, args.mnist_epochs, args.mnist_steps)
        print("MNIST WGAN-GP, per epoch:", json.dumps(curves))
        print(f"MNIST samples: {args.out}/mnist_samples/, curves: {args.out}/mnist_curves.png "
              f"({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
