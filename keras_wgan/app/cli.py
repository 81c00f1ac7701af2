"""The `keras-wgan` command line (also `python -m keras_wgan`); `commands` does the work.

    keras-wgan train --model wgan_gp --data tfds:mnist --epochs 20 --out runs/mnist
    keras-wgan train --model gan --data toy:ring8 --steps-per-epoch 200 --out runs/ring
    keras-wgan sample runs/mnist/checkpoint.keras --n 64 --out grid.png
    keras-wgan sample wgan_gp/mnist --n 64 --out grid.png
    keras-wgan export wgan_gp/mnist exported/
    keras-wgan eval wgan_gp/grid25 --data toy:grid25
"""

import argparse
import contextlib
import math
import os
import sys
import warnings

from keras_wgan import checks
from keras_wgan.precision import SHORT_NAMES

EPILOG = """\
data sources (--data):
  tfds:<name>        a TensorFlow Datasets image set, e.g. tfds:mnist, tfds:celeb_a
  PATH               a folder of images (jpg/png, nested or flat) or of MNIST IDX files
  toy:<name>         a built-in 2-D distribution: toy:ring8, toy:grid25, toy:swiss_roll

Batches: --batch-size is real examples per critic step; each training step reads
critic_steps x batch-size examples (WGAN/WGAN-GP: 5 x 64 by default), as in the papers.
"""


# The most samples `sample` draws into one grid, and `eval` compares (a 100x100 grid).
MAX_SAMPLES = 10_000
MAX_EVAL_SAMPLES = 100_000


# --- argument types: a bad value is refused while parsing, in one line naming the flag --------


def _checked(convert, wanted, accept):
    """An argparse ``type``: ``convert(text)`` when ``accept`` takes it, else one line saying
    what was ``wanted``."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    return parse


def integer(minimum=1, maximum=None, even=False, what=""):
    """An argparse ``type``: an integer in ``[minimum, maximum]`` (and even, if asked)."""
    bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
    return _checked(int, f"{'an even' if even else 'an'} integer {bound}{what}",
                    lambda value: minimum <= value and (maximum is None or value <= maximum)
                    and not (even and value % 2))


def number(minimum=None, above=None, float32=False):
    """An argparse ``type``: a finite float ``>= minimum`` or ``> above``; ``float32=True``:
    one that float32 weights hold (a learning rate of 1e-320 would act as 0, 1e300 as inf)."""
    bound = f"> {above:g}" if above is not None else f">= {minimum:g}"
    wanted = f"a finite number {bound}"
    if float32:
        wanted += f" within float32's range ({checks.FLOAT32_RANGE})"
    return _checked(float, wanted,
                    lambda value: math.isfinite(value) and (minimum is None or value >= minimum)
                    and (above is None or value > above)
                    and (not float32 or checks.float32_holds(value)))


def jit_setting(text):
    settings = {"auto": "auto", "true": True, "on": True, "false": False, "off": False}
    if text.lower() not in settings:
        raise argparse.ArgumentTypeError(f"must be auto, true or false, got {text!r}")
    return settings[text.lower()]


def text(what):
    """An argparse ``type``: a non-empty string (an empty --out was the current folder's
    parent's "no such file"; an empty source loaded the current folder)."""

    def parse(value):
        if not value.strip():
            raise argparse.ArgumentTypeError(f"must not be empty: give {what}")
        return value

    return parse


DATA = text("tfds:<name>, a folder, or toy:<name>")
FOLDER = text("a folder path")
SOURCE = text("a .keras file, a preset handle such as wgan_gp/mnist, a folder, archive or URL")
COUNT = integer(1)
SEED = integer(0, checks.MAX_SEED)
# dcgan_generator halves the side down to a map of >= 4 pixels: an even side of at least 8.
IMAGE_SIDE = integer(8, even=True, what=" (e.g. 28, 32 or 64)")


class Parser(argparse.ArgumentParser):
    """Errors in one line, like every other bad input (``--help`` shows the usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_debug(p, default=False):
    p.add_argument("--debug", action="store_true", default=default,
                   help="show the full traceback of an error")


def model_argument(p):
    """``--model``, with the registered variants (`keras_wgan.models.VARIANTS`) as choices."""
    from keras_wgan.models import VARIANTS

    p.add_argument("--model", default="wgan_gp", choices=list(VARIANTS),
                   help="; ".join(f"{name}: {v.summary}" for name, v in VARIANTS.items())
                   + " (default wgan_gp)")


def _add_train(sub):
    from keras_wgan.models import VARIANTS

    p = sub.add_parser(
        "train", help=f"train a {', '.join(v.title for v in VARIANTS.values())} on a data source",
        description="Train one of the registered models (--model); every epoch writes a sample "
        "grid, TensorBoard logs and a .keras checkpoint into --out. Ctrl-C or SIGTERM (and "
        "--max-steps, --minutes) stop at a step boundary and still write them; a second "
        "Ctrl-C stops at once.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    model_argument(p)
    p.add_argument("--data", required=True, type=DATA,
                   help="tfds:<name>, a folder, or toy:<name> (below)")
    p.add_argument("--out", default="runs/latest", type=FOLDER,
                   help="output folder (default runs/latest)")
    p.add_argument("--epochs", type=COUNT, default=10)
    p.add_argument("--steps-per-epoch", type=COUNT, default=None,
                   help="generator steps per epoch (required for toy data, which never ends)")
    p.add_argument("--max-steps", type=COUNT, default=None,
                   help="stop after this many generator steps in all, across epochs (a "
                   "resumed checkpoint's included), at a step boundary")
    p.add_argument("--minutes", type=number(above=0), default=None,
                   help="stop at the first step boundary after this many minutes of training")
    p.add_argument("--batch-size", type=COUNT, default=64, help="real examples per critic step (64)")
    p.add_argument("--image-size", type=IMAGE_SIDE, default=None,
                   help="resize/crop images to this side (even, >= 8)")
    p.add_argument("--channels", type=int, default=None, choices=[1, 3])
    p.add_argument("--latent-dim", type=COUNT, default=128)
    p.add_argument("--width", type=COUNT, default=64, help="base width of the networks (64)")
    p.add_argument("--critic-steps", type=COUNT, default=None,
                   help="critic steps per generator step (paper: 5 for WGANs, 1 for GANs)")
    p.add_argument("--gp-weight", type=number(minimum=0, float32=True), default=None,
                   help="WGAN-GP lambda (paper: 10)")
    p.add_argument("--clip-value", type=number(above=0, float32=True), default=None,
                   help="WGAN clip c (paper: 0.01)")
    p.add_argument("--lr", type=number(above=0, float32=True), default=None,
                   help="learning rate of both optimizers (paper: 1e-4 WGAN-GP, 5e-5 WGAN, 2e-4 GAN)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--jit-compile", type=jit_setting, default="auto",
                   help="auto (XLA on GPU/TPU, graph on CPU), true or false")
    p.add_argument("--mixed-precision", choices=sorted(SHORT_NAMES), default=None,
                   help="train in Keras mixed precision (float32 variables): bfloat16 pays on "
                   "CPUs with AVX512_BF16/AMX and recent GPUs (bench/mixed_precision.py), and "
                   "is emulated, many times slower, on other CPUs (a warning says so); float16 "
                   "on GPUs (default: float32)")
    p.add_argument("--checkpoint-dir", default=None, type=FOLDER,
                   help="save the full training state here every epoch; rerunning the same "
                   "command resumes from the last complete epoch (e.g. after a crash)")
    p.add_argument("--conditional", action="store_true",
                   help="train a class-conditional model on the data's labels (the number of "
                   "classes is read from the data): a folder with one subfolder per class, "
                   "MNIST IDX files beside their labels file, or toy:ring8 / toy:grid25 (one "
                   "class per mode); samples are drawn one class per row")
    p.add_argument("--data-dir", default=None, type=FOLDER, help="TFDS data_dir")
    p.add_argument("--no-download", action="store_true", help="TFDS: use only prepared data")


def add_run_arguments(parser, out, epochs):
    """The flags the example scripts share (model, output, budget, sizes, seed), range-checked
    while parsing as on the ``keras-wgan`` command line (public alias:
    ``keras_wgan.training.add_run_arguments``)."""
    model_argument(parser)
    parser.add_argument("--out", default=out, type=FOLDER, help=f"output folder ({out})")
    parser.add_argument("--epochs", type=COUNT, default=epochs)
    parser.add_argument("--steps-per-epoch", type=COUNT, default=None,
                        help="generator steps per epoch (default: one pass over the data)")
    parser.add_argument("--batch-size", type=COUNT, default=64, help="real images per critic step")
    parser.add_argument("--width", type=COUNT, default=64, help="DCGAN base width")
    parser.add_argument("--latent-dim", type=COUNT, default=128)
    parser.add_argument("--seed", type=SEED, default=0)
    return parser


def _add_sample(sub):
    p = sub.add_parser("sample", help="write a grid of samples from a .keras file or a handle",
                       description="Load a model (.keras file, preset handle such as "
                       "wgan_gp/mnist, folder, archive or URL) and write an image grid.")
    p.add_argument("source", type=SOURCE, help="a .keras file or a hub handle")
    p.add_argument("--n", type=integer(1, MAX_SAMPLES), default=64, help="number of samples (64)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--out", default="samples.png", type=text("a PNG path"),
                   help="PNG path (samples.png)")
    p.add_argument("--label", type=integer(0), default=None,
                   help="class-conditional models: draw every sample of this class (default: "
                   "one class per row)")


def _add_export(sub):
    p = sub.add_parser("export", help="export a generator as a TensorFlow SavedModel",
                       description="Write a SavedModel whose serving_default signature maps "
                       "latent (None, latent_dim) float32 to images.")
    p.add_argument("source", type=SOURCE, help="a .keras file or a hub handle")
    p.add_argument("out", type=FOLDER, help="the SavedModel folder to create")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a SavedModel folder that already exists at OUT")


def _add_eval(sub):
    p = sub.add_parser("eval", help="measure a generator's samples against real data",
                       description="Toy data: modes covered, high-quality rate, exact W1 and "
                       "its noise floor. 28x28x1 images: classifier FID, KID and digit "
                       "coverage with the bundled MNIST classifier.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=SOURCE, help="a .keras file or a hub handle")
    p.add_argument("--data", required=True, type=DATA, help="the real data to compare with")
    p.add_argument("--n", type=integer(1, MAX_EVAL_SAMPLES), default=2000,
                   help="samples to draw (2000)")
    p.add_argument("--seed", type=SEED, default=0)


def parser():
    p = Parser(
        prog="keras-wgan",
        description="Train, sample, export and evaluate GANs and WGANs built on Keras 3.",
        epilog="Run 'keras-wgan COMMAND --help' for each command's options.",
    )
    _add_debug(p)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_train, _add_sample, _add_export, _add_eval):
        add(sub)
    for command in sub.choices.values():
        # Also after the command; SUPPRESS keeps a --debug given before it.
        _add_debug(command, default=argparse.SUPPRESS)
    return p


def main(argv=None):
    """Run one command; return its exit status, never raising (unless ``--debug``).

    0 done; 1 training diverged, or an unexpected error (its type and message in one line);
    2 bad input, on the command line or found later (a missing file, data that does not fit
    the model...), in one line naming the fix; 130 interrupted (SIGINT, Ctrl-C), 143 stopped
    by SIGTERM: a training run then stops at a step boundary, writes its outputs and says
    so in one line.
    """
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a bad argument already reported in one line
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    prefix = f"keras-wgan {args.command}: error:"
    stdout = sys.stdout = _LineTracker(sys.stdout)
    try:
        from keras_wgan.app import commands

        with one_line_warnings(f"keras-wgan {args.command}: warning:"):
            return getattr(commands, args.command)(args)
    except BaseException as error:  # noqa: BLE001 -- turned into one line and an exit status
        if stdout.mid_line:  # a progress bar cut short: the message gets a line of its own
            stdout.write("\n")
            stdout.flush()
        if args.debug or isinstance(error, SystemExit):
            raise
        if isinstance(error, KeyboardInterrupt):
            # A training run's stop (`callbacks.Interrupted`) says where and with what status.
            message = str(error) or "interrupted"
            print(f"keras-wgan {args.command}: {message}", file=sys.stderr)
            return getattr(error, "exit_status", 130)
        allocation = _failed_allocation(error)
        if allocation is not None:
            print(f"{prefix} out of memory ({allocation}): {OUT_OF_MEMORY_FIX}", file=sys.stderr)
            return 2
        status = exit_status(error)
        if status == 2 or _is_library_error(error, DIVERGED_MODULE, "TrainingDiverged"):
            # Library errors are written to be read as one line: show it, not a stack trace.
            print(f"{prefix} {_one_line(error)}", file=sys.stderr)
        else:
            print(f"{prefix} {type(error).__name__}: {_one_line(error)} "
                  "(run with --debug for the traceback)", file=sys.stderr)
        return status
    finally:
        if sys.stdout is stdout:
            sys.stdout = stdout.stream


@contextlib.contextmanager
def one_line_warnings(prefix):
    """Inside the block, a Python warning is shown as ``<prefix> <message>`` on one line of
    stderr (not Python's two lines of file, line and source); put back after."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prefix} {_one_line(message, limit=600)}", file=file or sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


class _LineTracker:
    """``sys.stdout`` for the length of a command, noting whether the last write ended a line."""

    def __init__(self, stream):
        self.stream = stream
        self.mid_line = False

    def write(self, text):
        if text:
            self.mid_line = not text.endswith("\n")
        return self.stream.write(text)

    def __getattr__(self, name):  # flush, isatty, fileno, encoding...
        return getattr(self.stream, name)


# Where `TrainingDiverged` (a RuntimeError raised by the NaN/Inf guard) is defined.
DIVERGED_MODULE = "keras_wgan.training.resume"
# What bad input raises: a wrong value or type, a missing file or name, an unreadable path.
BAD_INPUT = (ValueError, TypeError, LookupError, OSError)


# What an allocation failure asks of the user: sizes that fit (`keras_wgan.memory` refuses
# the ones that cannot fit at all before anything is built).
OUT_OF_MEMORY_FIX = ("the run needs more memory than this machine has: lower --batch-size, "
                     "--critic-steps, --width, --latent-dim or --image-size (sample, eval: --n).")


def _failed_allocation(error):
    """What an allocation failure failed to allocate, in a few words; None for other errors."""
    try:
        from keras_wgan import memory
    except Exception:  # noqa: BLE001 -- a broken install must still get its error reported
        return None
    return memory.failed_allocation(error) if memory.is_out_of_memory(error) else None


def exit_status(error):
    """2 for bad input (the hub's errors included), 1 for anything else (a diverged run...)."""
    if _is_library_error(error, DIVERGED_MODULE, "TrainingDiverged"):
        return 1  # a RuntimeError: the input was fine, the run was not
    if isinstance(error, BAD_INPUT) or _is_library_error(error, "keras_wgan.hub.errors", "HubError"):
        return 2
    return 1


def _is_library_error(error, module, name):
    # Looked up, not imported: a failing import of the library must still be reported.
    cls = getattr(sys.modules.get(module), name, None)
    return cls is not None and isinstance(error, cls)


def _one_line(error, limit=400):
    """The first non-empty line of an error's message (TensorFlow's run to many), shortened."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
