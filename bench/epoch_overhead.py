"""Time lost around the training steps of a whole command-line-style run.

Runs `keras_wgan.training.run` (what ``keras-wgan train`` runs, with its default callbacks:
NaN guard, sample grids, TensorBoard scalars and images, the ``.keras`` checkpoint, curves
and ``history.json``) with a per-batch clock: one callback first in the list and one last,
so a step is timed from the moment the last callback let it start until the first callback
hears it ended (`fit`'s ``train_function``: the data fetch and the compiled step). Prints,
per epoch, the wall time against the sum of its step times, then where the rest went after
the first epoch (which also traces the step): epoch-begin work and the wait for the data
iterator, the gaps between steps, each callback's epoch-end work, and the time between the
last callback of training and `fit` returning. The target is >= 95% of the wall time after
the first epoch spent in training steps.

    KERAS_BACKEND=tensorflow .venv/bin/python bench/epoch_overhead.py [--epochs 4]
        [--steps-per-epoch N] [--width 16] [--model wgan_gp] [--data <MNIST folder>]

By default each epoch is one pass over the MNIST test split (31 batches of 5 x 64 for
WGAN-GP), the command line's default, where each epoch gets a fresh data iterator.
"""

import argparse
import collections
import functools
import os
import statistics
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from keras_wgan import training  # noqa: E402
from keras_wgan.training import fit as training_fit  # noqa: E402
from keras_wgan.data import mnist  # noqa: E402

TARGET = 0.95
HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Clock:
    """Timestamps from a callback placed first and one placed last in `fit`'s list."""

    def __init__(self):
        self.events = []  # (position, hook, argument, perf_counter)
        self.spent = collections.defaultdict(float)  # (callback, hook) -> seconds
        self.first, self.last = _Stamp(self, "first"), _Stamp(self, "last")

    def record(self, position, hook, argument=None):
        self.events.append((position, hook, argument, time.perf_counter()))

    def times(self, position, hook):
        return [t for p, h, _, t in self.events if p == position and h == hook]

    def timed(self, callback):
        """Wrap ``callback``'s epoch-level hooks that it overrides to add up their time."""
        for hook in HOOKS:
            method = getattr(callback, hook)
            if getattr(type(callback), hook) is getattr(keras.callbacks.Callback, hook):
                continue  # not overridden: leave Keras's view of the callback as it is

            @functools.wraps(method)
            def wrapper(*args, _method=method, _key=(type(callback).__name__, hook), **kwargs):
                start = time.perf_counter()
                try:
                    return _method(*args, **kwargs)
                finally:
                    self.spent[_key] += time.perf_counter() - start

            setattr(callback, hook, wrapper)
        return callback


class _Stamp(keras.callbacks.Callback):
    def __init__(self, clock, position):
        super().__init__()
        self.clock, self.position = clock, position

    def on_train_begin(self, logs=None):
        self.clock.record(self.position, "train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.record(self.position, "epoch_begin", epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self.clock.record(self.position, "batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self.clock.record(self.position, "batch_end", batch)

    def on_epoch_end(self, epoch, logs=None):
        self.clock.record(self.position, "epoch_end", epoch)

    def on_train_end(self, logs=None):
        self.clock.record(self.position, "train_end")


def clocked_run(settings):
    """`training.run(**settings)` with the clock in its callback list; returns the clock
    and the `fit` start and return times."""
    clock = Clock()
    fits = []
    original_callbacks = training_fit.training_callbacks  # looked up by `train`, in training/fit.py
    original_fit = keras.Model.fit

    @functools.wraps(original_callbacks)
    def with_clock(*args, **kwargs):
        outputs = [clock.timed(c) for c in original_callbacks(*args, **kwargs)]
        return [clock.first, *outputs, clock.last]

    @functools.wraps(original_fit)
    def timed_fit(model, *args, **kwargs):  # the Keras `fit` under AdversarialModel.fit
        start = time.perf_counter()
        try:
            return original_fit(model, *args, **kwargs)
        finally:
            fits.append((start, time.perf_counter()))

    training_fit.training_callbacks, keras.Model.fit = with_clock, timed_fit
    try:
        start = time.perf_counter()
        training.run(**settings)
        end = time.perf_counter()
    finally:
        training_fit.training_callbacks, keras.Model.fit = original_callbacks, original_fit
    return clock, fits[-1], (start, end)


def epoch_rows(clock, fit_span):
    """Per epoch: wall, step times and the time around them, from the clock's stamps."""
    begin_first = clock.times("first", "epoch_begin")
    begin_last = clock.times("last", "epoch_begin")
    end_first = clock.times("first", "epoch_end")
    end_last = clock.times("last", "epoch_end")
    rows, previous_end = [], clock.times("first", "train_begin")[0]
    step_starts = iter(clock.times("last", "batch_begin"))
    step_ends = iter(clock.times("first", "batch_end"))
    batch_ends_last = iter(clock.times("last", "batch_end"))
    batches = [a for p, h, a, _ in clock.events if p == "first" and h == "batch_end"]
    counts = []
    for batch in batches:  # batch numbers restart at 0 every epoch
        if batch == 0:
            counts.append(0)
        counts[-1] += 1
    for epoch, n in enumerate(counts):
        starts = [next(step_starts) for _ in range(n)]
        ends = [next(step_ends) for _ in range(n)]
        ends_last = [next(batch_ends_last) for _ in range(n)]
        steps = [e - s for s, e in zip(starts, ends)]
        rows.append({
            "epoch": epoch + 1,
            "wall": end_last[epoch] - previous_end,
            "steps": steps,
            "before_first_step": starts[0] - begin_first[epoch],
            "epoch_begin_callbacks": begin_last[epoch] - begin_first[epoch],
            "between_steps": sum(s - e for e, s in zip(ends[:-1], starts[1:])),
            "batch_callbacks": sum(e2 - e1 for e1, e2 in zip(ends, ends_last)),
            "after_last_step": end_first[epoch] - ends_last[-1],
            "epoch_end_callbacks": end_last[epoch] - end_first[epoch],
            "end": end_last[epoch],
        })
        previous_end = end_last[epoch]
    train_end_last = clock.times("last", "train_end")[0]
    tail = {"train_end_callbacks": train_end_last - clock.times("first", "train_end")[0],
            "fit_return": fit_span[1] - train_end_last}
    return rows, tail


def report(rows, tail, clock, fit_span, run_span, settings):
    print(f"{settings['model']} on {settings['data']}, width {settings['width']}, "
          f"{len(rows)} epochs x {len(rows[0]['steps'])} steps, backend "
          f"{keras.backend.backend()}, default callbacks on")
    print(f"{'epoch':>5} {'wall s':>8} {'steps s':>8} {'in steps':>9} {'median step':>12} "
          f"{'lost s':>7}  where (s): before 1st step | between steps | after last | epoch-end cbs")
    for r in rows:
        total = sum(r["steps"])
        print(f"{r['epoch']:>5} {r['wall']:>8.2f} {total:>8.2f} {total / r['wall']:>8.1%} "
              f"{statistics.median(r['steps']):>12.3f} {r['wall'] - total:>7.2f}  "
              f"{r['before_first_step']:.2f} | {r['between_steps']:.2f} | "
              f"{r['after_last_step']:.2f} | {r['epoch_end_callbacks']:.2f}")
    later = rows[1:]
    if later:
        wall = fit_span[1] - rows[0]["end"]  # to fit's return: a stall at the end counts too
        steps = sum(sum(r["steps"]) for r in later)
        share = steps / wall
        verdict = "meets" if share >= TARGET else "BELOW"
        print(f"after the first epoch: {steps:.2f} s of steps in {wall:.2f} s of wall time "
              f"(to fit's return) = {share:.1%} ({verdict} the {TARGET:.0%} target)")
        n = len(later)
        print(f"  lost per epoch after the first (s): before 1st step "
              f"{sum(r['before_first_step'] for r in later) / n:.2f} (epoch-begin callbacks "
              f"{sum(r['epoch_begin_callbacks'] for r in later) / n:.2f}), between steps "
              f"{sum(r['between_steps'] for r in later) / n:.2f} (per-batch callbacks "
              f"{sum(r['batch_callbacks'] for r in later) / n:.2f}), after last step "
              f"{sum(r['after_last_step'] for r in later) / n:.2f}, epoch-end callbacks "
              f"{sum(r['epoch_end_callbacks'] for r in later) / n:.2f}")
    by_callback = sorted(((s, name, hook) for (name, hook), s in clock.spent.items()
                          if hook == "on_epoch_end"), reverse=True)
    print("  epoch-end callbacks, mean s per epoch over all epochs: " + ", ".join(
        f"{name} {s / len(rows):.2f}" for s, name, _ in by_callback))
    print(f"  fit: train_end callbacks {tail['train_end_callbacks']:.2f} s, then "
          f"{tail['fit_return']:.2f} s until fit returned; whole run {run_span[1] - run_span[0]:.1f} s "
          f"(fit {fit_span[1] - fit_span[0]:.1f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="wgan_gp")
    parser.add_argument("--data", default=None,
                        help="data source as on the command line (default: local MNIST, "
                             "else toy:ring8 with --steps-per-epoch 50)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps-per-epoch", type=int, default=None,
                        help="default: one pass over the data per epoch (the command line's)")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--jit-compile", default="auto")
    args = parser.parse_args(argv)

    data, steps = args.data, args.steps_per_epoch
    if data is None:
        folder = mnist.find_mnist()
        data = str(folder) if folder else "toy:ring8"
    if data.startswith("toy:") and steps is None:
        steps = 50
    jit = {"true": True, "false": False}.get(str(args.jit_compile).lower(), args.jit_compile)
    with tempfile.TemporaryDirectory() as out:
        settings = dict(model=args.model, data=data, out=out, epochs=args.epochs,
                        steps_per_epoch=steps, batch_size=args.batch_size, width=args.width,
                        jit_compile=jit, verbose=0)
        clock, fit_span, run_span = clocked_run(settings)
    rows, tail = epoch_rows(clock, fit_span)
    report(rows, tail, clock, fit_span, run_span, settings)


if __name__ == "__main__":
    main()
