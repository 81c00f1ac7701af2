"""WGAN-GP train-step speed over model sizes: keras_wgan against the textbook hand-written step.

Rows (`ROWS`): the toy MLPs (2-D points, 3 x 512 ReLU, batch 256 per critic step), the 28x28
DCGAN (`kw.architectures.dcgan_generator` / `dcgan_critic`, latent 128, batch 64 per critic
step) at widths 16, 32 and 64 with and without batch norm in the generator, and the 64x64x3
DCGAN (width 32, batch 32 per critic step: width 64 takes ~40 s a step on 2 CPU cores). Every
critic is normalisation-free, as WGAN-GP requires; 5 critic steps per generator step.

Columns, for each row and mode (graph: ``jit_compile=False``; XLA: True):
- ``keras_wgan``: ``kw.WGANGP``, as shipped;
- ``fused``: the same with real and fake scored in one critic call
  (``kw.WGANGP(fused_critic=True)``, `keras_wgan.models.critic_pass`);
- ``textbook``: `bench/textbook.py`, the hand-written Keras model, given networks built by the
  same builders from the same seed (identical weights).

Every variant of a row is built and compiled first, then the rounds interleave them (round
1: every variant, round 2: every variant, ...), so the machine's noise hits all alike. A
per-batch clock times each step (from Keras starting it to its logs coming back); the table
shows the median seconds per generator step over all rounds, the range of the rounds' own
medians, and each fit's seconds lost around its steps (wall time minus the steps: iterator
start and end, callbacks). ``speed`` is textbook seconds / variant seconds (> 1: faster than
the hand-written step). Ratios of interleaved rounds are what to compare across machines.

``--steps-per-execution 1 4 16`` times keras_wgan (and the textbook on TensorFlow) at each
``steps_per_execution`` instead, per row. Under ``KERAS_BACKEND=jax`` only keras_wgan and
fused run (the textbook is TensorFlow tapes), compiled with `jax.jit`.

    .venv/bin/python bench/train_step.py            # the full table (37 min on 2 busy cores)
    .venv/bin/python bench/train_step.py --quick    # two rows, 2 rounds of 2 steps (5 min)
    .venv/bin/python bench/train_step.py --rows mlp2d dcgan28-w32 --steps-per-execution 1 4 16
"""

import argparse
import contextlib
import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_wgan as kw  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from textbook import TextbookWGANGP  # noqa: E402

CRITIC_STEPS, PENALTY, LATENT_IMAGE = 5, 10.0, 128
TENSORFLOW = keras.backend.backend() == "tensorflow"


def _dcgan(side, channels, width, generator_norm, batch):
    return {"kind": "dcgan", "shape": (side, side, channels), "width": width,
            "generator_norm": generator_norm, "batch": batch, "latent": LATENT_IMAGE}


ROWS = {
    "mlp2d": {"kind": "mlp", "shape": (2,), "width": 512, "batch": 256, "latent": 2},
    **{f"dcgan28-w{w}{'-bn' if norm else ''}": _dcgan(28, 1, w, norm, 64)
       for w in (16, 32, 64) for norm in ("batch", None)},
    "dcgan64-w32-bn": _dcgan(64, 3, 32, "batch", 32),
}
QUICK_ROWS = ["mlp2d", "dcgan28-w16-bn"]
#: traces of a variant again when Grappler's remapper abandoned its step (see `measure`)
RETRACES = 2
REMAPPER_LEGEND = (f"R: Grappler's remapper abandoned the step's trace {RETRACES + 1} times in "
                   "a row (it runs without fused kernels); rN: it did on the first N traces, "
                   "then a fresh build traced fine")


def build_networks(row):
    """(generator, critic) of a row, from seed 0: every variant gets identical weights."""
    keras.utils.set_random_seed(0)
    arch = kw.architectures
    if row["kind"] == "mlp":
        return (arch.mlp_generator(row["latent"], 2, width=row["width"]),
                arch.mlp_critic(2, width=row["width"]))
    return (arch.dcgan_generator(row["latent"], row["shape"], width=row["width"],
                                 norm=row["generator_norm"]),
            arch.dcgan_critic(row["shape"], width=row["width"]))


def fused_wgan_gp(**kwargs):
    """`kw.WGANGP` scoring real and fake in one critic call (``fused_critic=True``)."""
    return kw.WGANGP(fused_critic=True, **kwargs)


def adam():
    return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)


IMPLS = {"keras_wgan": kw.WGANGP, "fused": fused_wgan_gp, "textbook": TextbookWGANGP}


def build(row, impl, jit, steps_per_execution=1):
    generator, critic = build_networks(row)
    if impl == "textbook":
        model = TextbookWGANGP(generator, critic, row["latent"], CRITIC_STEPS, PENALTY)
        model.compile(adam(), adam(), jit_compile=jit, steps_per_execution=steps_per_execution)
        return model
    model = IMPLS[impl](generator=generator, critic=critic, latent_dim=row["latent"],
                        critic_steps=CRITIC_STEPS, gradient_penalty=PENALTY, seed=0)
    model.compile(adam(), adam(), jit_compile=jit, steps_per_execution=steps_per_execution)
    return model


def dataset(row):
    """One fixed batch of ``critic_steps x batch`` real examples in [-1, 1], repeated; with
    tf.data autotuning off for every variant alike (see keras_wgan.backend.datasets)."""
    shape = (CRITIC_STEPS * row["batch"], *row["shape"])
    data = np.random.default_rng(0).uniform(-1, 1, shape).astype("float32")
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.from_tensors(data).repeat().with_options(options)


class StepClock(keras.callbacks.Callback):
    """Per-batch clock: each execution from Keras starting it to its logs coming back, with
    the process's CPU seconds over the same span and the number of generator steps it ran
    (``steps_per_execution`` runs several). CPU seconds count the work done by every thread
    of this process, so they move less than wall seconds when other jobs share the CPU."""

    def __init__(self):
        super().__init__()
        self.executions = []  # (wall seconds, cpu seconds, steps)

    def on_train_batch_begin(self, batch, logs=None):
        self._begin, self._start, self._cpu = batch, time.perf_counter(), time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        self.executions.append((time.perf_counter() - self._start,
                                time.process_time() - self._cpu, batch - self._begin + 1))


def timed_fit(model, data, steps):
    """``([wall s per generator step], [cpu s per step], s lost around the steps)``, one
    entry per step (an execution of n steps counts n times its mean)."""
    clock = StepClock()
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[clock],
              shuffle=False)
    wall = time.perf_counter() - start
    return ([w / n for w, _, n in clock.executions for _ in range(n)],
            [c / n for _, c, n in clock.executions for _ in range(n)],
            wall - sum(w for w, _, _ in clock.executions))


def measure(row, variants, rounds, steps, retraces=RETRACES):
    """``{variant: {"rounds": [[wall s per step]...], "cpu": [...], "lost": [s per fit],
    "remapper_failed": bool, "retraced": int}}`` over interleaved rounds. A variant is
    ``(impl, jit, steps_per_execution)``.

    Grappler's remapper abandons some traces of a WGAN-GP step with a LeakyReLU critic
    ("remapper failed: ... fanout ... LeakyReluGrad exist for missing node ... BiasAdd"),
    which then run without the remapper's fused kernels: on TensorFlow 2.21, the first such
    step traced in a process, library or textbook alike (7 of 7 processes), and later traces
    at random. `bench/remapper_cost.py` measured no cost above the noise from it on this CPU
    (the abandoned trace at 1.01-1.02x the normal one's speed, 28x28 DCGAN at widths 32 and
    64), but it is no property of either step, so a variant whose trace was abandoned is
    built and traced again, up to ``retraces`` times, and every variant is timed on the
    graph the remapper finished; ``remapper_failed`` says whether its last trace still was
    abandoned, ``retraced`` how often.
    """
    data = dataset(row)
    # Every model is built before any is warmed up: building a model (new variables and
    # functions) makes the next call of every step function already compiled cost about 1 s
    # of CPU once (measured on TensorFlow 2.21, the textbook's too), which is no cost of the
    # step.
    models = {v: build(row, *v) for v in variants}
    results = {v: {"rounds": [], "cpu": [], "lost": []} for v in variants}
    for v in variants:  # trace and compile outside the timings
        models[v], failed, retraced = warm_up(models[v], lambda v=v: build(row, *v), data, v[2],
                                              retraces)
        results[v].update(remapper_failed=failed, retraced=retraced)
    if any(r["retraced"] for r in results.values()):  # pay the rebuilds' one-off cost here
        for v, model in models.items():
            model.fit(data, steps_per_epoch=v[2], epochs=1, verbose=0, shuffle=False)
    for _ in range(rounds):
        for v, model in models.items():
            spe = v[2]
            wall, cpu, lost = timed_fit(model, data, spe * max(1, -(-steps // spe)))
            results[v]["rounds"].append(wall)
            results[v]["cpu"].append(cpu)
            results[v]["lost"].append(lost)
    return results


def remapper_flag(result):
    if result["remapper_failed"]:
        return " R"
    return f" r{result['retraced']}" if result["retraced"] else ""


def warm_up(model, rebuild, data, steps_per_execution=1, retraces=RETRACES,
            patch=contextlib.nullcontext):
    """Trace and compile ``model``'s step (two executions, under ``patch()``); while
    Grappler's remapper abandoned the trace, and at most ``retraces`` times, trace
    ``rebuild()`` instead. Returns ``(model, remapper still failed, retraces done)``."""
    retraced = 0
    while True:
        with patch(), GrapplerErrors() as errors:
            model.fit(data, steps_per_epoch=2 * steps_per_execution, epochs=1, verbose=0,
                      shuffle=False)
        failed = "remapper failed" in errors.text
        if not failed or retraced == retraces:
            return model, failed, retraced
        with patch():
            model = rebuild()
        retraced += 1


class GrapplerErrors:
    """Collect what TensorFlow's C++ runtime writes to stderr (file descriptor 2) meanwhile:
    Grappler reports a pass it had to abandon there ("remapper failed: ..."), and an abandoned
    remapper leaves the whole step function without its fused kernels."""

    def __enter__(self):
        import tempfile

        sys.stderr.flush()
        self._file = tempfile.TemporaryFile()
        self._saved = os.dup(2)
        os.dup2(self._file.fileno(), 2)
        self.text = ""
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.seek(0)
        self.text = self._file.read().decode("utf-8", "replace")
        self._file.close()
        sys.stderr.write("".join(line + "\n" for line in self.text.splitlines()
                                 if "remapper failed" not in line))
        return False


def summary(result):
    """``(median wall s/step over every step, min and max of the rounds' medians, median cpu
    s/step, median s lost per fit)``."""
    pooled = statistics.median(t for r in result["rounds"] for t in r)
    medians = [statistics.median(r) for r in result["rounds"]]
    cpu = statistics.median(t for r in result["cpu"] for t in r)
    return pooled, min(medians), max(medians), cpu, statistics.median(result["lost"])


def mode_name(jit):
    if not TENSORFLOW:
        return "jax" if jit else "jax eager"
    return "XLA" if jit else "graph"


def print_size_table(rows, impls, modes, rounds, steps):
    print(f"WGAN-GP train step, {CRITIC_STEPS} critic steps per generator step, {rounds} "
          f"interleaved rounds x {steps} steps, backend {keras.backend.backend()}, devices "
          f"{[d.device_type for d in tf.config.list_physical_devices()]}")
    print("s/step: wall seconds per generator step, median [range of the rounds' medians]; "
          "cpu: CPU seconds of this process per step (median); speed: textbook / variant "
          "(> 1 is faster than the hand-written step), wall and cpu; lost: seconds per fit "
          "around its steps; " + REMAPPER_LEGEND)
    print(f"{'row':<16}{'mode':<7}{'variant':<12}{'s/step':>26}{'cpu':>9}{'speed':>8}"
          f"{'cpu speed':>10}{'lost':>7}")
    for name in rows:
        variants = [(impl, jit, 1) for jit in modes for impl in impls]
        results = measure(ROWS[name], variants, rounds, steps)
        for jit in modes:
            stats = {impl: summary(results[(impl, jit, 1)]) for impl in impls}
            for impl in impls:
                med, low, high, cpu, lost = stats[impl]
                speed = cpu_speed = ""
                if "textbook" in impls:
                    speed = f"{stats['textbook'][0] / med:.2f}x"
                    cpu_speed = f"{stats['textbook'][3] / cpu:.2f}x"
                flag = remapper_flag(results[(impl, jit, 1)])
                print(f"{name:<16}{mode_name(jit):<7}{impl:<12}"
                      f"{f'{med:.4f} [{low:.4f}-{high:.4f}]':>26}{cpu:>9.4f}{speed:>8}"
                      f"{cpu_speed:>10}{lost:>7.2f}{flag}", flush=True)
        if len(modes) == 2 and "keras_wgan" in impls and TENSORFLOW:
            graph, xla = (summary(results[("keras_wgan", j, 1)])[0] for j in (False, True))
            auto = kw.backend.resolve_jit_compile("auto")
            print(f"{name:<16}keras_wgan XLA speed / graph speed: {graph / xla:.2f}x; "
                  f"jit_compile='auto' picks {'XLA' if auto else 'graph'} here", flush=True)


def print_execution_table(rows, impls, modes, rounds, steps, values):
    print(f"steps_per_execution {values}, backend {keras.backend.backend()}, {rounds} "
          f"interleaved rounds of >= {steps} steps; s per generator step: median [range of "
          "round medians]; speed = the spe=1 variant's s / this one's")
    print(f"{'row':<16}{'variant':<22}{'spe':>4}{'s/step':>26}{'cpu':>9}{'speed':>8}"
          f"{'cpu speed':>10}{'lost':>8}")
    for name in rows:
        variants = [(impl, jit, spe) for jit in modes for impl in impls for spe in values]
        results = measure(ROWS[name], variants, rounds, steps)
        for impl, jit, spe in variants:
            med, low, high, cpu, lost = summary(results[(impl, jit, spe)])
            base = summary(results[(impl, jit, values[0])])
            label = f"{impl} {mode_name(jit)}"
            print(f"{name:<16}{label:<22}{spe:>4}{f'{med:.4f} [{low:.4f}-{high:.4f}]':>26}"
                  f"{cpu:>9.4f}{base[0] / med:>7.2f}x{base[3] / cpu:>9.2f}x{lost:>8.2f}",
                  flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", choices=sorted(ROWS), default=list(ROWS))
    parser.add_argument("--impls", nargs="+", choices=sorted(IMPLS),
                        default=["keras_wgan", "fused", "textbook"] if TENSORFLOW
                        else ["keras_wgan", "fused"])
    parser.add_argument("--modes", nargs="+", choices=["graph", "xla"],
                        default=["graph", "xla"] if TENSORFLOW else ["xla"])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds")
    parser.add_argument("--steps", type=int, default=4, help="generator steps per round")
    parser.add_argument("--steps-per-execution", type=int, nargs="+", metavar="N",
                        help="time these steps_per_execution values instead of the size table")
    parser.add_argument("--quick", action="store_true",
                        help=f"rows {', '.join(QUICK_ROWS)}, 2 rounds of 2 steps")
    args = parser.parse_args(argv)
    if not TENSORFLOW and "textbook" in args.impls:
        parser.error("the textbook step is TensorFlow only: pass --impls keras_wgan fused")
    if min(args.rounds, args.steps, *(args.steps_per_execution or [1])) < 1:
        parser.error("--rounds, --steps and --steps-per-execution must be >= 1")
    rows, rounds, steps = args.rows, args.rounds, args.steps
    if args.quick:
        rows, rounds, steps = QUICK_ROWS, 2, 2
    modes = [mode == "xla" for mode in args.modes]
    if args.steps_per_execution:
        print_execution_table(rows, args.impls, modes, rounds, steps, args.steps_per_execution)
    else:
        print_size_table(rows, args.impls, modes, rounds, steps)


if __name__ == "__main__":
    main()
