"""`AdversarialModel`: the one `train_step` behind every named model (`keras_wgan.models.named`)."""

import collections.abc
import os

import keras
import numpy as np
from keras import ops

from keras_wgan import filekind, losses, precision, sampling
from keras_wgan.backend import (
    Trainer,
    apply_gradients,
    reducible_logs,
    resolve_jit_compile,
    replica_slice,
    scale_for_replicas,
    value_and_gradients,
)
from keras_wgan.models import critic_pass, ema, setup, validation, variants
from keras_wgan.seeding import SavesSeedState


@keras.saving.register_keras_serializable(package="keras_wgan")
class AdversarialModel(SavesSeedState, Trainer, keras.Model):
    """A generator and a discriminator (or critic) trained against each other by `fit`.

    One call of `train_step` runs ``critic_steps`` discriminator updates and then one
    generator update (Arjovsky et al. 2017, Alg. 1; Gulrajani et al. 2017, Alg. 1), all in
    one compiled function. **Each discriminator update sees fresh real data**: the incoming
    batch of ``N`` real examples is split into ``critic_steps`` consecutive slices of
    ``N // critic_steps`` (so feed batches of ``critic_steps * 64`` for 64 real examples
    per critic step, as in the papers); every update also draws fresh noise. The generator
    update uses a batch of the same per-step size. ``(x, y)`` batches are accepted and
    ``y`` is ignored, unless the model is class-conditional.

    **Class-conditional** (``num_classes=K``): the generator maps ``[noise, labels]`` and the
    critic scores ``[x, labels]`` (``labels`` ``(B,)`` int32 in ``[0, K)``; builders:
    ``num_classes=`` in `keras_wgan.architectures`, a projection critic). ``fit`` then takes
    ``(x, y)`` batches with integer labels ``y`` (``(B,)`` or ``(B, 1)``). Every critic step
    uses its own slice's labels, for its real examples and for the fakes it generates (so
    real and fake labels follow the same distribution, and each gradient-penalty interpolate
    joins a real and a fake example of the same class, scored with that class). The generator
    step draws its labels from the data's label frequencies by taking the labels of the last
    real slice: a batch of real data is a sample of the data, so its labels are exact draws
    from the training label distribution, with no state to keep, the same on every backend
    and replica; under the relativistic objective each fake is then paired with a real
    example of its own class. Running label counts (``label_counts``, saved with the model)
    give the frequencies `generate` draws from when it is given no labels.

    Noise ``z ~ N(0, I)`` comes from a `keras.random.SeedGenerator` owned by the model.
    Metrics (epoch means of every update), named for what the discriminator outputs
    (`keras_wgan.losses.Objective`): ``d_loss`` (including the penalties), ``g_loss``; for a
    critic ``E[f(x)] - E[f(G(z))]``, as ``wasserstein`` when a clip or a Lipschitz penalty keeps
    the critic 1-Lipschitz and as ``critic_gap`` otherwise; for logits ``d_real`` and
    ``d_fake``, the mean probabilities ``D(x)`` and ``D(G(z))``; for raw scores (least squares)
    ``score_real`` and ``score_fake``; and each penalty under its name.

    Defaults: ``None`` keeps the class's paper default (its `Variant`); ``"none"`` turns a clip
    or a penalty off; ``penalties={}`` turns every penalty off.

    Args:
        generator: a model mapping ``(B, latent_dim)`` noise to samples.
        discriminator: a model mapping samples to ``(B, 1)`` logits or critic scores.
            ``critic=`` is an alias.
        latent_dim: the noise dimension (inferred from the generator's input if omitted).
        objective: a name from `keras_wgan.losses` (``"minimax"``, ``"non_saturating"``,
            ``"wasserstein"``, ``"hinge"``, ``"least_squares"``), or a registered `Objective`.
        critic_steps: discriminator updates per generator update.
        penalties: ``{name: penalty}``: `keras_wgan.layers.Penalty` layers added to the
            critic's loss, each logged under its name (``{"gradient_penalty":
            GradientPenalty(10.0)}``); ``{}`` for none.
        gradient_penalty: sets the ``"gradient_penalty"`` entry of ``penalties``: a
            `GradientPenalty`, a float weight for the default one, or ``"none"`` to drop it
            (kept from before ``penalties=``; saved files written then use it).
        clip_value: a `WeightClip(clip_value)` constraint is attached to every critic weight
            whose path matches ``clip_pattern`` (default: all: kernels and biases); the
            optimizer applies it after every update. ``"none"``: no clip.
        clip_pattern: a regular expression matched against each critic variable's path.
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (Yazici et al. 2019; `keras_wgan.models.ema`), e.g. ``0.999``: a second,
            non-trainable copy ``ema_generator`` updated after every generator step and used
            by `generate` and `call` in inference; ``"none"``: no average. The trained
            ``generator`` keeps playing the game with its own weights.
        ema_start: the generator update from which the average begins (before it, it copies
            the weights); default 0.
        num_classes: the number of classes of a class-conditional model (an integer >= 2),
            or None (default) for an unconditional one.
        seed: seed of the noise generator.
        fused_critic: score real and fake examples in one critic call on their
            concatenation instead of two calls (`keras_wgan.models.critic_pass`): the same
            scores, one call fewer per critic step (and per relativistic generator step).
            Only for critics whose every layer acts on each example alone (no batch norm,
            no spectral norm, no dropout, no custom layers): any other critic is a ValueError
            naming the layer. Off by default: on a 2-core CPU the step ran at 0.96-1.06x with
            it (``bench/train_step.py --impls keras_wgan fused``), where convolutions cost the
            same on one batch of 2B as on two of B; it is for accelerators, where each call's
            kernel launches weigh more.
    """

    # The defaults of a model built from this class directly; each named model (`named.py`)
    # carries its paper's `Variant` instead.
    variant = variants.Variant(
        name="adversarial", title="Adversarial model", summary="composed by hand",
        reference="Goodfellow et al. 2014, Sec. 3 (the non-saturating objective)",
        objective="non_saturating",
    )
    # Read from `variant`; a subclass may still set them as plain class attributes.
    default_objective = variants.FromVariant("objective")
    default_critic_steps = variants.FromVariant("critic_steps")
    default_clip_value = variants.FromVariant("clip_value")
    default_ema_decay = variants.FromVariant("ema_decay")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        latent_dim=None,
        *,
        critic=None,
        objective=None,
        critic_steps=None,
        penalties=None,
        gradient_penalty=None,
        clip_value=None,
        clip_pattern=None,
        ema_decay=None,
        ema_start=None,
        num_classes=None,
        seed=None,
        fused_critic=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if critic is not None:
            if discriminator is not None:
                raise ValueError("Pass the critic as discriminator= or critic=, not both.")
            discriminator = critic
        if generator is None or discriminator is None:
            raise ValueError(f"{type(self).__name__} needs generator= and discriminator=.")
        if latent_dim is None:
            latent_dim = setup.infer_latent_dim(generator)
        self.latent_dim = validation.check_int(latent_dim, "latent_dim")
        self.num_classes = validation.check_num_classes(num_classes)
        # None, and only None, means "the paper's default": critic_steps=0 is an error.
        self.objective = losses.get_objective(
            self.default_objective if objective is None else objective
        )
        self.critic_steps = self.default_critic_steps if critic_steps is None else critic_steps
        self.sample_shape = validation.check_generator(generator, self.latent_dim,
                                                       self.num_classes)
        validation.check_discriminator(discriminator, self.sample_shape,
                                       num_classes=self.num_classes)
        self.generator = generator
        self.discriminator = discriminator
        self.fused_critic = _check_fused_critic(fused_critic, discriminator)

        penalties = setup.resolve_penalties(penalties, gradient_penalty, self.default_penalties)
        if any(p.needs_per_example_critic for p in penalties.values()):
            validation.check_no_batch_norm(discriminator)
        self.penalties = penalties

        if setup.is_default(clip_value):
            clip_value = self.default_clip_value
        elif setup.is_off(clip_value):
            clip_value = None
        elif isinstance(clip_value, str):
            raise ValueError(
                f"clip_value must be a finite number > 0, 'none' (no clip) or None (the paper's "
                f"default), got {clip_value!r}."
            )
        else:
            clip_value = validation.check_float(clip_value, "clip_value", above=0, float32=True)
        self.clip_value = clip_value
        self.clip_pattern = clip_pattern
        if self.clip_value is not None:
            setup.attach_weight_clip(discriminator, self.clip_value, clip_pattern)

        if setup.is_default(ema_decay):
            ema_decay = self.default_ema_decay
        self.ema_decay = None if setup.is_off(ema_decay) or ema_decay is None else (
            ema.check_decay(ema_decay))
        self.ema_start = 0 if ema_start is None else validation.check_int(
            ema_start, "ema_start", minimum=0)
        # Tracked after the networks, so older `.keras` files keep their weights' places.
        self.ema_generator = None if self.ema_decay is None else ema.average_copy(generator)
        # Training label counts, for `generate` without labels. Like a metric's totals, each
        # replica counts its own examples and a read sums them (`on_read`): a mirrored
        # variable would sum every replica's `old + delta`, doubling the count each step.
        self.label_counts = None if self.num_classes is None else keras.Variable(
            initializer="zeros", shape=(self.num_classes,), dtype="float32", trainable=False,
            autocast=False, aggregation="sum", synchronization="on_read", name="label_counts")

        # As generate(seed=...) takes them (Keras's SeedGenerator took -1 and refused "a").
        self.seed = validation.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed, name="noise_seed")
        self._trackers = self._make_trackers()
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        self.built = True

    # --- the pieces everything else is written with ---------------------------------

    @property
    def critic_steps(self):
        """Discriminator updates per generator update (checked when set, also after
        construction: ``gan.critic_steps = 0`` would divide the batch by zero)."""
        return self._critic_steps

    @critic_steps.setter
    def critic_steps(self, value):
        self._critic_steps = validation.check_int(value, "critic_steps")

    @property
    def critic(self):
        """The discriminator, under its WGAN name."""
        return self.discriminator

    @property
    def gradient_penalty(self):
        """The penalty named ``"gradient_penalty"`` (WGAN-GP's), or None.

        Saving visits this attribute before ``penalties``, so the layer's seed state keeps the
        place in ``.keras`` files it had before penalties were a mapping.
        """
        return self.penalties.get("gradient_penalty")

    @property
    def critic_is_lipschitz(self):
        """True when a weight clip or a Lipschitz penalty keeps the critic (softly) 1-Lipschitz."""
        return self.clip_value is not None or any(
            p.constrains_lipschitz for p in self.penalties.values())

    def default_penalties(self):
        """``{name: new penalty layer}`` from the class's `Variant`."""
        return self.variant.make_penalties()

    @property
    def sampling_generator(self):
        """The network samples come from: the weight average when there is one."""
        return self.generator if self.ema_generator is None else self.ema_generator

    @property
    def conditional(self):
        """True for a class-conditional model (``num_classes`` set)."""
        return self.num_classes is not None

    def call(self, noise, training=False):
        """``G(z)``: the model maps noise to samples, so `predict(z)` and exports work.

        A conditional model maps ``[noise, labels]``. In inference the generator EMA draws,
        when the model keeps one.
        """
        if training:
            return self.generator(noise, training=True)
        return self.sampling_generator(noise, training=False)

    def _fake(self, network, noise, labels, training):
        """``G(z)``, or ``G(z, y)`` for a conditional model."""
        return network(noise if labels is None else [noise, labels], training=training)

    def _scores(self, x, labels, training):
        """``f(x)``, or ``f(x, y)`` for a conditional model, in float32 whatever the compute
        dtype (mixed precision)."""
        inputs = x if labels is None else [x, labels]
        return ops.cast(self.discriminator(inputs, training=training), "float32")

    def _real_and_fake_scores(self, real, fake, labels, training):
        """``(f(x_real), f(x_fake))`` (with the labels of a conditional model), from one
        critic call when ``fused_critic``."""
        if not self.fused_critic:
            return (self._scores(real, labels, training),
                    self._scores(fake, labels, training))
        inputs = (real, fake) if labels is None else ([real, labels], [fake, labels])
        real_out, fake_out = critic_pass.one_call(self.discriminator, *inputs,
                                                  training=training)
        return ops.cast(real_out, "float32"), ops.cast(fake_out, "float32")

    def _penalty_critic(self, labels):
        """The critic a penalty differentiates: ``f``, or ``x -> f(x, y)`` with the batch's
        labels held fixed (the same ``y`` as the examples it perturbs or interpolates)."""
        if labels is None:
            return self.discriminator
        return lambda x, training=False: self.discriminator([x, labels], training=training)

    def sample_noise(self, batch_size):
        """``z ~ N(0, I)`` of shape ``(batch_size, latent_dim)`` from the model's seed state.

        Under `tf.distribute`, each replica keeps its own rows of one global draw.
        """
        return replica_slice(
            lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator),
            batch_size,
        )

    def generate(self, n, seed=None, batch_size=256, *, labels=None, use_ema=True):
        """Return ``n`` generated samples as a NumPy array (inference mode).

        Args:
            n: number of samples (0 gives an empty ``(0, *sample_shape)`` array).
            seed: integer for reproducible noise (the same seed gives the same samples from
                the same weights); None draws fresh noise.
            batch_size: samples per forward pass.
            labels: a conditional model's classes: None draws them from the training label
                frequencies (``label_counts``; uniform before any ``fit``) with ``seed``; an
                int gives every sample that class; an array of ``n`` class indices one per
                sample. The same seed and labels give the same samples. An unconditional model
                takes none.
            use_ema: draw from the generator EMA when the model keeps one (False: from the
                trained generator).
        """
        network = self.sampling_generator if use_ema else self.generator
        n = validation.check_int(n, "n", minimum=0)
        return sampling.generate(network, self.latent_dim, n, seed, batch_size,
                                 labels=self.sample_labels(n, labels, seed))

    def sample_labels(self, n, labels=None, seed=None):
        """The ``(n,)`` int32 classes `generate` uses (see its ``labels``); None when the
        model is unconditional."""
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    "labels= is for class-conditional models; this one is unconditional "
                    "(num_classes=None): call generate(n) without labels."
                )
            return None
        counts = ops.convert_to_numpy(self.label_counts)
        return sampling.class_labels(n, self.num_classes, labels, counts, seed)

    # --- compile ------------------------------------------------------------------------

    def default_optimizers(self):
        """(generator, discriminator) optimizers used when `compile` is given none: new
        instances from the class's `Variant`."""
        return self.variant.optimizers()

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        *,
        critic_optimizer=None,
        jit_compile="auto",
        run_eagerly=False,
        steps_per_execution=1,
    ):
        """Set the two optimizers (the papers' defaults when omitted) and the step's compilation.

        Args:
            generator_optimizer: optimizer (instance, name or config) for the generator.
            discriminator_optimizer: optimizer for the discriminator; ``critic_optimizer=``
                is an alias.
            jit_compile: True for XLA, False for graph mode, ``"auto"`` for XLA on GPU/TPU
                and graph mode on CPU (measured faster there: ``bench/train_step.py``) on
                TensorFlow; on JAX ``"auto"`` is always XLA (`jax.jit`).
            run_eagerly, steps_per_execution: as in `keras.Model.compile`.
        """
        if critic_optimizer is not None:
            if discriminator_optimizer is not None:
                raise ValueError(
                    "Pass discriminator_optimizer= or critic_optimizer=, not both."
                )
            discriminator_optimizer = critic_optimizer
        default_g, default_d = self.default_optimizers()
        self.generator_optimizer = setup.get_optimizer(generator_optimizer, default_g)
        self.discriminator_optimizer = setup.get_optimizer(discriminator_optimizer, default_d)
        if self.dtype_policy.name == "mixed_float16":
            # float16 gradients underflow without loss scaling; each player gets its own
            # dynamic scale, since their losses differ in magnitude.
            self.generator_optimizer = setup.loss_scaled(self.generator_optimizer)
            self.discriminator_optimizer = setup.loss_scaled(self.discriminator_optimizer)
        if self.generator_optimizer is self.discriminator_optimizer:
            raise ValueError(
                "The generator and the discriminator need two optimizer instances "
                "(each keeps its own moments): pass two separate objects."
            )
        if not (isinstance(jit_compile, bool) or (isinstance(jit_compile, str)
                                                   and jit_compile == "auto")):
            raise ValueError(f"jit_compile must be True (XLA), False (graph mode) or \"auto\", "
                             f"got {jit_compile!r}.")
        self._jit_compile_setting = jit_compile
        super().compile(
            optimizer=None,
            jit_compile=resolve_jit_compile(jit_compile) and not run_eagerly,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
        )
        # Keras's trainers see the two optimizers as one `model.optimizer` (the JAX step
        # threads its variables). Build them now, outside any compiled function, so their
        # slots exist before tracing and are restored when a saved model is loaded.
        self.optimizer = setup.OptimizerPair(
            self.generator_optimizer, self.discriminator_optimizer,
            self.generator, self.discriminator,
        )
        self.optimizer.build()

    def save(self, filepath, *args, **kwargs):
        """`keras.Model.save`, refusing the legacy HDF5 format, which holds one optimizer
        (it failed with "'OptimizerPair' object has no attribute 'get_config'")."""
        if str(filepath).lower().endswith((".h5", ".hdf5")):
            raise ValueError(
                f"{filepath}: a GAN is saved in the native Keras format, which keeps both "
                "players and both optimizers; the legacy HDF5 format holds one optimizer. Save "
                "to a .keras path, or save the generator alone (model.generator.save(...))"
            )
        if isinstance(filepath, (str, os.PathLike)):
            path = os.fspath(filepath)
            refusal = filekind.not_regular(path)
            if refusal:  # a fifo blocked the save
                raise ValueError(f"{refusal}: save to the path of a .keras file")
        return super().save(filepath, *args, **kwargs)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "generator_optimizer": keras.optimizers.serialize(self.generator_optimizer),
            "discriminator_optimizer": keras.optimizers.serialize(self.discriminator_optimizer),
            "jit_compile": self._jit_compile_setting,
            "run_eagerly": self.run_eagerly,
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.optimizers.deserialize(config[key])
        self.compile(**config)

    # --- metrics ------------------------------------------------------------------------

    def _diagnostic_names(self):
        return variants.diagnostic_names(self.objective.outputs, self.critic_is_lipschitz)

    def _make_trackers(self):
        names = ["d_loss", "g_loss", *self._diagnostic_names(), *self.penalties]
        return {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _record(self, values):
        for name, value in values.items():
            if name in self._trackers:
                self._trackers[name].update_state(value)

    def _diagnostics(self, real_out, fake_out):
        """Per-update diagnostics from discriminator outputs on real and fake batches."""
        names = self._diagnostic_names()
        if self.objective.outputs == "critic":
            return {names[0]: ops.mean(real_out) - ops.mean(fake_out)}
        if self.objective.outputs == "logits":
            real_out, fake_out = ops.sigmoid(real_out), ops.sigmoid(fake_out)
        return {names[0]: ops.mean(real_out), names[1]: ops.mean(fake_out)}

    # --- training -------------------------------------------------------------------

    def _real_batch(self, data):
        """``(real samples, labels)``: labels ``(B,)`` int32 for a conditional model, else None."""
        labels = None
        if isinstance(data, (tuple, list)):
            # (x, y) or (x, y, w): the labels play no part unless the model is conditional.
            labels = data[1] if len(data) > 1 else None
            data = data[0]
        if isinstance(data, dict):
            raise ValueError(
                "Real batches must be a tensor of samples, got a dict: map the dataset "
                "to the image tensor first (ds.map(lambda d: d['image']))."
            )
        validation.check_real_batch(data, self.sample_shape)
        real = ops.cast(data, self.compute_dtype)
        if self.num_classes is None:
            return real, None
        if labels is None:
            raise validation.missing_labels_error(self.num_classes)
        validation.check_label_batch(labels, self.num_classes)
        return real, ops.reshape(ops.cast(labels, "int32"), (-1,))

    def _critic_slices(self, real, labels=None):
        """Split the batch (and its labels) into one fresh slice of real data per critic step.

        Returns ``(slices, size)``, or ``(slices, label_slices, size)`` when ``labels`` is
        given.
        """
        k = self.critic_steps
        total = real.shape[0]
        if total is not None and (total < k or total % k):
            raise ValueError(
                f"A batch of {total} real examples cannot be split into critic_steps={k} "
                f"equal parts: batch the data with a multiple of {k} "
                f"(e.g. batch_size={k * max(1, total // k)}, drop_remainder=True)."
            )
        size = total // k if total is not None else ops.shape(real)[0] // k
        slices = [real[i * size : (i + 1) * size] for i in range(k)]
        if labels is None:
            return slices, size
        return slices, [labels[i * size : (i + 1) * size] for i in range(k)], size

    def _discriminator_loss(self, real, fake, training, labels=None):
        # Losses in float32 whatever the compute dtype (mixed precision).
        real_out, fake_out = self._real_and_fake_scores(real, fake, labels, training)
        loss = ops.mean(self.objective.discriminator_loss(real_out, fake_out))
        stats = self._diagnostics(real_out, fake_out)
        critic = self._penalty_critic(labels)
        for name, penalty in self.penalties.items():
            stats[name] = penalty(real, fake, critic=critic)
            loss = loss + stats[name]
        stats["d_loss"] = loss
        return loss, stats

    def _discriminator_step(self, real, labels=None):
        # The fakes carry the slice's labels: real and fake see one label distribution.
        noise = self.sample_noise(ops.shape(real)[0])
        fake = self._fake(self.generator, noise, labels, training=True)
        optimizer = self.discriminator_optimizer
        variables = self.discriminator.trainable_variables

        def loss_fn():
            loss, stats = self._discriminator_loss(real, fake, training=True, labels=labels)
            return optimizer.scale_loss(scale_for_replicas(loss)), stats

        _, stats, grads = value_and_gradients(loss_fn, variables)
        apply_gradients(optimizer, grads, variables)
        return stats

    def _generator_loss(self, batch_size, training, real=None, labels=None):
        fake = self._fake(self.generator, self.sample_noise(batch_size), labels, training)
        if self.objective.needs_real_for_generator:
            # Relativistic: each generated sample is scored against a real partner.
            real_out, fake_out = self._real_and_fake_scores(real, fake, labels, training)
            fake_out = fake_out - real_out
        else:
            fake_out = self._scores(fake, labels, training)
        return ops.mean(self.objective.generator_loss(fake_out))

    def _generator_step(self, batch_size, real=None, labels=None):
        optimizer = self.generator_optimizer
        variables = self.generator.trainable_variables

        def loss_fn():
            loss = self._generator_loss(batch_size, training=True, real=real, labels=labels)
            return optimizer.scale_loss(scale_for_replicas(loss)), loss

        _, loss, grads = value_and_gradients(loss_fn, variables)
        apply_gradients(optimizer, grads, variables)
        if self.ema_generator is not None:
            ema.update(self.ema_generator, self.generator, self.ema_decay,
                       step=optimizer.iterations, start=self.ema_start)
        return loss

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            *, check_range=True, **kwargs):
        """`keras.Model.fit`, plus one-line errors for data and settings that cannot train.

        Refused up front: ``epochs < 0``, ``steps_per_epoch < 1`` (Keras reads 0 as "no
        limit": an endless dataset would train forever), and, with ``check_range=True``,
        float image data outside [-1, 1] or holding NaN/Inf, for a NumPy array (one pass
        over it) and for the first batch of a Python iterator; under PyTorch on a CPU, networks
        whose convolutions its kernels cannot train in the precision they compute in
        (`keras_wgan.precision.check_trainable`). A `tf.data` pipeline is not
        looked into: reading a batch ahead would run it once more (filling its shuffle buffer
        and cache); the `keras_wgan.data` pipelines scale to [-1, 1] themselves. Data that
        yields no batch at all is an error too (Keras only warns, and returns an empty
        history). A `tf.data` input is not reshuffled by Keras (it never is), so its
        ``shuffle`` warning is not raised, and it runs with `tf.data` autotuning off unless
        its options set it (`keras_wgan.backend.datasets`: TensorFlow's autotuning thread
        stalled the end of `fit` and each new epoch by up to a minute). Besides what Keras
        takes (arrays, `tf.data`, `keras.utils.PyDataset`, generators of tuples), any Python
        iterator of bare batches works: GAN data has no labels, so each batch is passed on
        as ``(batch,)``.

        A conditional model needs integer labels in ``[0, num_classes)``: NumPy labels
        (``fit(x, y)``) are checked up front (dtype, shape, range), a `tf.data` pipeline's
        element spec up front (labels present, integer) and its labels' range as they
        stream (a batch outside ``[0, num_classes)`` stops ``fit`` with one ValueError), a
        Python iterator's labels batch by batch; in the step, their dtype and shape.
        """
        callbacks = validation.check_fit_arguments(x, batch_size, epochs, callbacks, kwargs)
        precision.check_trainable([self.generator, self.discriminator])
        if kwargs.get("steps_per_epoch") is not None:
            validation.check_int(kwargs["steps_per_epoch"], "steps_per_epoch")
        if check_range:
            validation.check_real_array(x, self.sample_shape)
        if self.num_classes is not None:
            x, y = self._checked_labels(x, y)
        if hasattr(x, "element_spec"):
            # A tf.data pipeline shuffles itself; Keras's default shuffle=True only warns.
            kwargs.setdefault("shuffle", False)
            # TensorFlow's autotuning thread can hold the iterator's shutdown (end of fit,
            # each new epoch) for up to a minute: see keras_wgan.backend.datasets.
            from keras_wgan.backend.datasets import without_autotune_thread

            x = without_autotune_thread(x)
        if isinstance(x, collections.abc.Iterator):
            x = self._unlabelled_batches(x, check_range)
            kwargs.setdefault("shuffle", False)
        counter = setup.BatchCounter()
        try:
            history = super().fit(x, y, batch_size, epochs, verbose,
                                  callbacks=[*(callbacks or []), counter], **kwargs)
        except UnboundLocalError:
            # Still needed with the pinned Keras 3.15.1: the JAX trainer's `fit`
            # (keras/src/backend/jax/trainer.py) sets `logs` only inside its batch loop and
            # reads it right after (`epoch_logs = dict(self._get_metrics_result_or_logs(logs))`),
            # so an epoch whose data yields no batch raises UnboundLocalError there (the
            # TensorFlow and torch trainers start from `logs = {}`). Not ours to report:
            # the ValueError below names the empty data.
            if counter.batches:
                raise
            history = None
        except Exception as error:
            if self.num_classes is not None and validation.LABEL_RANGE_MARK in str(error):
                raise validation.label_range_error(self.num_classes) from None
            raise
        # Keras only finalizes a single `keras.optimizers.Optimizer`: with use_ema=True,
        # each player's moving average becomes its weights here, as Keras does for one.
        self.optimizer.finalize_variable_values()
        if counter.epochs and not counter.batches:
            raise ValueError(
                "The training data yielded no batch: the dataset is empty, or smaller than "
                "one batch with drop_remainder=True; check the source and the batch size."
            )
        return history

    def _unlabelled_batches(self, batches, check_range):
        for i, batch in enumerate(batches):
            if i == 0 and check_range:
                first = batch[0] if isinstance(batch, tuple) else batch
                validation.check_real_array(first, self.sample_shape)
            if self.num_classes is not None:
                if not isinstance(batch, tuple) or len(batch) < 2:
                    raise validation.missing_labels_error(self.num_classes)
                if isinstance(batch[1], np.ndarray):  # cheap: one batch's labels
                    validation.check_labels(batch[1], self.num_classes, n=len(batch[1]))
            yield batch if isinstance(batch, tuple) else (batch,)

    def _checked_labels(self, x, y):
        """``(x, y)`` for `fit` of a conditional model, its labels checked (see `fit`)."""
        if hasattr(x, "element_spec"):
            validation.check_label_spec(x.element_spec, self.num_classes)
            return validation.with_label_range_check(x, self.num_classes), y
        if isinstance(x, (collections.abc.Iterator, keras.utils.PyDataset)):
            return x, y  # checked batch by batch (iterators) or when traced (dtype, shape)
        if y is None:
            raise validation.missing_labels_error(self.num_classes)
        if isinstance(y, (np.ndarray, list, tuple)):
            n = len(x) if hasattr(x, "__len__") else None
            y = validation.check_labels(y, self.num_classes, n=n)
        return x, y

    def adversarial_train_step(self, data):
        """One training step written with variables; the backend's `Trainer` runs it as
        ``train_step`` (as it is on TensorFlow, inside a stateless scope on JAX)."""
        real, labels = self._real_batch(data)
        if labels is None:
            slices, size = self._critic_slices(real)
            label_slices = [None] * len(slices)
        else:
            slices, label_slices, size = self._critic_slices(real, labels)
            self.label_counts.assign_add(
                ops.sum(ops.one_hot(labels, self.num_classes, dtype="float32"), axis=0))
        for real_slice, label_slice in zip(slices, label_slices):
            self._record(self._discriminator_step(real_slice, label_slice))
        # The generator step reuses the last slice when its objective needs real scores, and,
        # in a conditional model, that slice's labels (draws of the data's label frequencies).
        self._record({"g_loss": self._generator_step(size, real=slices[-1],
                                                     labels=label_slices[-1])})
        return reducible_logs({m.name: m.result() for m in self.metrics})

    def adversarial_test_step(self, data):
        """The same quantities on a batch of real data, without updating any weight."""
        real, labels = self._real_batch(data)
        batch_size = ops.shape(real)[0]
        fake = self._fake(self.generator, self.sample_noise(batch_size), labels, training=False)
        _, stats = self._discriminator_loss(real, fake, training=False, labels=labels)
        stats["g_loss"] = self._generator_loss(batch_size, training=False, real=real,
                                               labels=labels)
        self._record(stats)
        return reducible_logs({m.name: m.result() for m in self.metrics})

    @classmethod
    def from_preset(cls, preset, **kwargs):
        """A preset made by this class: see `keras_wgan.hub.from_preset` (name, handle, path)."""
        from keras_wgan.hub.from_preset import from_preset
        return from_preset(cls, preset, **kwargs)

    # --- serialization ------------------------------------------------------------------

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": serialize(self.generator),
            "discriminator": serialize(self.discriminator),
            "latent_dim": self.latent_dim,
            "objective": self.objective.name,
            "critic_steps": self.critic_steps,
            "penalties": {name: serialize(p) for name, p in self.penalties.items()},
            "clip_value": variants.OFF if self.clip_value is None else self.clip_value,
            "clip_pattern": self.clip_pattern,
            "ema_decay": variants.OFF if self.ema_decay is None else self.ema_decay,
            "ema_start": self.ema_start,
            "num_classes": self.num_classes,
            "seed": self.seed,
            "fused_critic": self.fused_critic,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        missing = [key for key in ("generator", "discriminator") if key not in config]
        if missing:  # a KeyError naming one word before
            raise ValueError(f"This {cls.__name__} config has no {' or '.join(missing)}: it "
                             "was not written by get_config (a damaged or foreign .keras file?); "
                             "save the model again.")
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        # A config holds resolved settings: None there means "off", never "the default".
        # Files written before penalties were a mapping store one `gradient_penalty`.
        if "gradient_penalty" in config:
            old = config.pop("gradient_penalty")
            config.setdefault("penalties", {} if old is None else {"gradient_penalty": old})
        config["penalties"] = {
            name: keras.saving.deserialize_keras_object(p)
            for name, p in (config.get("penalties") or {}).items()
        }
        for key in ("clip_value", "ema_decay"):
            if config.get(key) is None:
                config[key] = variants.OFF
        return cls(**config)


def _check_fused_critic(fused_critic, critic):
    """``fused_critic`` as a bool, once the critic is known to allow one call for both."""
    if not isinstance(fused_critic, bool):
        raise ValueError(f"fused_critic must be True or False, got {fused_critic!r}.")
    blocker = critic_pass.fusion_blocker(critic) if fused_critic else None
    if blocker is not None:
        raise ValueError(f"fused_critic=True needs a critic that scores each example alone: "
                         f"{blocker}; use fused_critic=False.")
    return fused_critic
