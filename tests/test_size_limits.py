"""Sizes and numbers past what the machine or float32 can hold: one line, exit status 2, before
anything is allocated (JAX's allocator aborts the process on a 10^8 x 10^8 kernel), nothing
written."""

import keras
import numpy as np
import pytest

from keras_wgan import architectures, memory, sampling
from keras_wgan.app import cli
from keras_wgan.models import validation
from keras_wgan.training import fit

pytestmark = pytest.mark.all_backends

TRAIN = ["train", "--data", "toy:ring8", "--steps-per-epoch", "1", "--epochs", "1"]

# Each asks for far more than any machine holds (the smallest, --latent-dim 10^11: 93 TiB;
# the README's examples, measured here, use smaller ones that a 64 GiB machine could hold),
# so the refusal holds on every machine; the flag is what the one-line error must name.
TOO_LARGE = [
    (["--width", "100000000", "--latent-dim", "1"], "--width"),  # a 10^8 x 10^8 kernel
    (["--width", "1000000"], "--width"),
    (["--width", "10000000000", "--latent-dim", "1"], "--width"),  # 2e20 parameters: past int64
    (["--latent-dim", "100000000000"], "--latent-dim"),
    (["--batch-size", "1000000000000"], "--batch-size"),
    (["--critic-steps", "1000000000000"], "--critic-steps"),
    # Refused while parsing: what float32 or the seed cannot hold.
    (["--seed", str(validation.MAX_SEED + 1)], "--seed"),
    (["--lr", "1e308"], "--lr"),  # inf in float32
    (["--lr", "1e-320"], "--lr"),  # 0 in float32
    (["--gp-weight", "1e300"], "--gp-weight"),
    (["--clip-value", "1e-320"], "--clip-value"),
    (["--model", "wgan", "--clip-value", "1e39"], "--clip-value"),
]


@pytest.mark.parametrize("extra,flag", TOO_LARGE, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_train_refuses_what_cannot_fit_in_one_line_and_writes_nothing(extra, flag, tmp_path,
                                                                        capsys):
    out = tmp_path / "out"
    assert cli.main(TRAIN + extra + ["--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and flag in err and err.startswith("keras-wgan train: error: "), err
    assert list(tmp_path.iterdir()) == []


def test_sample_refuses_a_seed_or_label_past_the_range(tmp_path, capsys):
    png = tmp_path / "s.png"
    assert cli.main(["sample", "wgan_gp/grid25", "--seed", str(2**64), "--out", str(png)]) == 2
    assert "--seed" in capsys.readouterr().err
    assert cli.main(["sample", "wgan_gp/grid25", "--seed", str(validation.MAX_SEED),
                     "--n", "4", "--out", str(png)]) == 0  # the edge is a seed
    png.unlink()
    assert cli.main(["sample", "wgan_gp/mnist_conditional", "--label", str(10**30),
                     "--out", str(png)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"--label {10**30}: " in err and "classes 0 to 9" in err, err
    assert not png.exists()


def test_a_huge_label_is_named_in_range_terms_not_as_a_dtype():
    with pytest.raises(ValueError, match=r"must be in \[0, 10\).*got 10{30}"):
        sampling.class_labels(4, 10, labels=10**30)


def test_the_networks_are_counted_exactly_without_being_allocated():
    def networks():
        return (architectures.dcgan_generator(16, (28, 28, 1), 8, num_classes=10),
                architectures.dcgan_critic((28, 28, 1), 8, num_classes=10))

    counted = memory.parameter_count(networks)
    assert counted == sum(m.count_params() for m in networks())
    # A trillion-parameter pair is counted in a stateless scope, and Keras is left with no
    # deferred variable to initialise (allocate) at the next scope's exit.
    huge = memory.parameter_count(lambda: (architectures.mlp_generator(1, 2, 10**8),))
    assert huge == 2 * 10**16 + 6 * 10**8 + 2  # Dense 1->1e8, two 1e8->1e8, 1e8->2, biases
    # Exact past 2^63 too (NumPy's product wrapped, and a wrapped count could pass the check).
    assert memory.parameter_count(lambda: (architectures.mlp_generator(1, 2, 10**10),)) == (
        2 * 10**20 + 6 * 10**10 + 2)
    with keras.StatelessScope():
        pass  # its exit initialises every deferred variable: none is left over from the count


def test_counting_leaves_no_trace_on_the_build_that_follows():
    # The count once moved Keras's layer-name counters (a recipe's generator then no longer
    # matched its stored config: dense_1 for dense) and Python's random state (unseeded
    # initializers draw from it: a seeded run started from other weights).
    def networks():
        return (architectures.dcgan_generator(16, (28, 28, 1), 8, num_classes=10),
                architectures.dcgan_critic((28, 28, 1), 8, num_classes=10))

    def seeded_build(count_first):
        keras.utils.set_random_seed(3)
        if count_first:
            memory.parameter_count(networks)
        return networks()

    plain = seeded_build(count_first=False)
    counted = seeded_build(count_first=True)
    for a, b in zip(plain, counted):
        assert len(a.layers) == len(b.layers)
        assert all(x.name.split("_")[0] == y.name.split("_")[0]
                   for x, y in zip(a.layers, b.layers))
        for wa, wb in zip(a.weights, b.weights):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(wa),
                                          keras.ops.convert_to_numpy(wb))
    from keras.src.backend.common import global_state

    uids = dict(global_state.get_global_attribute("object_name_uids"))
    memory.parameter_count(networks)
    assert dict(global_state.get_global_attribute("object_name_uids")) == uids


def test_build_model_refuses_networks_past_the_memory_and_names_the_sizes():
    with pytest.raises(ValueError, match=r"width 100000000 \(--width\) and latent_dim 1 .*"
                                         r"more than this machine's"):
        fit.build_model("wgan_gp", (2,), latent_dim=1, width=10**8)
    # Against a 1 MiB machine even the tiny toy networks are refused; the bound is a floor:
    # parameters x (weight, gradient, two Adam moments) x 4 bytes.
    small = lambda: (architectures.mlp_generator(2, 2, 64), architectures.mlp_critic(2, 64))
    n = memory.parameter_count(small)
    memory.require_networks_fit(small, "these", memory=16 * n)  # exactly enough: accepted
    with pytest.raises(ValueError, match="these make networks of"):
        memory.require_networks_fit(small, "these", memory=16 * n - 1)


def test_one_step_s_batch_is_held_against_memory():
    memory.require_batch_fits(10, (28, 28, 1), "x", memory=10 * 784 * 4)
    with pytest.raises(ValueError, match=r"reads 10 examples of shape \(28, 28, 1\) \(x\)"):
        memory.require_batch_fits(10, (28, 28, 1), "x", memory=10 * 784 * 4 - 1)
    memory.require_batch_fits(10**12, (None, None, 3), "x", memory=1)  # shape unknown: no check


OUT_OF_MEMORY = [
    (MemoryError(), True),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate "
                  "memory: you tried to allocate 40000000000000000 bytes."), True),  # PyTorch
    (type("ResourceExhaustedError", (Exception,), {})("OOM when allocating tensor with "
                                                       "shape[100000000,100000000]"), True),
    (RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate 4 bytes"), True),
    (ValueError("width must be an integer >= 1"), False),
    (RuntimeError("'d_loss' became non-finite at generator step 1"), False),
]


@pytest.mark.parametrize("error,expected", OUT_OF_MEMORY, ids=lambda v: type(v).__name__)
def test_each_backend_s_allocation_failure_is_recognised(error, expected):
    assert memory.is_out_of_memory(error) is expected


def test_the_failed_allocation_is_named_in_a_few_words():
    named = [memory.failed_allocation(error) for error, _ in OUT_OF_MEMORY[:4]]
    assert named == ["MemoryError", "allocating 40,000,000,000,000,000 bytes",
                     "allocating a tensor of shape (100000000,100000000)",
                     "allocating 4 bytes"]


def test_an_allocation_failure_mid_run_is_one_line_and_status_2(monkeypatch, capsys):
    from keras_wgan.app import commands

    def run_out(args):
        raise RuntimeError("RESOURCE_EXHAUSTED: Out of memory while trying to allocate\nmore")

    monkeypatch.setattr(commands, "sample", run_out)
    assert cli.main(["sample", "wgan_gp/grid25"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "out of memory (RESOURCE_EXHAUSTED: Out of memory while" in err, err
    assert err.endswith("lower --batch-size, --critic-steps, --width, --latent-dim or "
                        "--image-size (sample, eval: --n)."), err


def test_float32_range_checks_accept_the_edges():
    tiny, huge = validation.FLOAT32_TINY, validation.FLOAT32_MAX
    assert validation.check_float(tiny, "lr", above=0, float32=True) == tiny
    assert validation.check_float(huge, "lr", above=0, float32=True) == huge
    assert validation.check_float(0, "gp_weight", minimum=0, float32=True) == 0.0
    for value in (tiny / 2, float(np.nextafter(np.float64(huge), np.inf))):
        with pytest.raises(ValueError, match="within float32's range"):
            validation.check_float(value, "lr", above=0, float32=True)
    assert validation.check_float(1e300, "minutes", above=0) == 1e300  # not a float32 setting


def test_generate_refuses_more_samples_than_memory_holds_before_drawing_them():
    import keras_wgan as kw

    with pytest.raises(ValueError, match=r"n=1,000,000,000,000 samples' noise .*\(generate in "
                                         r"chunks"):
        kw.hub.load("wgan_gp/grid25").generate(10**12)
    # Noise that fits (4 MB), samples that do not: 10^6 of 10^6 floats, 2 x 4 TB.
    wide = keras.Sequential([keras.Input((1,)), keras.layers.Dense(10**6, use_bias=False)])
    with pytest.raises(ValueError, match=r"n=1,000,000 samples of shape \(1000000,\)"):
        sampling.generate(wide, 1, 10**6, batch_size=1)
    assert sampling.generate(wide, 1, 2, batch_size=1).shape == (2, 10**6)


def test_a_toy_batch_past_memory_is_refused_when_the_dataset_is_made():
    from keras_wgan import data

    with pytest.raises(ValueError, match=r"a batch of 10,000,000,000,000 toy:ring8 points: "
                                         r".*lower batch_size"):
        data.toy_dataset("ring8", 10**13)
