"""Adversarial objectives as pure, per-example functions of discriminator logits / critic scores.

Every function returns one value per example (shape ``(batch,)``); the caller chooses the
reduction. Classifier objectives take *logits* ``l`` with ``D = sigmoid(l)`` and are written
with ``softplus`` so that no ``log`` ever sees 0: ``-log sigmoid(l) = softplus(-l)`` and
``-log(1 - sigmoid(l)) = softplus(l)`` are exact identities that stay finite at ``l = +-1e9``.
There is no label smoothing anywhere: the defaults are the papers'.

Objectives are looked up by name (``"minimax"``, ``"non_saturating"``, ``"wasserstein"``,
``"hinge"``, ``"least_squares"``, ``"relativistic"``) with `get_objective`; `register_objective` adds a new one and
`objective_names` lists them. A model saves its objective by name, so an `Objective` passed to a
model must be a registered one.
"""

import dataclasses

from keras import ops


def _per_example(scores):
    """Flatten critic outputs of shape (B,) or (B, 1) to (B,)."""
    return ops.reshape(scores, (-1,))


# --- Minimax and non-saturating GAN ---------------------------------------------------
# Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014,
# https://arxiv.org/abs/1406.2661, Eq. 1 (value function) and Sec. 3 (the -log D trick).


def minimax_discriminator_loss(real_logits, fake_logits):
    """``-log D(x) - log(1 - D(G(z)))``: the discriminator's side of the minimax game (Eq. 1).

    Computed as ``softplus(-l_real) + softplus(l_fake)``.
    """
    return ops.softplus(-_per_example(real_logits)) + ops.softplus(_per_example(fake_logits))


def minimax_generator_loss(fake_logits):
    """``log(1 - D(G(z)))``: the original, saturating generator objective (Eq. 1).

    Computed as ``-softplus(l_fake)``. Its gradient ``-sigmoid(l)`` vanishes when the
    discriminator confidently rejects the samples (``l -> -inf``), which is the point the
    WGAN paper makes (Arjovsky et al. 2017, Sec. 2; Arjovsky & Bottou 2017, Thm. 2.4).
    """
    return -ops.softplus(_per_example(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """``-log D(G(z))``: the "-log D trick" generator objective (Goodfellow et al. 2014, Sec. 3).

    Computed as ``softplus(-l_fake)``. The discriminator keeps `minimax_discriminator_loss`.
    """
    return ops.softplus(-_per_example(fake_logits))


# --- Wasserstein GAN ---------------------------------------------------------------------
# Arjovsky, Chintala & Bottou, "Wasserstein GAN", ICML 2017, https://arxiv.org/abs/1701.07875,
# Eq. 3 (Kantorovich-Rubinstein duality) and Algorithm 1.


def wasserstein_critic_loss(real_scores, fake_scores):
    """``f(G(z)) - f(x)``: minimising it maximises ``E[f(x)] - E[f(G(z))]`` (Eq. 3, Alg. 1)."""
    return _per_example(fake_scores) - _per_example(real_scores)


def wasserstein_generator_loss(fake_scores):
    """``-f(G(z))`` (Alg. 1, line 10)."""
    return -_per_example(fake_scores)


# --- Beyond the seeds: composing a new objective is a few lines --------------------------


# The hinge and least-squares discriminators output raw real scores ``D(x)``, not logits of a
# probability: no sigmoid is applied anywhere, so the arguments are named scores.


def hinge_discriminator_loss(real_scores, fake_scores):
    """``max(0, 1 - D(x)) + max(0, 1 + D(G(z)))``: the critic's side of the hinge game.

    Lim & Ye, "Geometric GAN", 2017, https://arxiv.org/abs/1705.02894, Eq. 9; used with
    spectral normalization by Miyato et al., "Spectral Normalization for Generative Adversarial
    Networks", ICLR 2018, https://arxiv.org/abs/1802.05957, Eq. 17.
    """
    return ops.relu(1.0 - _per_example(real_scores)) + ops.relu(1.0 + _per_example(fake_scores))


def hinge_generator_loss(fake_scores):
    """``-D(G(z))`` (Lim & Ye 2017, Eq. 10; Miyato et al. 2018, Eq. 18): the WGAN generator's loss."""
    return wasserstein_generator_loss(fake_scores)


def least_squares_discriminator_loss(real_scores, fake_scores):
    """``(D(x) - 1)^2 / 2 + D(G(z))^2 / 2`` (Mao et al. 2017, LSGAN, Eq. 2 with a=0, b=c=1)."""
    real, fake = _per_example(real_scores), _per_example(fake_scores)
    return 0.5 * ops.square(real - 1.0) + 0.5 * ops.square(fake)


def least_squares_generator_loss(fake_scores):
    """``(D(G(z)) - 1)^2 / 2`` (Mao et al. 2017, LSGAN, Eq. 2 with c=1)."""
    return 0.5 * ops.square(_per_example(fake_scores) - 1.0)


# --- Relativistic pairing GAN (RpGAN) --------------------------------------------------
# Jolicoeur-Martineau, "The relativistic discriminator: a key element missing from standard
# GAN", ICLR 2019, https://arxiv.org/abs/1807.00734, Sec. 4.1 (RSGAN, Eq. 6-7 with f = softplus
# of the score difference); the pairing form of Huang et al., "The GAN is dead; long live the
# GAN! A Modern GAN Baseline", NeurIPS 2024, https://arxiv.org/abs/2501.05441, Eq. 2. Each real
# example is paired with the generated example at the same position of its batch.


def relativistic_discriminator_loss(real_scores, fake_scores):
    """``softplus(f(G(z)) - f(x)) = -log sigmoid(f(x) - f(G(z)))`` per pair: the critic learns
    that the real example is more realistic than its generated partner."""
    return ops.softplus(_per_example(fake_scores) - _per_example(real_scores))


def relativistic_generator_loss(relative_scores):
    """``softplus(f(x) - f(G(z)))`` per pair: the same game with the roles swapped.

    It takes the *relative* scores ``f(G(z)) - f(x)`` of each generated sample and its real
    partner (the objective's ``needs_real_for_generator``: the model scores a real slice in
    the generator step and forms them), so it is ``softplus(-relative)``.
    """
    return ops.softplus(-_per_example(relative_scores))


@dataclasses.dataclass(frozen=True)
class Objective:
    """A named pair of per-example losses.

    Attributes:
        name: the registry name.
        discriminator_loss: ``fn(real_outputs, fake_outputs) -> (B,)``.
        generator_loss: ``fn(fake_outputs) -> (B,)``; when ``needs_real_for_generator`` its
            argument is the relative score ``f(G(z)) - f(x)`` of each generated sample and a
            real partner.
        outputs: what the discriminator outputs, which decides the diagnostics logged:
            ``"logits"`` of ``D = sigmoid(logit)``: the mean probabilities ``d_real`` = D(x)
            and ``d_fake`` = D(G(z));
            ``"critic"``: unbounded scores whose gap ``E[f(x)] - E[f(G(z))]`` is logged as
            ``wasserstein`` when the model keeps the critic 1-Lipschitz (a weight clip or a
            Lipschitz penalty), and as ``critic_gap`` otherwise (then it estimates no distance);
            ``"scores"``: raw scores with targets (least squares): their means ``score_real``
            and ``score_fake``.
        needs_real_for_generator: the generator's loss compares its samples with real ones
            (relativistic): the model then scores a real slice in the generator step too and
            passes ``generator_loss`` the differences ``f(G(z)) - f(x)``.
    """

    name: str
    discriminator_loss: object
    generator_loss: object
    outputs: str
    needs_real_for_generator: bool = False


_OBJECTIVES = {}


def register_objective(name, discriminator_loss, generator_loss, outputs,
                       needs_real_for_generator=False):
    """Add an objective under ``name`` so models can take ``objective=name``."""
    if outputs not in ("logits", "critic", "scores"):
        raise ValueError(f"outputs must be 'logits', 'critic' or 'scores', got '{outputs}'.")
    _OBJECTIVES[name] = Objective(name, discriminator_loss, generator_loss, outputs,
                                  bool(needs_real_for_generator))
    return _OBJECTIVES[name]


def objective_names():
    """The registered objectives' names, in registration order."""
    return tuple(_OBJECTIVES)


def get_objective(name):
    """Return the registered `Objective` called ``name`` (or ``name`` itself when it is one).

    Raises:
        ValueError: naming the known objectives when ``name`` is unknown, or when an
            `Objective` instance is not the one registered under its name.
    """
    if isinstance(name, Objective):
        # A model saves only the objective's name: an instance that is not the registered one
        # would be saved and then fail to load (or load another objective).
        if _OBJECTIVES.get(name.name) != name:
            raise ValueError(
                f"Objective '{name.name}' is not registered, so a saved model could not find "
                "it again: add it with keras_wgan.losses.register_objective() and pass its name."
            )
        return name
    if not isinstance(name, str) or name not in _OBJECTIVES:
        raise ValueError(
            f"Unknown objective '{name}'; use one of {sorted(_OBJECTIVES)} "
            "or add yours with keras_wgan.losses.register_objective()."
        )
    return _OBJECTIVES[name]


register_objective("minimax", minimax_discriminator_loss, minimax_generator_loss, "logits")
register_objective(
    "non_saturating", minimax_discriminator_loss, non_saturating_generator_loss, "logits"
)
register_objective("wasserstein", wasserstein_critic_loss, wasserstein_generator_loss, "critic")
register_objective("hinge", hinge_discriminator_loss, hinge_generator_loss, "critic")
register_objective(
    "least_squares", least_squares_discriminator_loss, least_squares_generator_loss, "scores"
)
register_objective("relativistic", relativistic_discriminator_loss, relativistic_generator_loss,
                   "critic", needs_real_for_generator=True)
