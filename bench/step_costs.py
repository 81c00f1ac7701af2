"""What keras_wgan's WGAN-GP step adds over the textbook step: traced ops and step time.

Each variant is ``kw.WGANGP`` traced with one cost taken out (a patch applied while the step
is traced and compiled, so only that variant's graph changes), next to the library as
shipped and the hand-written textbook step (`bench/textbook.py`) on the same networks:

- ``metrics_once``: each metric updated once per step with the stacked values of its
  ``critic_steps`` updates (a `Mean` adds their sum and their count: the same epoch mean),
  instead of once per critic update;
- ``no_grad_scale``: the gradient penalty's ``GRADIENT_SCALE`` multiply and divide
  (``keras_wgan.layers``), there for float16 critics, left out in float32;
- ``plain_norm``: ``sqrt(sum(g^2))`` instead of the masked safe norm (*changes* the value's
  gradient where a gradient norm is exactly 0: a measurement only);
- ``stateful_rng``: `tf.random` draws instead of the model's and the penalty's
  `keras.random.SeedGenerator` (*loses* seeded, resumable noise: a measurement only);
- ``no_replica``: the replica helpers (``replica_slice``, ``scale_for_replicas``,
  ``reducible_logs``) replaced by identities, and ``optimizer.scale_loss`` too;
- ``fused``: real and fake scored in one critic call (`keras_wgan.models.critic_pass`);
- ``lean``: ``metrics_once`` + ``no_grad_scale`` + ``fused``, the removals that keep the
  behaviour.

Ops: the operations of the traced `train_step` graph (`tf.function(...).get_concrete_function`,
before Grappler), by type. Time: wall and CPU seconds per generator step from interleaved
rounds (as `bench/train_step.py`), graph mode, and XLA with ``--modes graph xla``.

    .venv/bin/python bench/step_costs.py [--rows mlp2d dcgan28-w16] [--rounds 3 --steps 4]
"""

import argparse
import collections
import contextlib
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_step as bench  # noqa: E402  (sets the backend and log level first)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

from keras_wgan import layers as kw_layers  # noqa: E402
from keras_wgan.models import adversarial  # noqa: E402


@contextlib.contextmanager
def patched(*changes):
    """Set ``(owner, name, value)`` attributes for the duration, then restore them."""
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in changes]
    for owner, name, value in changes:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


def metrics_once():
    """Buffer each step's metric values and update each `Mean` once, with all of them, just
    before the step reads the results (``self.metrics``)."""
    model_class = adversarial.AdversarialModel
    record, metrics = model_class._record, model_class.metrics

    def buffered_record(self, values):
        pending = self.__dict__.setdefault("_pending_updates", collections.defaultdict(list))
        for name, value in values.items():
            pending[name].append(value)

    def flushing_metrics(self):
        pending = self.__dict__.pop("_pending_updates", None)
        if pending:
            record(self, {name: ops.stack(values) for name, values in pending.items()})
        return metrics.fget(self)

    return patched((model_class, "_record", buffered_record),
                   (model_class, "metrics", property(flushing_metrics)))


def no_grad_scale():
    def unscaled_input_gradients(critic, x):
        def scores(inputs):
            return ops.cast(critic(inputs, training=True), "float32")

        return ops.cast(kw_layers.input_gradients(scores, x), "float32")

    def gradient_norms(self, real, fake, critic):
        mixed = self.interpolate(real, fake)
        return kw_layers.safe_l2_norm(unscaled_input_gradients(critic, mixed))

    return patched((kw_layers, "scaled_input_gradients", unscaled_input_gradients),
                   (kw_layers.GradientPenalty, "gradient_norms", gradient_norms))


def plain_norm():
    def norm(x):
        return ops.sqrt(ops.sum(ops.square(ops.reshape(x, (ops.shape(x)[0], -1))), axis=1))

    return patched((kw_layers, "safe_l2_norm", norm))


def stateful_rng():
    def sample_noise(self, batch_size):
        return tf.random.normal((batch_size, self.latent_dim))

    def interpolate(self, real, fake):
        alpha = tf.random.uniform([tf.shape(real)[0]] + [1] * (len(real.shape) - 1))
        return fake + alpha * (real - fake)

    return patched((adversarial.AdversarialModel, "sample_noise", sample_noise),
                   (kw_layers.GradientPenalty, "interpolate", interpolate))


def no_replica():
    def same(x, *args):
        return x

    return patched((adversarial, "reducible_logs", same), (adversarial, "scale_for_replicas", same),
                   (adversarial, "replica_slice", lambda draw, n: draw(n)),
                   (kw_layers, "replica_slice", lambda draw, n: draw(n)),
                   (keras.optimizers.Optimizer, "scale_loss", lambda self, loss: loss))


@contextlib.contextmanager
def lean():
    with metrics_once(), no_grad_scale():
        yield


# name -> (implementation in bench/train_step.py, patch applied while tracing)
VARIANTS = {
    "keras_wgan": ("keras_wgan", contextlib.nullcontext),
    "metrics_once": ("keras_wgan", metrics_once),
    "no_grad_scale": ("keras_wgan", no_grad_scale),
    "plain_norm": ("keras_wgan", plain_norm),
    "stateful_rng": ("keras_wgan", stateful_rng),
    "no_replica": ("keras_wgan", no_replica),
    "fused": ("fused", contextlib.nullcontext),
    "lean": ("fused", lean),
    "textbook": ("textbook", contextlib.nullcontext),
}


def traced_ops(model, row):
    """``Counter(op type -> count)`` of the model's `train_step` graph, nested functions too."""
    spec = tf.TensorSpec((bench.CRITIC_STEPS * row["batch"], *row["shape"]), tf.float32)
    step = tf.function(lambda data: model.distribute_strategy.run(model.train_step, (data,)))
    graph = step.get_concrete_function(spec).graph
    counts = collections.Counter(op.type for op in graph.get_operations())
    for function in graph.as_graph_def().library.function:
        counts.update(node.op for node in function.node_def)
    return counts


def measure(row, names, modes, rounds, steps):
    data = bench.dataset(row)
    models, ops_by_name, results = {}, {}, {}
    for name in names:  # every model built (and its ops traced) before any is warmed up
        impl, patch = VARIANTS[name]
        for jit in modes:
            with patch():
                models[(name, jit)] = bench.build(row, impl, jit)
                if name not in ops_by_name:
                    ops_by_name[name] = traced_ops(models[(name, jit)], row)
    for (name, jit), model in models.items():  # trace and compile, under the same patch
        impl, patch = VARIANTS[name]
        models[(name, jit)], failed, retraced = bench.warm_up(
            model, lambda impl=impl, jit=jit: bench.build(row, impl, jit), data, patch=patch)
        results[(name, jit)] = {"rounds": [], "cpu": [], "lost": [], "remapper_failed": failed,
                                "retraced": retraced}
    if any(r["retraced"] for r in results.values()):  # pay the rebuilds' one-off cost here
        for model in models.values():
            model.fit(data, steps_per_epoch=1, epochs=1, verbose=0, shuffle=False)
    for _ in range(rounds):
        for key, model in models.items():
            wall, cpu, lost = bench.timed_fit(model, data, steps)
            results[key]["rounds"].append(wall)
            results[key]["cpu"].append(cpu)
            results[key]["lost"].append(lost)
    return ops_by_name, results


def print_ops_diff(ops_by_name, base="keras_wgan", other="textbook", top=14):
    a, b = ops_by_name[base], ops_by_name[other]
    print(f"op types where {base} and {other} differ most ({base} - {other}):")
    diffs = sorted(set(a) | set(b), key=lambda k: -abs(a[k] - b[k]))
    print("  " + ", ".join(f"{k} {a[k] - b[k]:+d}" for k in diffs[:top] if a[k] != b[k]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", choices=sorted(bench.ROWS),
                        default=["mlp2d", "dcgan28-w16"])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--modes", nargs="+", choices=["graph", "xla"], default=["graph"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args(argv)
    if not bench.TENSORFLOW:
        parser.error("step_costs counts TensorFlow graph ops: run it with "
                     "KERAS_BACKEND=tensorflow")
    if min(args.rounds, args.steps) < 1:
        parser.error("--rounds and --steps must be >= 1")
    names = ["keras_wgan", *[n for n in args.variants if n != "keras_wgan"]]
    modes = [m == "xla" for m in args.modes]
    print(f"{args.rounds} interleaved rounds x {args.steps} steps; ops: traced train_step "
          "graph (before Grappler); s/step wall median [range of round medians]; cpu s/step "
          "median; share: (keras_wgan - variant) / keras_wgan, in ops and in cpu seconds")
    print(f"{'row':<14}{'mode':<7}{'variant':<15}{'ops':>7}{'op share':>10}{'s/step':>26}"
          f"{'cpu':>9}{'cpu share':>11}")
    for row_name in args.rows:
        row = bench.ROWS[row_name]
        ops_by_name, results = measure(row, names, modes, args.rounds, args.steps)
        for jit in modes:
            base_ops = sum(ops_by_name["keras_wgan"].values())
            base_cpu = bench.summary(results[("keras_wgan", jit)])[3]
            for name in names:
                med, low, high, cpu, _ = bench.summary(results[(name, jit)])
                count = sum(ops_by_name[name].values())
                flag = bench.remapper_flag(results[(name, jit)])
                print(f"{row_name:<14}{bench.mode_name(jit):<7}{name:<15}{count:>7}"
                      f"{(base_ops - count) / base_ops:>9.1%}"
                      f"{f'{med:.4f} [{low:.4f}-{high:.4f}]':>26}{cpu:>9.4f}"
                      f"{(base_cpu - cpu) / base_cpu:>10.1%}{flag}", flush=True)
        if "textbook" in ops_by_name:
            print_ops_diff(ops_by_name)
            if "lean" in ops_by_name:
                print_ops_diff(ops_by_name, "lean")
    print(bench.REMAPPER_LEGEND + "; variants marked 'measurement only' in the docstring "
          "change behaviour.")


if __name__ == "__main__":
    main()
