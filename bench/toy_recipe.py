"""A bundled toy recipe, one change at a time: which of its settings matter.

    KERAS_BACKEND=tensorflow python bench/toy_recipe.py            # grid25, about 50 minutes
    python bench/toy_recipe.py --steps 2000 --variants recipe,raw_critic   # shorter
    python bench/toy_recipe.py --variants recipe --seeds 1,2,3,4           # other seeds
    python bench/toy_recipe.py --recipe wgan_gp/ring8 --variants recipe,no_ema

Each variant is the bundled recipe (``keras_wgan/presets/<handle>/recipe.json``) with one
setting changed, most of them back to the WGAN-GP paper's toy script (Gulrajani et al. 2017,
gan_toy.py), trained from the same seed for the same number of generator steps, in one
process, and measured like the bundled preset by the recipe's own evaluation (PacGAN's
protocol, 2,500 samples: modes covered, high-quality rate within 3 std of a mode; exact W1 of
1,000 of them to real points against the noise floor, 3 repeats).
"""

import argparse
import copy
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_wgan.presets import measure, train  # noqa: E402
from keras_wgan.presets.recipe import find_recipes, load_recipe  # noqa: E402


def _no_ema(recipe):
    for key in ("ema_decay", "ema_start"):
        recipe["model"].pop(key, None)


def _set(section, **values):
    def change(recipe):
        recipe[section].update(values)
    return change


#: name -> (what differs from the recipe, a function that changes a copy of it in place)
VARIANTS = {
    "recipe": ("the bundled recipe as shipped", lambda recipe: None),
    "no_ema": ("samples from the trained generator, not its weight average (EMA)", _no_ema),
    "decay_lr": ("Adam decayed linearly to 0 over the run", _set("optimizer", end_learning_rate=0.0)),
    "raw_critic": ("critic on raw coordinates (the paper's), no Fourier features",
                   _set("architecture", critic_fourier_features=None)),
    "paper_lr": ("the paper's Adam 1e-4, constant",
                 _set("optimizer", learning_rate=1e-4, end_learning_rate=1e-4)),
}
COLUMNS = ("variant", "change", "seed", "steps", "modes", "hq_rate", "w1", "w1_floor", "w1_ratio",
           "train_s")


def variant_recipe(base, name, steps=None, seed=None):
    """``base`` with variant ``name``'s change, and ``steps`` / ``seed`` when given."""
    recipe = copy.deepcopy(base)
    VARIANTS[name][1](recipe)
    if steps is not None:
        recipe["training"]["steps"] = int(steps)
    if seed is not None:
        recipe["training"]["seed"] = int(seed)
    return recipe


def run_variant(base, name, steps=None, seed=None):
    recipe = variant_recipe(base, name, steps, seed)
    gan, seconds, done = train.train(recipe)
    metrics = measure.measure(gan, recipe, measure.prepare(recipe, None))
    return {"variant": name, "change": VARIANTS[name][0], "seed": recipe["training"]["seed"],
            "steps": done, "modes": f"{metrics['modes_covered']}/{metrics['n_modes']}",
            "hq_rate": f"{metrics['hq_rate']:.3f}", "w1": f"{metrics['w1']:.3f}",
            "w1_floor": f"{metrics['w1_noise_floor']:.3f}",
            "w1_ratio": f"{metrics['w1_ratio']:.2f}x", "train_s": f"{seconds:.0f}"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="wgan_gp/grid25",
                        help="a bundled toy recipe's handle (default: wgan_gp/grid25)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--steps", type=int, help="generator steps per variant (default: the "
                                                  "recipe's)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (model, noise, data)")
    args = parser.parse_args(argv)
    recipes = find_recipes()
    if args.recipe not in recipes:
        parser.error(f"unknown recipe {args.recipe!r}; use one of {', '.join(sorted(recipes))}")
    base = load_recipe(recipes[args.recipe], expected_name=args.recipe)
    if base["data"]["source"] != "toy":
        parser.error(f"{args.recipe} trains on {base['data']['source']}, not a toy mixture")
    names = [n for n in args.variants.split(",") if n]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; use {', '.join(VARIANTS)}")
    rows, start = [], time.perf_counter()
    for name, seed in ((n, int(s)) for n in names for s in args.seeds.split(",") if s):
        rows.append(run_variant(base, name, args.steps, seed))
        print(" ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)
    print(f"\n{args.recipe}\n| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return rows


if __name__ == "__main__":
    main()
