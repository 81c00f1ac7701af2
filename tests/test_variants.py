"""The variant registry, named penalties, the one sentinel convention and honest metric names."""

import argparse
import ast
import pathlib

import keras
import numpy as np
import pytest

import keras_wgan as kw
from keras_wgan import losses, training
from keras_wgan.app import cli
from keras_wgan.architectures.spectral_norm import SpectralNormalization
from keras_wgan.models import VARIANTS, get_variant, paper_optimizers
from tests.conftest import tiny_toy_pair
from tests.test_models import ROWS, make

# Runs on every installed backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_registered_variant_has_one_row():
    assert set(ROWS) == set(VARIANTS)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_defaults_match_its_row(name):
    row, variant = ROWS[name], VARIANTS[name]
    gan = make(variant.model_class)
    gan.compile()
    assert get_variant(name) is variant and kw.models.get_model_class(name) is variant.model_class
    assert (gan.objective.name, gan.critic_steps, gan.clip_value) == (
        row["objective"], row["critic_steps"], row["clip_value"])
    assert {k: p.weight for k, p in gan.penalties.items()} == row["penalties"]
    assert variant.critic_norm == row["critic_norm"]
    assert set(variant.metric_names) == row["metrics"]
    class_name, rate, settings = row["optimizer"]
    for optimizer in (gan.generator_optimizer, gan.discriminator_optimizer):
        assert type(optimizer).__name__ == class_name
        assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(rate)
        assert {k: optimizer.get_config()[k] for k in settings} == pytest.approx(settings)
    assert variant.reference and variant.summary and variant.title


def _model_choices(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return _model_choices(action.choices["train"])
        if "--model" in action.option_strings:
            return list(action.choices)
    raise AssertionError("no --model flag")


def test_command_line_choices_are_the_registry():
    assert _model_choices(cli.parser()) == list(VARIANTS)
    examples = cli.add_run_arguments(argparse.ArgumentParser(), "out", 1)
    assert _model_choices(examples) == list(VARIANTS)
    args = cli.parser().parse_args(["train", "--model", "hinge", "--data", "toy:ring8"])
    assert args.model == "hinge"


def _tables(tree):
    """A test module's tables: module-level assignments and `parametrize` arguments (a set of
    names a test checks is contained in the registry is not a table)."""
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            yield node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize":
            yield from node.args


def _name_lists(path, names):
    """Literal lists/tuples/sets/dict keys in ``path`` holding 3 or more variant names."""
    tree = ast.parse(path.read_text())
    is_test = path.name.startswith("test_")
    for root in (_tables(tree) if is_test else [tree]):
        for node in ast.walk(root):
            if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = node.keys
            else:
                continue
            found = [e.value for e in items if isinstance(e, ast.Constant) and e.value in names]
            if len(found) >= 3:
                where = path.relative_to(ROOT) if ROOT in path.parents else path
                yield f"{where}:{node.lineno} {found}"


def test_no_list_of_model_names_is_written_outside_the_registry():
    # Model names spelled out as a list drift from the registry (a new variant would be missed
    # there): none in the package, the benchmarks and the test scripts, and no test table or
    # parametrization but the rows in tests/test_models.py.
    names = set(VARIANTS) | {v.model_class.__name__ for v in VARIANTS.values()}
    allowed = {ROOT / "tests" / "test_models.py"}
    hits = [hit for folder in ("keras_wgan", "bench", "tests", "examples")
            for path in sorted((ROOT / folder).rglob("*.py")) if path not in allowed
            for hit in _name_lists(path, names)]
    assert not hits, hits


def test_the_name_list_check_finds_lists_and_tables(tmp_path):
    names = set(VARIANTS)
    module = tmp_path / "experiment.py"
    module.write_text('MODELS = ("gan", "nsgan", "wgan", "wgan_gp")\n')
    table = tmp_path / "test_x.py"
    table.write_text('import pytest\n\n\n@pytest.mark.parametrize("m", ["gan", "nsgan", "wgan"])\n'
                     'def test_a(m):\n    assert {"gan", "nsgan", "wgan"} <= {m}\n')
    assert len(list(_name_lists(module, names))) == 1
    assert [hit.split()[0] for hit in _name_lists(table, names)] == [f"{table}:4"]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_build_model_uses_the_declared_critic_normalization(name):
    gan = training.build_model(name, (28, 28, 1), latent_dim=4, width=4)
    assert type(gan) is VARIANTS[name].model_class
    batch_norm = any(isinstance(layer, keras.layers.BatchNormalization)
                     for layer in gan.critic._flatten_layers(include_self=False))
    assert batch_norm == (VARIANTS[name].critic_norm == "batch")
    spectral = any(isinstance(layer, SpectralNormalization)
                   for layer in gan.critic._flatten_layers(include_self=False))
    assert spectral == (VARIANTS[name].critic_norm == "spectral")
    toy = training.build_model(name, (2,), latent_dim=2, width=4)  # the MLP critic too
    assert spectral == any(isinstance(layer, SpectralNormalization)
                           for layer in toy.critic._flatten_layers(include_self=False))


def test_every_registered_class_is_reachable_from_both_namespaces():
    for variant in VARIANTS.values():
        name = variant.model_class.__name__
        assert getattr(kw.models, name) is getattr(kw, name) is variant.model_class


def test_a_variant_registered_anywhere_is_a_choice_everywhere():
    # Zero edits elsewhere: one registered class reaches the command line, build_model and
    # the experiments' defaults.
    from keras_wgan.experiments import mode_collapse
    from keras_wgan.models.variants import Variant, register_variant

    @register_variant(Variant(name="lsgan_test", title="LSGAN", summary="least squares",
                              reference="Mao et al. 2017", objective="least_squares"))
    class LeastSquaresTestGAN(kw.AdversarialModel):
        pass

    try:
        assert _model_choices(cli.parser())[-1] == "lsgan_test"
        assert "lsgan_test" in mode_collapse.MODELS
        gan = training.build_model("lsgan_test", (2,), latent_dim=2, width=8)
        assert type(gan) is LeastSquaresTestGAN
        assert [m.name for m in gan.metrics] == list(VARIANTS["lsgan_test"].metric_names)
        assert VARIANTS["lsgan_test"].metric_names[2:] == ("score_real", "score_fake")
        assert kw.LeastSquaresTestGAN is LeastSquaresTestGAN and "LeastSquaresTestGAN" in dir(kw)
    finally:
        kw.models.unregister_variant("lsgan_test")
    assert "lsgan_test" not in _model_choices(cli.parser())
    assert not hasattr(kw, "LeastSquaresTestGAN")


def test_a_bad_registry_entry_fails_when_it_is_written():
    from keras_wgan.models.variants import Variant, register_variant

    base = dict(name="bad", title="Bad", summary="-", reference="-")
    with pytest.raises(ValueError, match="Unknown objective 'nope'"):
        Variant(**base, objective="nope")
    with pytest.raises(ValueError, match="variant 'bad' critic_steps must be an integer >= 1"):
        Variant(**base, objective="hinge", critic_steps=0)
    with pytest.raises(TypeError, match="Variant 'bad' penalty 'gp' must be"):
        Variant(**base, objective="hinge", penalties={"gp": kw.GradientPenalty(10.0)})
    with pytest.raises(ValueError, match="A variant named 'wgan' is already registered"):
        register_variant(Variant(**dict(base, name="wgan"), objective="wasserstein"))


def test_unknown_model_name_is_one_line_naming_the_choices():
    with pytest.raises(ValueError, match=r"Unknown model 'wgangp'; use one of gan, nsgan, .*hinge"):
        get_variant("wgangp")
    assert get_variant("WGAN-GP") is VARIANTS["wgan_gp"]


def test_paper_optimizers_override_rates_once():
    g, d = paper_optimizers("wgan_gp", learning_rate=1e-3, critic_learning_rate=5e-3)
    assert (float(g.learning_rate.numpy()), float(d.learning_rate.numpy())) == pytest.approx(
        (1e-3, 5e-3))
    assert (g.beta_1, g.beta_2) == pytest.approx((0.5, 0.9))
    g, d = paper_optimizers(make(kw.WGAN), learning_rate=0.0)  # a frozen player is allowed
    assert isinstance(g, keras.optimizers.RMSprop) and float(d.learning_rate.numpy()) == 0.0
    assert g is not d
    with pytest.raises(ValueError, match="learning rate must be a finite number >= 0"):
        paper_optimizers("gan", learning_rate=-1.0)


# --- penalties as a named mapping -----------------------------------------------------------


def test_penalties_are_combined_and_each_logged_under_its_name():
    penalties = {"gp": kw.GradientPenalty(10.0, seed=1),
                 "lp": kw.GradientPenalty(1.0, one_sided=True, seed=2)}
    gan = make(kw.WGANGP, penalties=penalties, critic_steps=1)
    assert gan.gradient_penalty is None and list(gan.penalties) == ["gp", "lp"]
    gan.compile()
    history = gan.fit(kw.data.toy_dataset("ring8", 16, seed=0), steps_per_epoch=2,
                      verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "wasserstein", "gp", "lp"}
    assert history["gp"][0] > 0 and history["lp"][0] >= 0
    clone = kw.WGANGP.from_config(gan.get_config())
    assert {k: p.get_config() for k, p in clone.penalties.items()} == {
        k: p.get_config() for k, p in gan.penalties.items()}


def test_gradient_penalty_alias_sets_the_named_entry():
    gan = make(kw.WGANGP, gradient_penalty=5.0)
    assert list(gan.penalties) == ["gradient_penalty"] and gan.gradient_penalty.weight == 5.0
    added = make(kw.WGAN, gradient_penalty=kw.GradientPenalty(2.0))
    assert added.gradient_penalty.weight == 2.0 and added.clip_value == 0.01


@pytest.mark.parametrize("penalties, error, match", [
    ({"gp": keras.layers.Dense(1)}, TypeError, "Penalty 'gp' must be a keras_wgan.layers.Penalty"),
    ({"d_loss": kw.GradientPenalty()}, ValueError, "Penalty name 'd_loss' cannot be a metric"),
    ({"gp": 10.0}, TypeError, "Penalty 'gp' must be a keras_wgan.layers.Penalty"),
    ([kw.GradientPenalty()], TypeError, "penalties must be a mapping"),
])
def test_bad_penalties_are_refused_in_one_line(penalties, error, match):
    with pytest.raises(error, match=match):
        make(kw.WGANGP, penalties=penalties)


def test_a_new_penalty_is_one_small_layer():
    class MeanSquaredScore(kw.layers.Penalty):  # a toy R-style penalty: weight * E[f(x)^2]
        def call(self, real, fake, critic):
            return 0.5 * keras.ops.mean(keras.ops.square(critic(real)))

    gan = make(kw.models.HingeGAN, penalties={"score_l2": MeanSquaredScore()}, critic_steps=1)
    gan.compile()
    history = gan.fit(kw.data.toy_dataset("ring8", 16, seed=0), steps_per_epoch=1,
                      verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "critic_gap", "score_l2"}
    assert history["score_l2"][0] > 0


# --- one sentinel convention: None = the paper default, "none" = off -------------------------


def test_none_keeps_the_default_and_the_word_none_turns_it_off():
    assert make(kw.WGANGP, gradient_penalty=None).gradient_penalty.weight == 10.0
    assert make(kw.WGAN, clip_value=None).clip_value == 0.01
    plain = make(kw.WGANGP, gradient_penalty="none")
    assert plain.penalties == {} and "gradient_penalty" not in [m.name for m in plain.metrics]
    assert make(kw.WGANGP, penalties={}).penalties == {}
    unclipped = make(kw.WGAN, clip_value="none")
    assert unclipped.clip_value is None
    assert all(v.constraint is None for v in unclipped.critic.trainable_variables)
    with pytest.raises(ValueError, match=r"clip_value must be a finite number > 0, 'none' \(no clip\)"):
        make(kw.WGAN, clip_value="off")
    # Off stays off through a config round trip (None there would mean the default again).
    for gan in (plain, unclipped):
        clone = type(gan).from_config(gan.get_config())
        assert (clone.penalties, clone.clip_value) == ({}, gan.clip_value)


def _old_format(gan, gradient_penalty, clip_value):
    """``gan``'s config as files wrote it before penalties were a mapping."""
    config = gan.get_config()
    config.pop("penalties")
    config.update(gradient_penalty=gradient_penalty, clip_value=clip_value)
    return config


def test_configs_written_before_the_penalty_mapping_still_load():
    gp = keras.saving.serialize_keras_object(kw.GradientPenalty(3.0))
    assert kw.WGANGP.from_config(_old_format(make(kw.WGANGP), gp, None)).gradient_penalty.weight == 3.0
    old = kw.WGANGP.from_config(_old_format(make(kw.WGANGP), None, None))  # off, old style
    assert old.penalties == {} and old.clip_value is None
    assert kw.WGAN.from_config(_old_format(make(kw.WGAN), None, 0.01)).clip_value == 0.01


def test_a_keras_file_saved_before_the_penalty_mapping_loads_whole():
    # Written at b29f518 by tests/fixtures/make_saved_at_b29f518.py: config with one
    # `gradient_penalty`, the penalty's seed state stored under that attribute's path.
    saved = np.load(ROOT / "tests" / "fixtures" / "wgan_gp_saved_at_b29f518.npz")
    gan = keras.saving.load_model(ROOT / "tests" / "fixtures" / "wgan_gp_saved_at_b29f518.keras")
    assert type(gan) is kw.WGANGP and list(gan.penalties) == ["gradient_penalty"]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(saved["noise"])), saved["samples"],
                               atol=1e-6)
    np.testing.assert_array_equal(gan.gradient_penalty.seed_generator.state.numpy(),
                                  saved["penalty_seed_state"])
    history = gan.fit(kw.data.sample("ring8", 20, seed=1), batch_size=10, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "wasserstein", "gradient_penalty"}


# --- objectives: round trip, and metrics named for what the output means ---------------------


def test_a_registered_objective_instance_round_trips():
    gan = make(kw.AdversarialModel, objective=losses.get_objective("least_squares"))
    clone = kw.AdversarialModel.from_config(gan.get_config())
    assert clone.objective is losses.get_objective("least_squares")


def test_an_unregistered_objective_instance_is_refused():
    mine = losses.Objective("mine", losses.hinge_discriminator_loss,
                            losses.hinge_generator_loss, "critic")
    with pytest.raises(ValueError, match="Objective 'mine' is not registered"):
        make(kw.AdversarialModel, objective=mine)
    # Same name as a registered one, other functions: would load as the registered one.
    fake_hinge = losses.Objective("hinge", losses.wasserstein_critic_loss,
                                  losses.hinge_generator_loss, "critic")
    with pytest.raises(ValueError, match="Objective 'hinge' is not registered"):
        make(kw.AdversarialModel, objective=fake_hinge)


@pytest.mark.parametrize("kwargs, diagnostics", [
    ({"objective": "least_squares"}, {"score_real", "score_fake"}),
    ({"objective": "hinge"}, {"critic_gap"}),
    ({"objective": "wasserstein"}, {"critic_gap"}),  # no clip, no penalty: not a distance
    ({"objective": "wasserstein", "clip_value": 0.1}, {"wasserstein"}),
    ({"objective": "hinge", "gradient_penalty": 1.0}, {"wasserstein", "gradient_penalty"}),
    ({"objective": "minimax"}, {"d_real", "d_fake"}),
])
def test_metrics_are_named_for_what_the_output_means(kwargs, diagnostics):
    generator, critic = tiny_toy_pair()
    gan = kw.AdversarialModel(generator=generator, discriminator=critic, latent_dim=2, seed=0,
                              **kwargs)
    gan.compile()
    result = gan.evaluate(kw.data.sample("ring8", 32, seed=0), batch_size=32, verbose=0,
                          return_dict=True)
    assert set(result) == {"d_loss", "g_loss"} | diagnostics
    assert all(np.isfinite(v) for v in result.values())


def test_the_relativistic_generator_scores_each_sample_against_a_real_partner():
    # The generator's loss is E[softplus(f(x) - f(G(z)))]
    # over the batch's real slice and the step's generated samples, computed here by hand.
    generator, critic = tiny_toy_pair()
    gan = kw.models.get_model_class("rpgan_r1r2")(generator=generator, discriminator=critic,
                                                  latent_dim=2, seed=0)
    real = kw.data.sample("ring8", 8, seed=0).astype("float32")
    noise_state = gan.seed_generator.state.numpy().copy()
    loss = float(keras.ops.convert_to_numpy(gan._generator_loss(8, training=False, real=real)))
    gan.seed_generator.state.assign(noise_state)  # the same noise again
    fake = keras.ops.convert_to_numpy(gan.generator(gan.sample_noise(8)))
    scores = lambda x: keras.ops.convert_to_numpy(critic(x)).astype("float64").ravel()
    np.testing.assert_allclose(loss, np.mean(np.logaddexp(0.0, scores(real) - scores(fake))),
                               rtol=1e-5)
