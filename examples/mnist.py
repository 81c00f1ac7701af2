"""Train GAN, -log D GAN, WGAN or WGAN-GP on MNIST with the 28x28 DCGAN builders.

    python examples/mnist.py --model wgan_gp --epochs 20            # tfds:mnist (downloads)
    python examples/mnist.py --data ../shared/data/mnist --steps-per-epoch 100

Every epoch writes samples/epoch_XXX.png (fixed noise), TensorBoard scalars and images, and
checkpoint.keras into --out; at the end curves.png shows the losses and, for the WGANs,
the Wasserstein estimate.
"""

import argparse

from keras_wgan import training


def run(model="wgan_gp", data="tfds:mnist", out="runs/mnist", epochs=20, steps_per_epoch=None,
        batch_size=64, width=64, latent_dim=128, seed=0, **options):
    """Train on MNIST (28x28x1); return ``(gan, history)``. ``options`` go to `training.run`."""
    return training.run(model=model, data=data, out=out, epochs=epochs,
                        steps_per_epoch=steps_per_epoch, batch_size=batch_size, image_size=28,
                        channels=1, width=width, latent_dim=latent_dim, seed=seed, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    training.add_run_arguments(parser, out="runs/mnist", epochs=20)
    parser.add_argument("--data", default="tfds:mnist",
                        help="tfds:mnist (default), a folder of MNIST IDX files, or of images")
    args = parser.parse_args(argv)
    _, history = run(**vars(args))
    return history


if __name__ == "__main__":
    main()
