"""Build presets from their recipe files: ``python -m keras_wgan.presets.build``.

    python -m keras_wgan.presets.build --all                       # every bundled recipe
    python -m keras_wgan.presets.build --only wgan_gp/mnist        # one, by handle
    python -m keras_wgan.presets.build --recipe my/recipe.json --out /tmp/presets
    python -m keras_wgan.presets.build --only wgan_gp/grid25 --steps 5 --out /tmp/smoke
    python -m keras_wgan.presets.build --only wgan/mnist --measure-every 3000   # log progress
    python -m keras_wgan.presets.build --only nsgan/mnist --dtype-policy float32  # no bf16 CPU
    python -m keras_wgan.presets.build --plot-toy docs/grid25_preset.png

Each preset is trained by the ``recipe.json`` beside it (`keras_wgan.presets.recipe`), measured
on its stored float16 weights (`keras_wgan.presets.measure`) and written whole to
``<out>/<family>/<name>/`` (`keras_wgan.presets.builder`); ``--out`` defaults to the bundled
presets. A new preset is a new recipe file: nothing here changes. ``--steps`` shortens any
recipe for a smoke run (the written metadata says so: its recipe holds the steps it ran).
Bad input (an unreadable or invalid recipe, an unknown handle, no MNIST) is one line on
stderr and exit status 2.

The names ``TOY_RECIPE``, ``MNIST_RECIPE``, ``train_toy``, ... below are the former flat
recipes and helpers, kept for ``bench/``; they read the bundled recipe files.
"""

import argparse
import sys

from keras_wgan.precision import POLICIES
from keras_wgan.presets.legacy import (  # noqa: F401  (re-exported for bench/)
    MNIST_DIR,
    MNIST_EVAL,
    MNIST_RECIPE,
    TOY_EVAL,
    TOY_RECIPE,
    load_mnist,
    mnist_gan,
    mnist_stream,
    train_toy,
)
from keras_wgan.presets.measure import evaluate_mnist, evaluate_toy, mnist_reference  # noqa: F401
from keras_wgan.presets.plot import plot_toy_preset
from keras_wgan.presets.train import fit_steps  # noqa: F401


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def parse_args(argv):
    from keras_wgan.presets import PRESETS_DIR

    from keras_wgan.app.cli import Parser  # errors in one line, as on the command line

    parser = Parser(prog="python -m keras_wgan.presets.build",
                    description=__doc__.split("\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="build every recipe under the bundled presets (the default)")
    which.add_argument("--only", metavar="HANDLE", action="append",
                       help="build the bundled recipe of this preset, e.g. wgan_gp/mnist "
                            "(repeatable)")
    which.add_argument("--recipe", metavar="PATH", action="append",
                       help="build this recipe file (repeatable)")
    which.add_argument("--list", action="store_true", help="list the bundled recipes and exit")
    which.add_argument("--plot-toy", metavar="PNG",
                       help="only draw the toy preset's samples (from --out) to this file")
    parser.add_argument("--out", default=str(PRESETS_DIR),
                        help="presets root to write <family>/<name>/ into (default: bundled)")
    parser.add_argument("--measure", action="store_true",
                        help="measure the stored presets again (metrics into their metadata) "
                             "instead of training them")
    parser.add_argument("--steps", type=_positive_int,
                        help="train this many generator steps instead (smoke runs; not for "
                             "shipping)")
    parser.add_argument("--measure-every", metavar="N", type=_positive_int,
                        help="while training, also measure the generator (its EMA) by the "
                             "recipe's protocol every N generator steps and log the numbers "
                             "(checked after each steps_per_fit chunk; the metadata keeps the "
                             "final ones)")
    parser.add_argument("--dtype-policy", choices=POLICIES,
                        help="train under this Keras dtype policy instead of the recipe's "
                             "training.dtype_policy, e.g. float32 on a CPU without bfloat16 "
                             "instructions, where mixed_bfloat16 is emulated and many times "
                             "slower (the metadata's recipe records the policy used)")
    parser.add_argument("--mnist-dir", help="folder of MNIST IDX files (default: "
                                            "$KERAS_WGAN_MNIST, else ../shared/data/mnist)")
    args = parser.parse_args(argv)
    if args.measure and args.measure_every:
        parser.error("--measure-every measures while training; --measure measures the stored "
                     "presets without training: give one of them")
    if args.measure and args.dtype_policy:
        parser.error("--dtype-policy sets how to train; --measure measures the stored presets "
                     "without training: give one of them")
    return args


def selected_recipes(args):
    """``[recipe, ...]`` to build, every file loaded and checked before anything trains."""
    from keras_wgan.presets.recipe import (
        RecipeError,
        find_recipes,
        load_recipe,
        with_dtype_policy,
        with_steps,
    )

    if args.recipe:
        recipes = [load_recipe(path) for path in args.recipe]
    else:
        known = find_recipes()
        wanted = args.only or list(known)
        for handle in wanted:
            if handle not in known:
                raise RecipeError(f"no bundled recipe for {handle!r}; known: "
                                  f"{', '.join(known) or '(none)'}; or pass --recipe PATH")
        recipes = [load_recipe(known[handle], expected_name=handle) for handle in wanted]
    return [with_dtype_policy(with_steps(recipe, args.steps), args.dtype_policy)
            for recipe in recipes]


def main(argv=None):
    from keras_wgan.app.cli import one_line_warnings

    args = parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    with one_line_warnings("warning:"):
        return _build(args, argv)


def _build(args, argv):
    try:
        if args.plot_toy:
            plot_toy_preset(args.plot_toy, args.out)
            return 0
        if args.list:
            from keras_wgan.presets.recipe import find_recipes

            for handle, path in find_recipes().items():
                print(f"{handle}\t{path}")
            return 0
        recipes = selected_recipes(args)
        from keras_wgan import atomic
        from keras_wgan.presets.builder import build_preset, measure_preset

        if not args.measure:  # before an hour of training, not after it
            atomic.check_writable(args.out, "presets root", "--out")

        for recipe in recipes:
            if args.measure:
                measure_preset(recipe, args.out, mnist_dir=args.mnist_dir)
                continue
            build_preset(recipe, args.out, mnist_dir=args.mnist_dir,
                         measure_every=args.measure_every,
                         command=" ".join(["python -m keras_wgan.presets.build", *argv]))
    except (ValueError, LookupError, OSError) as error:  # RecipeError, MNIST, hub errors...
        lines = str(error).strip().splitlines()
        print(f"error: {lines[0] if lines else repr(error)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
