"""The model family as data: each named variant's paper defaults, in one registry.

A `Variant` says everything the rest of the package needs to know about a named model: its
objective, critic steps, penalties, weight clip, optimizers, the critic normalization the
builders should use, and the paper it comes from. The command line's ``--model`` choices,
`keras_wgan.training.build_model`, the experiments, the benchmarks and the test tables read this
registry, so adding a variant is one `register_variant` class in `keras_wgan.models.named` plus
one test row.

Conventions (one for every setting): ``None`` keeps the variant's paper default; the word
``"none"`` turns a weight clip or a penalty off (``clip_value="none"``,
``gradient_penalty="none"``); ``penalties={}`` turns every penalty off.
"""

import dataclasses
import types

import keras

from keras_wgan import losses
from keras_wgan.layers import Penalty
from keras_wgan.models import validation

OFF = "none"


def adam(learning_rate, beta_1=0.9, beta_2=0.999):
    """An Adam optimizer's config, as the registry stores optimizers (data, not instances)."""
    return {"class_name": "Adam",
            "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2}}


def rmsprop(learning_rate, rho=0.9, epsilon=1e-7):
    """An RMSprop optimizer's config."""
    return {"class_name": "RMSprop",
            "config": {"learning_rate": learning_rate, "rho": rho, "epsilon": epsilon}}


@dataclasses.dataclass(frozen=True)
class Variant:
    """One named model's paper defaults.

    Attributes:
        name: the registry and command-line name (``"wgan_gp"``).
        title: a short label for figures (``"WGAN-GP"``).
        summary: one line for ``--help``.
        reference: the paper (authors, title, venue, year, link) and the parts followed.
        objective: a `keras_wgan.losses` objective name.
        critic_steps: discriminator updates per generator update.
        penalties: ``{metric name: (penalty class, keyword arguments)}``; each model gets fresh
            layers made from these (`make_penalties`).
        clip_value: the `WeightClip` bound on every critic weight, or None for no clip.
        optimizer: the generator's optimizer as a Keras config (`adam`, `rmsprop`).
        critic_optimizer: the critic's, when it differs (None: the same config).
        ema_decay: the generator EMA's decay (`keras_wgan.models.ema`), or None for no
            average (the papers of the four classic variants sample the trained generator).
        critic_norm: the normalization the critic builders should use (``"batch"``,
            ``"layer"``, ``"spectral"`` or None); a gradient penalty needs a per-example
            critic, hence None or ``"spectral"``.
        model_class: the `AdversarialModel` subclass that carries these defaults (set by
            `register_variant`).
    """

    name: str
    title: str
    summary: str
    reference: str
    objective: str
    critic_steps: int = 1
    penalties: dict = dataclasses.field(default_factory=dict)
    clip_value: float = None
    optimizer: dict = dataclasses.field(default_factory=lambda: adam(2e-4, beta_1=0.5))
    critic_optimizer: dict = None
    ema_decay: float = None
    critic_norm: str = None
    model_class: type = None

    def __post_init__(self):
        # Checked once, here, so a mistyped entry fails at import with its name in the message.
        losses.get_objective(self.objective)
        validation.check_int(self.critic_steps, f"variant '{self.name}' critic_steps")
        if self.clip_value is not None:
            validation.check_float(self.clip_value, f"variant '{self.name}' clip_value", above=0,
                                   float32=True)
        if self.ema_decay is not None:
            from keras_wgan.models.ema import check_decay
            check_decay(self.ema_decay)
        for key, entry in dict(self.penalties).items():
            if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], type)
                    and issubclass(entry[0], Penalty) and isinstance(entry[1], dict)):
                raise TypeError(
                    f"Variant '{self.name}' penalty '{key}' must be (a Penalty class, its keyword "
                    f"arguments), e.g. (GradientPenalty, {{'weight': 10.0}}); got {entry!r}."
                )
        object.__setattr__(self, "penalties", types.MappingProxyType(dict(self.penalties)))

    def optimizers(self, learning_rate=None, critic_learning_rate=None):
        """Fresh ``(generator, critic)`` optimizers from the paper's configs.

        Args:
            learning_rate: if given, both players' learning rate.
            critic_learning_rate: if given, the critic's alone (applied after
                ``learning_rate``).
        """
        generator = dict(self.optimizer["config"])
        critic = dict((self.critic_optimizer or self.optimizer)["config"])
        if learning_rate is not None:
            rate = validation.check_float(learning_rate, "learning rate", minimum=0,
                                          float32=True)
            generator["learning_rate"] = critic["learning_rate"] = rate
        if critic_learning_rate is not None:
            critic["learning_rate"] = validation.check_float(
                critic_learning_rate, "critic learning rate", minimum=0, float32=True)
        return (
            keras.optimizers.deserialize({**self.optimizer, "config": generator}),
            keras.optimizers.deserialize({**(self.critic_optimizer or self.optimizer),
                                          "config": critic}),
        )

    @property
    def learning_rate(self):
        """The generator's paper learning rate."""
        return self.optimizer["config"]["learning_rate"]

    def make_penalties(self):
        """``{name: penalty layer}``: new layers, so that no two models share seed state."""
        return {name: cls(**kwargs) for name, (cls, kwargs) in self.penalties.items()}

    @property
    def lipschitz(self):
        """Whether the defaults keep the critic 1-Lipschitz (a clip or a Lipschitz penalty),
        so its score gap estimates the Wasserstein distance and is logged as ``wasserstein``."""
        return self.clip_value is not None or any(
            cls.constrains_lipschitz for cls, _ in self.penalties.values())

    @property
    def metric_names(self):
        """The names a model built with these defaults logs, in order."""
        outputs = losses.get_objective(self.objective).outputs
        return ("d_loss", "g_loss", *diagnostic_names(outputs, self.lipschitz),
                *self.penalties)


def diagnostic_names(outputs, lipschitz):
    """The per-update diagnostics logged for discriminator ``outputs`` (see `losses.Objective`)."""
    if outputs == "logits":
        return ("d_real", "d_fake")  # probabilities D(x), D(G(z))
    if outputs == "critic":
        return ("wasserstein",) if lipschitz else ("critic_gap",)
    return ("score_real", "score_fake")  # raw scores, e.g. least squares


class FromVariant:
    """A class attribute read from the class's `Variant` (``GAN.default_critic_steps``), for
    code written before the registry; a subclass may override it with a plain value."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        return getattr(owner.variant, self.field)


_VARIANTS = {}
VARIANTS = types.MappingProxyType(_VARIANTS)  # read-only view: name -> Variant


def register_variant(variant):
    """Class decorator: ``cls`` becomes ``variant``'s model class, registered with Keras.

    Usage (this is all a new variant needs, plus one row in ``tests/test_models.py``)::

        @register_variant(Variant(name="hinge", objective="hinge", ...))
        class HingeGAN(AdversarialModel):
            \"\"\"The paper, in a docstring.\"\"\"
    """
    if variant.name in _VARIANTS:
        raise ValueError(f"A variant named '{variant.name}' is already registered.")

    def decorate(cls):
        cls = keras.saving.register_keras_serializable(package="keras_wgan")(cls)
        cls.variant = dataclasses.replace(variant, model_class=cls)
        _VARIANTS[variant.name] = cls.variant
        return cls

    return decorate


def unregister_variant(name):
    """Remove a registered variant (its class stays importable and loadable)."""
    if _key(name) not in _VARIANTS:
        raise ValueError(f"Unknown model '{name}'; use one of {', '.join(_VARIANTS)}.")
    del _VARIANTS[_key(name)]


def _key(name):
    return str(name).lower().replace("-", "_")


def get_variant(name):
    """``"wgan_gp"`` (or ``"wgan-gp"``, or a model class or instance) -> its `Variant`.

    Raises:
        ValueError: naming the registered variants when ``name`` is unknown.
    """
    variant = getattr(name, "variant", None)
    if isinstance(variant, Variant):
        return variant
    if _key(name) not in _VARIANTS:
        raise ValueError(f"Unknown model '{name}'; use one of {', '.join(_VARIANTS)}.")
    return _VARIANTS[_key(name)]


def variant_names():
    """The registered names, in registration order (the command line's ``--model`` choices)."""
    return tuple(_VARIANTS)


def paper_optimizers(model, learning_rate=None, critic_learning_rate=None):
    """``(generator, critic)`` optimizers for ``model``: its paper's, at other rates if given.

    ``model`` is a model, a model class or a registered name. The one place the learning-rate
    override is written (`Variant.optimizers`). Rates may be 0 (a frozen player, as ablations
    use); the command line refuses 0 itself. A model class that overrides
    ``default_optimizers`` keeps its own optimizers, with the rates set on them.
    """
    if isinstance(model, keras.Model):
        g_opt, d_opt = model.default_optimizers()
        if learning_rate is not None:
            g_opt.learning_rate = d_opt.learning_rate = validation.check_float(
                learning_rate, "learning rate", minimum=0, float32=True)
        if critic_learning_rate is not None:
            d_opt.learning_rate = validation.check_float(
                critic_learning_rate, "critic learning rate", minimum=0, float32=True)
        return g_opt, d_opt
    return get_variant(model).optimizers(learning_rate, critic_learning_rate)


def _optimizer_text(config):
    settings = config["config"]
    name = config["class_name"]
    if name == "Adam":
        return (f"Adam {settings['learning_rate']:g} "
                f"({settings.get('beta_1', 0.9):g}, {settings.get('beta_2', 0.999):g})")
    return f"{name} {settings['learning_rate']:g}"


def variants_table():
    """The registered variants as a Markdown table: one row per variant, its paper defaults.

    README's objectives table is this output (a test compares them), so it cannot drift from
    the registry: ``python -m keras_wgan.models``.
    """
    rows = ["| `--model` | class | objective | critic steps | penalties | clip | optimizers "
            "(generator; critic) | critic norm | paper |",
            "|---|---|---|---|---|---|---|---|---|"]
    for variant in _VARIANTS.values():
        penalties = ", ".join(
            f"{name} ({', '.join(f'{k} {v:g}' for k, v in kwargs.items())})"
            for name, (_, kwargs) in variant.penalties.items()) or "none"
        optimizers = _optimizer_text(variant.optimizer)
        if variant.critic_optimizer is not None:
            optimizers += f"; {_optimizer_text(variant.critic_optimizer)}"
        rows.append(
            f"| `{variant.name}` | `{variant.model_class.__name__}` | {variant.objective} | "
            f"{variant.critic_steps} | {penalties} | "
            f"{'none' if variant.clip_value is None else f'{variant.clip_value:g}'} | "
            f"{optimizers} | {variant.critic_norm or 'none'} | {variant.reference} |")
    return "\n".join(rows)

