"""Train a 64x64 DCGAN-style WGAN-GP (or GAN, NSGAN, WGAN) on CelebA faces.

    python examples/celeba.py --epochs 10                           # tfds:celeb_a (downloads)
    python examples/celeba.py --images ~/data/img_align_celeba      # the aligned JPEG folder

Faces are center-cropped (108 px, the usual crop) and resized to 64x64 (see
`keras_wgan.data.image_dataset`). Outputs as in examples/mnist.py.
"""

import argparse

from keras_wgan import training


def run(model="wgan_gp", images=None, out="runs/celeba", epochs=10, steps_per_epoch=None,
        batch_size=64, width=64, latent_dim=128, seed=0, **options):
    """Train on CelebA 64x64x3 from ``images`` (a folder) or TFDS; return ``(gan, history)``."""
    return training.run(model=model, data=images or "tfds:celeb_a", out=out, epochs=epochs,
                        steps_per_epoch=steps_per_epoch, batch_size=batch_size, image_size=64,
                        channels=3, width=width, latent_dim=latent_dim, seed=seed, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    training.add_run_arguments(parser, out="runs/celeba", epochs=10)
    parser.add_argument("--images", default=None,
                        help="folder of face images (img_align_celeba); default tfds:celeb_a")
    args = parser.parse_args(argv)
    _, history = run(**vars(args))
    return history


if __name__ == "__main__":
    main()
