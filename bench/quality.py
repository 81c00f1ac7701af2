"""The quality table: every registered model (`keras_wgan.models.VARIANTS`), paper defaults.

    KERAS_BACKEND=tensorflow python bench/quality.py --markdown out/quality.md --json out/quality.json
    python bench/quality.py --quick            # smoke run, a few minutes

The default run took 1,192 s (about 20 minutes) on a shared 2-core CPU with the four seed
models; the hinge variant adds a fifth row per dataset (not timed since).

Each variant trains from the same seed on grid25 and ring8 (MLP critic and generator of depth
3, width 256 by default, 2-D noise, 256 real points per critic step) and on MNIST (28x28
DCGAN of `keras_wgan.architectures`, width 32, latent 64, 64 images per critic step, on the
10,000 test images `keras_wgan.data.mnist.load_mnist` finds: ``--mnist-dir``,
``$KERAS_WGAN_MNIST``, the repository's ``../shared/data/mnist``, else the official download;
skipped with a message when there is none). Every
model keeps its paper's optimizers, critic steps, clip value or penalty (`compile()` with no
arguments); the budget is the same number of *generator* steps for all, so the 5-critic-step
variants make 5x more critic updates, as in their papers. One extra row trains the tuned toy recipe
(`keras_wgan.presets.build.TOY_RECIPE`: a Fourier-feature critic input, Adam 1e-3 decayed to
0, 12,000 generator steps) on grid25, the configuration whose targets are 25/25 modes, >= 90%
high-quality samples, W1 <= 2x the noise floor in under 10 minutes (`bench/toy_recipe.py`
takes the recipe apart).

Metrics: toy: modes covered and high-quality rate (`evaluation.toy_mode_stats` on 2,000
samples) and exact W1 to real samples with its noise floor (1,000 points, 3 repeats); MNIST:
classifier-FID of 5,000 samples against the 10,000 real images in the bundled classifier's
feature space, and digits covered (>= 2.5% of samples) by that classifier. Wall time is the
training time, then the total with evaluation. Times are from whatever machine runs it; on a
shared 2-core CPU they vary by 20-50% between runs.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from keras_wgan import data, models  # noqa: E402
from keras_wgan.data.mnist import MnistNotFoundError, load_mnist  # noqa: E402
from keras_wgan.presets import build  # noqa: E402

MODELS = tuple(models.VARIANTS)  # every registered variant, with its paper's defaults
TOY_DATASETS = ("grid25", "ring8")
COLUMNS = ("model", "dataset", "steps", "modes", "hq_rate", "w1", "w1_floor", "classifier_fid",
           "digits", "train_s", "wall_s")


def toy_row(name, dataset, steps, width, seed=0, recipe=None):
    """Train one toy model (paper defaults, or the tuned recipe) and measure it."""
    start = time.perf_counter()
    if recipe is not None:
        gan, train_s = build.train_toy(dict(recipe, dataset=dataset))
        label, steps = "wgan_gp (recipe)", recipe["steps"]
    else:
        from keras_wgan import architectures

        keras.utils.set_random_seed(seed)
        gan = models.get_model_class(name)(
            generator=architectures.mlp_generator(2, 2, width, 3),
            discriminator=architectures.mlp_critic(2, width, 3), latent_dim=2, seed=seed)
        gan.compile()
        stream = data.toy_dataset(dataset, 256 * gan.critic_steps, seed=seed)
        train_s, label = build.fit_steps(gan, stream, steps), name
    metrics = build.evaluate_toy(gan, dataset, **build.TOY_EVAL)
    return {"model": label, "dataset": dataset, "steps": steps,
            "modes": f"{metrics['modes_covered']}/{metrics['n_modes']}",
            "hq_rate": metrics["hq_rate"], "w1": metrics["w1"],
            "w1_floor": metrics["w1_noise_floor"], "train_s": round(train_s, 1),
            "wall_s": round(time.perf_counter() - start, 1)}


def mnist_row(name, steps, images, reference, classifier, n_samples):
    start = time.perf_counter()
    recipe = dict(build.MNIST_RECIPE, steps=steps)
    gan = build.mnist_gan(models.get_model_class(name), recipe)
    gan.compile()  # the paper's optimizers for this variant
    stream = build.mnist_stream(images, recipe["batch_size"] * gan.critic_steps, recipe["seed"])
    train_s = build.fit_steps(gan, stream, steps, chunk=250)
    metrics = build.evaluate_mnist(gan, reference, classifier, n_samples=n_samples)
    return {"model": name, "dataset": "mnist_t10k", "steps": steps,
            "classifier_fid": metrics["classifier_fid"],
            "digits": f"{metrics['digits_covered']}/10", "train_s": round(train_s, 1),
            "wall_s": round(time.perf_counter() - start, 1)}


def _cell(value, column=""):
    if value is None:
        return "-"
    if column.endswith("_s"):
        return f"{value:.0f}"
    return f"{value:.3f}" if isinstance(value, float) and abs(value) < 100 else str(value)


def markdown(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(row.get(c), c) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--datasets", default="grid25,ring8,mnist")
    parser.add_argument("--toy-steps", type=int, default=1000, help="generator steps per toy run")
    parser.add_argument("--mnist-steps", type=int, default=150,
                        help="generator steps per MNIST run")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every budget")
    parser.add_argument("--width", type=int, default=256, help="toy MLP width (paper: 512)")
    parser.add_argument("--no-recipe", action="store_true", help="skip the tuned grid25 row")
    parser.add_argument("--mnist-dir", default=None,
                        help="folder of MNIST IDX files (default: $KERAS_WGAN_MNIST, then "
                        "../shared/data/mnist, then the download)")
    parser.add_argument("--fid-samples", type=int, default=5000)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: tiny budgets (numbers are meaningless)")
    parser.add_argument("--json", help="write the rows as JSON here")
    parser.add_argument("--markdown", help="write the table as Markdown here")
    args = parser.parse_args(argv)
    if args.quick:
        args.toy_steps, args.mnist_steps, args.fid_samples = 20, 5, 500
    return args


def main(argv=None):
    args = parse_args(argv)
    toy_steps = max(1, int(args.toy_steps * args.scale))
    mnist_steps = max(1, int(args.mnist_steps * args.scale))
    names = [m for m in args.models.split(",") if m]
    datasets = [d for d in args.datasets.split(",") if d]
    rows, start = [], time.perf_counter()

    def add(row):
        rows.append(row)
        print(" ".join(f"{k}={_cell(v, k)}" for k, v in row.items()), flush=True)

    for dataset in (d for d in datasets if d in TOY_DATASETS):
        for name in names:
            add(toy_row(name, dataset, toy_steps, args.width))
        if dataset == "grid25" and not args.no_recipe:
            recipe = dict(build.TOY_RECIPE)
            if args.quick or args.scale != 1.0:
                recipe["steps"] = max(1, int(recipe["steps"] * (0.01 if args.quick else args.scale)))
            add(toy_row("wgan_gp", dataset, None, None, recipe=recipe))
    if "mnist" in datasets:
        try:
            images = load_mnist(args.mnist_dir, split="test")
        except MnistNotFoundError as missing:
            print(f"skipping MNIST: {missing}", flush=True)
        else:
            from keras_wgan.evaluation import MnistClassifier

            classifier = MnistClassifier()
            reference, real_fid = build.mnist_reference(images, classifier, args.fid_samples)
            print(f"MNIST: classifier-FID of {args.fid_samples} real images vs all: {real_fid}",
                  flush=True)
            for name in names:
                add(mnist_row(name, mnist_steps, images, reference, classifier,
                              args.fid_samples))
    table = markdown(rows)
    print(f"\n{table}\n\ntotal {time.perf_counter() - start:.0f} s", flush=True)
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"argv": sys.argv[1:], "rows": rows}, f, indent=2)
    return rows


if __name__ == "__main__":
    main()
