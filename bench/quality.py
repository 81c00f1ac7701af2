"""The quality table: every registered model (`keras_wgan.models.VARIANTS`), paper defaults.

    KERAS_BACKEND=tensorflow python bench/quality.py --markdown out/quality.md --json out/quality.json
    python bench/quality.py --quick            # smoke run, a few minutes
    python bench/quality.py --seed 1 --no-recipe --json out/q1.json   # one seed per process...
    python bench/quality.py --combine out/q0.json out/q1.json out/q2.json \
        --markdown out/quality.md --json bench/results/quality.json   # ...then mean and spread

Seeds: ``--seed`` sets the networks, noise and data order of every row. ``--combine`` reads the
JSON of runs that differ only in the seed (and budget) and prints one row per (model, dataset,
steps): the mean of each metric over the seeds and its spread (min-max), beside the bundled
presets' own numbers (`preset_rows`: measured on their stored weights, read from their
metadata). README's table is
the Markdown of ``bench/results/quality.json`` (a test compares them).

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
(`keras_wgan.presets.build.TOY_RECIPE`, the bundled `wgan_gp/grid25` recipe: a Fourier-feature
critic input, Adam 1e-3, generator EMA, 24,000 generator steps) on grid25, whose targets are
25/25 modes and >= 95% high-quality samples (`bench/toy_recipe.py` takes the recipe apart).

Metrics: toy: modes covered and high-quality rate (`evaluation.toy_mode_stats` on the grid25
recipe's evaluation count: PacGAN's 2,500, 2,000 before the recipe said so) and exact W1 to
real samples with its noise floor (1,000 points, 3 repeats); MNIST: classifier-FID of 5,000
samples against the 10,000 real images in the bundled classifier's feature space, and digits
covered (>= 2.5% of samples) by that classifier. Wall time is the training time, then the total
with evaluation. Times are from whatever machine runs it; on a shared 2-core CPU they vary by
20-50% between runs.
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
MNIST_WIDTH = 32  # the MNIST rows' DCGAN width (the wgan_gp/mnist preset ships at 64)
COLUMNS = ("model", "dataset", "steps", "modes", "hq_rate", "w1", "w1_floor", "classifier_fid",
           "digits", "train_s", "wall_s")


def toy_row(name, dataset, steps, width, seed=0, recipe=None):
    """Train one toy model (paper defaults, or the tuned recipe) and measure it."""
    start = time.perf_counter()
    if recipe is not None:
        gan, train_s = build.train_toy(dict(recipe, dataset=dataset, seed=seed))
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


def mnist_row(name, steps, images, reference, classifier, n_samples, seed=0):
    start = time.perf_counter()
    recipe = dict(build.MNIST_RECIPE, steps=steps, seed=seed, width=MNIST_WIDTH)
    gan = build.mnist_gan(models.get_model_class(name), recipe)
    gan.compile()  # the paper's optimizers for this variant
    stream = build.mnist_stream(images, recipe["batch_size"] * gan.critic_steps, recipe["seed"])
    train_s = build.fit_steps(gan, stream, steps, chunk=250)
    metrics = build.evaluate_mnist(gan, reference, classifier, n_samples=n_samples)
    return {"model": name, "dataset": "mnist_t10k", "steps": steps,
            "classifier_fid": metrics["classifier_fid"],
            "inception_score": metrics["inception_score"],
            "digits": f"{metrics['digits_covered']}/10", "train_s": round(train_s, 1),
            "wall_s": round(time.perf_counter() - start, 1)}


SPREAD_METRICS = ("hq_rate", "w1", "classifier_fid", "inception_score")


def combine(runs):
    """One row per (model, dataset, steps) of several runs' rows (one run per seed, or several
    budgets per seed): each metric's mean and ``[min, max]`` over the seeds, modes and digits
    as their range (``"16-21/25"``)."""
    grouped = {}
    for run in runs:
        for row in run["rows"]:
            key = (row["model"], row["dataset"], row["steps"])
            grouped.setdefault(key, []).append(dict(row, seed=run.get("seed", 0)))
    combined = []
    for (model, dataset, _), rows in grouped.items():
        out = {"model": model, "dataset": dataset, "steps": rows[0]["steps"],
               "seeds": sorted(row["seed"] for row in rows)}
        for key in SPREAD_METRICS:
            values = [row[key] for row in rows if row.get(key) is not None]
            if values:
                out[key] = round(sum(values) / len(values), 4)
                out[key + "_range"] = [min(values), max(values)]
        for key in ("modes", "digits"):
            if rows[0].get(key):
                counts = sorted(int(row[key].split("/")[0]) for row in rows)
                total = rows[0][key].split("/")[1]
                span = f"{counts[0]}" if counts[0] == counts[-1] else f"{counts[0]}-{counts[-1]}"
                out[key] = f"{span}/{total}"
        if rows[0].get("w1_floor") is not None:
            out["w1_floor"] = rows[0]["w1_floor"]
        out["train_s"] = round(sum(row["train_s"] for row in rows) / len(rows), 1)
        combined.append(out)
    return combined


def preset_rows():
    """The bundled presets' numbers, as measured on their stored weights (their metadata)."""
    from keras_wgan import hub
    from keras_wgan.presets import PRESETS_DIR

    rows = []
    for handle in sorted(hub.list_presets()):
        meta = hub.read_metadata(PRESETS_DIR / handle)
        metrics, dataset = meta["metrics"], meta["recipe"]["data"]
        row = {"model": f"preset {handle}", "dataset": dataset.get("name", "mnist_t10k"),
               "steps": meta["training_steps"]}
        if "classifier_fid" in metrics:
            row.update(dataset="mnist_t10k", classifier_fid=metrics["classifier_fid"],
                       inception_score=metrics["inception_score"],
                       digits=f"{metrics['digits_covered']}/10")
        else:
            row.update(modes=f"{metrics['modes_covered']}/{metrics['n_modes']}",
                       hq_rate=metrics["hq_rate"], w1=metrics["w1"],
                       w1_floor=metrics["w1_noise_floor"])
        rows.append(row)
    return rows


def combined_markdown(rows):
    """The README table: mean (min-max over the seeds) of each metric; W1's noise floor (the
    W1 between two real samples of that size) in brackets."""
    columns = ("model", "dataset", "steps", "seeds", "modes", "hq_rate", "w1 [floor]",
               "classifier_fid", "inception_score", "digits")

    def spread(row, key, digits):
        if row.get(key) is None:
            return "-"
        text = f"{row[key]:.{digits}f}"
        low, high = row.get(key + "_range", [row[key], row[key]])
        return text if low == high else f"{text} ({low:.{digits}f}-{high:.{digits}f})"

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        w1 = spread(row, "w1", 3)
        if w1 != "-":
            w1 += f" [{row['w1_floor']:.3f}]"
        cells = [row["model"], row["dataset"], f"{row['steps']:,}",
                 str(len(row["seeds"])) if "seeds" in row else "stored",
                 row.get("modes", "-"), spread(row, "hq_rate", 3), w1,
                 spread(row, "classifier_fid", 2), spread(row, "inception_score", 2),
                 row.get("digits", "-")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the networks, noise and data order of every row")
    parser.add_argument("--combine", nargs="+", metavar="JSON",
                        help="no training: combine these runs' JSON (one per seed) into mean "
                             "and spread, plus the bundled presets' rows")
    parser.add_argument("--json", help="write the rows as JSON here")
    parser.add_argument("--markdown", help="write the table as Markdown here")
    args = parser.parse_args(argv)
    if args.quick:
        args.toy_steps, args.mnist_steps, args.fid_samples = 20, 5, 500
    return args


def _write(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main_combine(args):
    runs = []
    for path in args.combine:
        with open(path) as f:
            runs.append(json.load(f))
    rows = combine(runs) + preset_rows()
    table = combined_markdown(rows)
    print(table, flush=True)
    if args.markdown:
        _write(args.markdown, table + "\n")
    if args.json:
        _write(args.json, json.dumps({"argv": [r.get("argv") for r in runs], "rows": rows},
                                     indent=2) + "\n")
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.combine:
        return main_combine(args)
    seed = args.seed
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
            add(toy_row(name, dataset, toy_steps, args.width, seed=seed))
        if dataset == "grid25" and not args.no_recipe:
            recipe = dict(build.TOY_RECIPE)
            if args.quick or args.scale != 1.0:
                recipe["steps"] = max(1, int(recipe["steps"] * (0.01 if args.quick else args.scale)))
            add(toy_row("wgan_gp", dataset, None, None, seed=seed, recipe=recipe))
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
                              args.fid_samples, seed=seed))
    table = markdown(rows)
    print(f"\n{table}\n\ntotal {time.perf_counter() - start:.0f} s", flush=True)
    if args.markdown:
        _write(args.markdown, table + "\n")
    if args.json:
        _write(args.json, json.dumps({"argv": sys.argv[1:], "seed": seed, "rows": rows},
                                     indent=2))
    return rows


if __name__ == "__main__":
    main()
