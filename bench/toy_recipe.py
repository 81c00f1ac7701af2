"""The grid25 recipe, one change at a time: which of its changes to the paper's toy setup matter.

    KERAS_BACKEND=tensorflow python bench/toy_recipe.py            # about 25 minutes
    python bench/toy_recipe.py --steps 2000 --variants recipe,raw_critic   # shorter
    python bench/toy_recipe.py --variants recipe --seeds 1,2               # other seeds

Each variant is `keras_wgan.presets.build.TOY_RECIPE` with one setting put back to the WGAN-GP
paper's (Gulrajani et al. 2017, gan_toy.py), trained from the same seed for the same number of
generator steps, in one process, and measured like the bundled preset (2,000 samples: modes
covered, high-quality rate within 3 std; exact W1 of 1,000 of them to real points against the
noise floor, 3 repeats). The target the recipe was tuned for: 25/25 modes, HQ >= 0.90,
W1 <= 2x the floor, in under 10 minutes of training on a 2-core CPU.
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_wgan.presets import build  # noqa: E402

#: name -> (what differs from the recipe, overrides)
VARIANTS = {
    "recipe": ("TOY_RECIPE as shipped", {}),
    "raw_critic": ("critic on raw coordinates (the paper's), no Fourier features",
                   {"critic_fourier_features": None}),
    "constant_lr": ("no decay: Adam 1e-3 throughout", {"end_learning_rate": 1e-3}),
    "paper_lr": ("the paper's Adam 1e-4, constant", {"learning_rate": 1e-4,
                                                     "end_learning_rate": 1e-4}),
}
COLUMNS = ("variant", "change", "seed", "steps", "modes", "hq_rate", "w1", "w1_floor", "w1_ratio",
           "train_s")


def run_variant(name, steps, seed):
    change, overrides = VARIANTS[name]
    recipe = dict(build.TOY_RECIPE, **overrides, steps=steps, seed=seed)
    gan, seconds = build.train_toy(recipe)
    metrics = build.evaluate_toy(gan, recipe["dataset"], **build.TOY_EVAL)
    return {"variant": name, "change": change, "seed": seed, "steps": steps,
            "modes": f"{metrics['modes_covered']}/{metrics['n_modes']}",
            "hq_rate": f"{metrics['hq_rate']:.3f}", "w1": f"{metrics['w1']:.3f}",
            "w1_floor": f"{metrics['w1_noise_floor']:.3f}",
            "w1_ratio": f"{metrics['w1_ratio']:.2f}x", "train_s": f"{seconds:.0f}"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--steps", type=int, default=build.TOY_RECIPE["steps"],
                        help="generator steps per variant (default: the recipe's)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (model, noise, data)")
    args = parser.parse_args(argv)
    names = [n for n in args.variants.split(",") if n]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; use {', '.join(VARIANTS)}")
    rows, start = [], time.perf_counter()
    for name, seed in ((n, int(s)) for n in names for s in args.seeds.split(",") if s):
        rows.append(run_variant(name, args.steps, seed))
        print(" ".join(f"{k}={v}" for k, v in rows[-1].items()), flush=True)
    print("\n| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return rows


if __name__ == "__main__":
    main()
