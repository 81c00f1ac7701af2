"""Input-pipeline throughput against what the WGAN-GP train step consumes, in one run.

Pipelines (`keras_wgan.data.image_dataset`, batches of 5 x 64 = 320 as fed to WGAN-GP):
  - MNIST from IDX files: the folder `keras_wgan.data.mnist.find_mnist` finds (``--mnist``,
    ``$KERAS_WGAN_MNIST``, ../shared/data/mnist), else synthetic IDX files in a temp dir;
  - a folder of synthetic 64x64 JPEGs (2,000 by default): decoded every pass (cache=False,
    the rate for folders too big for memory, e.g. CelebA on a small machine) and cached.
Training: `keras_wgan.WGANGP` with the default DCGAN generator and critic (latent 128, width 64),
5 critic steps of 64 real images each, fed an in-memory batch so only the step is timed.
The ratio column is pipeline images/s over training images/s; the target is >= 10x.
Pipelines are timed alone, with every core; in training they share cores with the step.

    KERAS_BACKEND=tensorflow .venv/bin/python bench/input_pipeline.py [--images 2000 --train-steps 2]

On 2 CPU cores it takes about 4 minutes, most of it the 64x64 train steps (~1 min each).
"""

import argparse
import gzip
import os
import struct
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402

import keras_wgan as kw  # noqa: E402
from keras_wgan.data.mnist import find_mnist  # noqa: E402

CRITIC_STEPS, PER_STEP, LATENT = 5, 64, 128
BATCH = CRITIC_STEPS * PER_STEP


def pipeline_rate(ds, seconds, warmup=3):
    """Images/s over at least ``seconds`` of iteration, after ``warmup`` batches."""
    it = iter(ds)
    for _ in range(warmup):
        next(it)
    images, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        images += int(next(it).shape[0])
    return images / elapsed


def mnist_source(tmp, path=None):
    """A folder of MNIST IDX files and its row name: the one `find_mnist` finds, else 10,000
    synthetic images written to ``tmp`` (the pipeline's rate depends on sizes, not pixels)."""
    folder = find_mnist(path)
    if folder is not None:
        return str(folder), "MNIST IDX (real, test split)"
    images = np.random.default_rng(0).integers(0, 256, (10_000, 28, 28), dtype=np.uint8)
    path = os.path.join(tmp, "t10k-images-idx3-ubyte.gz")
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 3]) + struct.pack(">iii", *images.shape) + images.tobytes())
    return tmp, "MNIST IDX (synthetic, 10k)"


def write_jpegs(directory, n):
    """n 64x64 RGB JPEGs with smooth random content (compressible like photos, not pure noise)."""
    rng = np.random.default_rng(0)
    for i in range(n):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((64, 64), Image.BILINEAR)
        sub = os.path.join(directory, f"{i // 500:03d}")  # nested, like sharded image folders
        os.makedirs(sub, exist_ok=True)
        image.save(os.path.join(sub, f"{i:06d}.jpg"), quality=90)


def train_rate(image_shape, steps):
    """Real images/s consumed by WGANGP.fit at batch 5 x 64 (compile excluded)."""
    gan = kw.WGANGP(
        generator=kw.architectures.dcgan_generator(LATENT, image_shape),
        discriminator=kw.architectures.dcgan_critic(image_shape),
        latent_dim=LATENT,
        critic_steps=CRITIC_STEPS,
    )
    gan.compile()
    batch = tf.random.uniform((BATCH, *image_shape), -1.0, 1.0)
    ds = tf.data.Dataset.from_tensors(batch).repeat()
    gan.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # build + trace/compile
    start = time.perf_counter()
    gan.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * BATCH / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000, help="synthetic JPEGs in the folder")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per pipeline")
    parser.add_argument("--train-steps", type=int, default=2, help="timed train steps per model")
    parser.add_argument("--mnist", default=None,
                        help="folder of MNIST IDX files (default: $KERAS_WGAN_MNIST, then "
                        "../shared/data/mnist; 'none': synthetic IDX files)")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        mnist_dir, mnist_name = mnist_source(tmp, args.mnist)
        mnist = kw.data.image_dataset(mnist_dir, BATCH, split="test", seed=0, repeat=True)
        rows.append((mnist_name, pipeline_rate(mnist, args.seconds), (28, 28, 1)))

        folder = os.path.join(tmp, "jpegs")
        write_jpegs(folder, args.images)
        start = time.perf_counter()
        kw.data.image_dataset(folder, BATCH, seed=0, cache=False)
        setup = time.perf_counter() - start
        for cache, label in ((False, "decoded every pass"), (True, "cached")):
            ds = kw.data.image_dataset(folder, BATCH, seed=0, cache=cache, repeat=True)
            # Cached: warm up over one full pass, which fills the cache, then time cache reads.
            warmup = args.images // BATCH + 2 if cache else 3
            rate = pipeline_rate(ds, args.seconds, warmup)
            rows.append((f"folder {args.images} JPEG 64x64, {label}", rate, (64, 64, 3)))

    consumed = {shape: train_rate(shape, args.train_steps) for shape in {r[2] for r in rows}}
    print(f"\n{os.cpu_count()} CPU cores, {tf.config.list_physical_devices('GPU') or 'no GPU'}; "
          f"batch {CRITIC_STEPS} critic steps x {PER_STEP} = {BATCH}; folder setup "
          f"(list + verify headers) {setup:.2f} s for {args.images} files\n")
    header = f"| {'pipeline':<44} | {'pipeline img/s':>14} | {'WGAN-GP step':>12} | {'step img/s':>10} | {'ratio':>7} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, rate, shape in rows:
        step = consumed[shape]
        size = "x".join(map(str, shape))
        print(f"| {name:<44} | {rate:>14,.0f} | {size:>12} | {step:>10,.0f} | {rate / step:>6.0f}x |")


if __name__ == "__main__":
    main()
