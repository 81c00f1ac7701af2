"""The step-speed benchmarks measure what they claim (TensorFlow: `bench/train_step.py`,
`bench/step_costs.py`, `bench/remapper_cost.py`, `bench/textbook.py`).

The variants that take a cost out of keras_wgan's step without changing its behaviour (one
critic call on real and fake, metric updates once per step, no float16 gradient scaling in
float32) train to the same weights and logs as the library; the textbook baseline updates both
players; and the replica helpers add no op to a step outside any strategy. No timings here:
the benchmarks print them.
"""

import contextlib
import os
import pathlib
import sys

import numpy as np
import pytest
import tensorflow as tf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))
import remapper_cost  # noqa: E402
import step_costs  # noqa: E402
import train_step  # noqa: E402

from keras_wgan.backend import tensorflow as tf_backend  # noqa: E402

TINY = {"kind": "dcgan", "shape": (28, 28, 1), "width": 4, "generator_norm": "batch",
        "batch": 4, "latent": 8}


def weights(model):
    return [v.numpy() for net in (model.generator, model.critic) for v in net.trainable_variables]


def trained(impl, patch=contextlib.nullcontext, steps=2):
    with patch():
        model = train_step.build(TINY, impl, False)
        start = weights(model)
        history = model.fit(train_step.dataset(TINY), steps_per_epoch=steps, verbose=0)
    return start, weights(model), history.history


# "lean" takes out every behaviour-keeping cost at once; the single ones run in make test-slow
# (about 20 s each on 2 cores).
@pytest.mark.parametrize("variant", [
    "fused", pytest.param("metrics_once", marks=pytest.mark.slow),
    pytest.param("no_grad_scale", marks=pytest.mark.slow), "lean"])
def test_cost_free_variants_train_like_the_library(variant):
    impl, patch = step_costs.VARIANTS[variant]
    start, reference, reference_logs = trained("keras_wgan")
    _, after, logs = trained(impl, patch)
    assert max(np.abs(a - b).max() for a, b in zip(reference, start)) > 1e-4  # it trained...
    for a, b in zip(after, reference):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)  # ...to the same weights
    assert logs.keys() == reference_logs.keys()
    for name in logs:
        np.testing.assert_allclose(logs[name], reference_logs[name], rtol=1e-4, atol=1e-5)


def test_textbook_baseline_updates_both_players():
    model = train_step.build(TINY, "textbook", False)
    before = {id(v): v.numpy() for v in model.trainable_variables}
    model.fit(train_step.dataset(TINY), steps_per_epoch=1, verbose=0, shuffle=False)
    for network in (model.generator, model.critic):
        assert max(np.abs(v.numpy() - before[id(v)]).max()
                   for v in network.trainable_variables) > 1e-5


def test_replica_helpers_add_no_op_outside_a_strategy():
    seen = []

    @tf.function
    def step(loss):
        seen.append(tf_backend.replica_info())
        return tf_backend.scale_for_replicas(loss)

    graph = step.get_concrete_function(tf.TensorSpec((), tf.float32)).graph
    assert seen == [(0, 1)]  # Python numbers at trace time: nothing traced for them
    assert [op.type for op in graph.get_operations()] == ["Placeholder", "Identity"]


@pytest.mark.slow  # 36 s on 2 cores: the benchmark's printing, not the library
def test_size_table_prints_each_variant_with_its_speed_against_the_textbook(monkeypatch, capsys):
    monkeypatch.setitem(train_step.ROWS, "tiny", TINY)
    train_step.main(["--rows", "tiny", "--modes", "graph", "--rounds", "1", "--steps", "3"])
    lines = [line.split() for line in capsys.readouterr().out.splitlines()
             if line.startswith("tiny ")]
    assert [line[2] for line in lines] == ["keras_wgan", "fused", "textbook"]
    for line in lines:
        assert line[1] == "graph"
        median, low, high = float(line[3]), float(line[4][1:].split("-")[0]), float(
            line[4].split("-")[1][:-1])
        assert 0 < low <= median <= high  # one round: its median is the pooled median
        assert line[6].endswith("x") and line[7].endswith("x")
    assert lines[-1][6:8] == ["1.00x", "1.00x"]  # the textbook against itself


class _TraceRecorder:
    """Stands in for a model whose trace Grappler's remapper abandons ``failing`` times."""

    built = 0

    def __init__(self, failing):
        self.failing, self.index = failing, _TraceRecorder.built
        _TraceRecorder.built += 1

    def fit(self, data, **kwargs):
        if self.index < self.failing:  # what TensorFlow's C++ runtime writes to stderr
            os.write(2, b"E0000 meta_optimizer.cc:967] remapper failed: INVALID_ARGUMENT\n")


@pytest.mark.parametrize("failing, expected", [(0, (0, False, 0)), (1, (1, False, 1)),
                                               (9, (train_step.RETRACES, True,
                                                    train_step.RETRACES))])
def test_warm_up_traces_a_fresh_build_while_the_remapper_abandons_the_step(failing, expected):
    _TraceRecorder.built = 0
    model, failed, retraced = train_step.warm_up(
        _TraceRecorder(failing), lambda: _TraceRecorder(failing), data=None)
    assert (model.index, failed, retraced) == expected
    assert train_step.remapper_flag({"remapper_failed": failed, "retraced": retraced}) == (
        " R" if failed else f" r{retraced}" if retraced else "")


@pytest.mark.slow  # 17 s on 2 cores: the benchmark's bookkeeping, not the library
def test_remapper_cost_times_each_identical_model_and_says_whose_trace_was_abandoned(
        monkeypatch, capsys):
    monkeypatch.setitem(train_step.ROWS, "tiny", TINY)
    results = remapper_cost.main(["--row", "tiny", "--models", "2", "--rounds", "2",
                                  "--steps", "1"])
    assert len(results) == 2
    for failed, times in results:
        assert isinstance(failed, bool) and len(times) == 2 and min(times) > 0
    lines = capsys.readouterr().out.strip().splitlines()[-2:]
    assert [line.split()[0] for line in lines] == ["0", "1"]
    assert all(line.split()[1] in ("abandoned", "ran") for line in lines)
