"""One importable training run, shared by the command line and the examples.

`build_model` makes any of the four models with builders that fit the data (DCGAN for
images, MLPs for 2-D points); `train` fits it and writes, per epoch, a sample grid from
fixed noise, TensorBoard scalars and images, a `.keras` checkpoint, a PNG of the loss and
Wasserstein-estimate curves and ``history.json`` (each written atomically).
"""

import contextlib
import os
import signal

import keras

from keras_wgan import architectures, atomic, memory, precision
from keras_wgan import data as keras_wgan_data
from keras_wgan.models import get_model_class, get_variant, paper_optimizers, validation
from keras_wgan.training import callbacks, resume


def build_model(model="wgan_gp", sample_shape=(28, 28, 1), latent_dim=128, width=64,
                critic_steps=None, gradient_penalty=None, clip_value=None, seed=None,
                num_classes=None, dtype_policy=None):
    """Make a registered model (`keras_wgan.models.VARIANTS`) whose players fit ``sample_shape``.

    With ``num_classes`` the model is class-conditional: the same builders with
    ``num_classes=`` (a label embedding concatenated with the generator's noise, a projection
    critic).

    Images ``(side, side, channels)`` get `dcgan_generator` / `dcgan_critic` with the critic
    normalization the variant declares (batch norm for GAN/NSGAN, as in DCGAN; none for the
    WGANs, which WGAN-GP's per-example penalty requires: the WGAN paper's own DCGAN critic did
    use batch norm, so pass your own critic to reproduce it). 1-D points ``(dim,)`` get the
    MLPs. ``None`` hyperparameters keep the paper defaults; ``"none"`` turns the penalty or the
    clip off. ``dtype_policy`` (`keras_wgan.precision.POLICIES`; None: float32) is the Keras
    policy the networks and the model are made under: ``"mixed_bfloat16"`` computes in
    bfloat16 with float32 variables.
    """
    variant = get_variant(model)
    dtype_policy = precision.check_policy(dtype_policy)
    latent_dim = validation.check_int(latent_dim, "latent_dim")
    width = validation.check_int(width, "width")
    sample_shape = tuple(sample_shape)
    if len(sample_shape) == 3 and sample_shape[0] != sample_shape[1]:
        raise ValueError(
            f"The DCGAN models take square images, got {sample_shape[0]}x{sample_shape[1]}: "
            "pass image_size (--image-size) to resize and center-crop them."
        )
    if len(sample_shape) not in (1, 3):
        raise ValueError(f"Samples must be images (H, W, C) or points (D,), got {sample_shape}.")

    def networks():
        classes = {"num_classes": num_classes}
        if len(sample_shape) == 3:
            return (architectures.dcgan_generator(latent_dim, sample_shape, width, **classes),
                    architectures.dcgan_critic(sample_shape, width, norm=variant.critic_norm,
                                               **classes))
        # The MLP critic takes spectral norm; batch-normalized variants keep the paper's toy
        # MLP critic, which had none.
        norm = variant.critic_norm if variant.critic_norm == "spectral" else None
        return (architectures.mlp_generator(latent_dim, sample_shape[0], width, **classes),
                architectures.mlp_critic(sample_shape[0], width, norm=norm, **classes))

    memory.require_networks_fit(
        networks, f"width {width} (--width) and latent_dim {latent_dim} (--latent-dim)")
    with precision.dtype_policy(dtype_policy):
        generator, critic = networks()
        return variant.model_class(
            generator=generator, discriminator=critic, latent_dim=latent_dim,
            critic_steps=critic_steps, gradient_penalty=gradient_penalty, clip_value=clip_value,
            seed=seed, num_classes=num_classes,
        )


def compile_model(gan, learning_rate=None, jit_compile="auto"):
    """Compile with the paper optimizers, optionally at another learning rate (> 0)."""
    if learning_rate is not None:
        learning_rate = validation.check_float(learning_rate, "learning rate", above=0,
                                               float32=True)
    gan.compile(*paper_optimizers(gan, learning_rate), jit_compile=jit_compile)
    return gan


def training_callbacks(out_dir, n_samples=64, real_points=None, checkpoint_dir=None,
                       curves_every=30.0):
    """The per-epoch outputs every run writes into ``out_dir``, after the NaN/Inf guard.

    With ``checkpoint_dir``, a `ResumableCheckpoint` saves the full training state there
    each epoch and a rerun resumes from it; ``history.json`` and ``curves.png`` then start
    with the epochs the checkpoint had already trained. Every file but TensorBoard's is
    written atomically (`keras_wgan.atomic`). ``curves.png`` is redrawn at most every
    ``curves_every`` seconds and when training ends; ``history.json`` every epoch.
    """
    earlier = None
    resumable = []
    if checkpoint_dir:
        resumable = [resume.ResumableCheckpoint(checkpoint_dir)]
        earlier = resumable[0].saved_history()
    return [resume.NonFiniteGuard(), *resumable,
        callbacks.SampleGrid(os.path.join(out_dir, "samples"), n=n_samples, real=real_points),
        callbacks.TensorBoardSamples(os.path.join(out_dir, "tensorboard"), n=min(n_samples, 36)),
        callbacks.TensorBoard(os.path.join(out_dir, "tensorboard")),
        callbacks.ModelFile(os.path.join(out_dir, "checkpoint.keras")),
        callbacks.HistoryPlot(os.path.join(out_dir, "curves.png"), earlier=earlier,
                              json_path=os.path.join(out_dir, "history.json"),
                              redraw_every=curves_every),
    ]


class TrainingLogs(dict):
    """``{name: [value per epoch]}``, and how the run ended.

    Attributes:
        stopped_by: None when every epoch ran, else ``"max_steps"``, ``"minutes"``,
            ``"SIGINT"`` or ``"SIGTERM"``.
        generator_steps: generator steps trained (a resumed checkpoint's included).
        epoch: the (1-based) epoch of the last step; when ``cut_short`` it is the last value
            logged, averaged over that epoch's steps so far.
        cut_short: whether the last epoch stopped before its last step.
    """

    stopped_by, generator_steps, epoch, cut_short = None, 0, 0, False


def train(gan, dataset, out_dir, epochs=10, steps_per_epoch=None, verbose="auto",
          extra_callbacks=(), checkpoint_dir=None, max_steps=None, minutes=None,
          curves_every=30.0):
    """Fit ``gan`` on ``dataset`` (batches of critic_steps x per-step size) writing to ``out_dir``.

    Returns the per-epoch logs, a `TrainingLogs` ``{name: [value per epoch]}``, also written
    to ``out_dir/history.json`` after every epoch. With ``checkpoint_dir`` the run resumes
    from the checkpoint there, and the logs cover every epoch trained, earlier runs'
    included. If the checkpoint has already trained ``epochs`` epochs (or ``max_steps``
    steps) there is nothing to do: ``gan`` gets the checkpoint's state, nothing is written,
    a line says so and the saved logs are returned.

    The run ends at a step boundary after ``max_steps`` generator steps in all (a resumed
    checkpoint's count) or once ``minutes`` of training have passed, and on SIGINT (Ctrl-C)
    or SIGTERM. The outputs are then written for the epoch cut short (its logs averaged over
    the steps it ran), which a checkpoint does not commit: a rerun redoes it. A signal then
    raises `callbacks.Interrupted` (a KeyboardInterrupt) naming the step, with the logs as
    ``history``; a second signal raises it at once, without writing anything more.
    """
    if max_steps is not None:
        max_steps = validation.check_int(max_steps, "max_steps")
    if minutes is not None:
        minutes = validation.check_float(minutes, "minutes", above=0)
    done, steps_done = completed_epochs(checkpoint_dir), completed_steps(checkpoint_dir)
    if checkpoint_dir:  # another model's checkpoint: refused before anything is written
        checkpoint = resume.ResumableCheckpoint(checkpoint_dir).latest()
        resume.check_same_model(checkpoint and checkpoint.get("model"), gan, checkpoint_dir)
    if checkpoint_dir and (done >= epochs or (max_steps is not None and steps_done >= max_steps)):
        return _restore_finished(gan, dataset, epochs, steps_per_epoch, checkpoint_dir, done,
                                 max_steps)
    atomic.check_writable(out_dir)
    if checkpoint_dir:
        atomic.check_writable(checkpoint_dir, "checkpoint folder", "--checkpoint-dir")
    real_points = None
    if len(gan.sample_shape) == 1:
        first = next(iter(dataset.unbatch().batch(1000).take(1)))
        real_points = (first[0] if isinstance(first, tuple) else first).numpy()
    outputs = training_callbacks(out_dir, real_points=real_points, checkpoint_dir=checkpoint_dir,
                                 curves_every=curves_every)
    stopper = callbacks.StopAtStepBoundary(max_steps, minutes, steps_done=steps_done)
    plot = next(c for c in outputs if isinstance(c, callbacks.HistoryPlot))
    try:
        with stopper.signals():
            gan.fit(
                dataset,
                epochs=epochs,
                steps_per_epoch=steps_per_epoch,
                callbacks=[outputs[0], stopper, *outputs[1:], *extra_callbacks],
                verbose=verbose,
            )
    except Exception:
        # Keras skips on_train_end on an error (a diverged run): draw the epochs logged.
        with contextlib.suppress(Exception):
            plot.finish()
        raise
    logs = TrainingLogs({name: list(values) for name, values in plot.history.items()})
    logs.stopped_by, logs.generator_steps = stopper.stopped_by, stopper.steps
    logs.epoch, logs.cut_short = stopper.epoch, stopper.cut_short
    if logs.stopped_by in ("SIGINT", "SIGTERM"):
        raise callbacks.Interrupted(
            f"stopped by {logs.stopped_by} at generator step {logs.generator_steps} "
            f"(epoch {logs.epoch}): outputs written to {os.fspath(out_dir).rstrip(os.sep)}/",
            128 + getattr(signal, logs.stopped_by), history=logs,
        )
    return logs


def _restore_finished(gan, dataset, epochs, steps_per_epoch, checkpoint_dir, done, max_steps):
    """Give ``gan`` a finished checkpoint's state, write nothing, and return its logs."""
    checkpoint = resume.ResumableCheckpoint(checkpoint_dir)
    steps_done = completed_steps(checkpoint_dir)
    # The checkpoint sets the initial epoch to `done`, so a fit to at most `done` epochs
    # trains no step: it builds the model and optimizers and loads the state, as a resume
    # would. (A spent step budget implies at least one committed epoch: max_steps >= 1.)
    gan.fit(dataset, epochs=min(epochs, done), steps_per_epoch=steps_per_epoch,
            callbacks=[checkpoint], verbose=0)
    if done >= epochs:
        print(f"nothing to do: all {epochs} epochs were already trained (checkpoint at "
              f"{checkpoint_dir}, epoch {done}); use a new --checkpoint-dir or more --epochs")
    else:
        print(f"nothing to do: {steps_done} generator steps (--max-steps {max_steps}) were "
              f"already trained (checkpoint at {checkpoint_dir}, epoch {done}); use a new "
              "--checkpoint-dir or a larger --max-steps")
    logs = TrainingLogs(checkpoint.saved_history())
    logs.generator_steps, logs.epoch = steps_done, done
    return logs


def run(model="wgan_gp", data="toy:ring8", out="runs/latest", epochs=10, steps_per_epoch=None,
        batch_size=64, image_size=None, channels=None, latent_dim=128, width=64,
        critic_steps=None, gp_weight=None, clip_value=None, lr=None, seed=0,
        jit_compile="auto", data_dir=None, download=True, checkpoint_dir=None,
        verbose="auto", max_steps=None, minutes=None, conditional=False, dtype_policy=None):
    """Build, compile and train one model on one data source; return ``(gan, history)``.

    ``conditional=True`` trains a class-conditional model on the data's labels, its number of
    classes read from the data: ``toy:ring8`` / ``toy:grid25`` (one class per mode), a folder
    with one subfolder per class, or a folder of MNIST IDX files with their labels file.

    ``data`` is ``"toy:<name>"``, ``"tfds:<name>"``, a folder of images or of MNIST IDX files;
    ``batch_size`` counts real examples per critic step (each step reads
    ``critic_steps * batch_size``). ``None`` hyperparameters keep the paper defaults.
    With ``checkpoint_dir``, rerunning the same call after a crash resumes from the last
    complete epoch (toy streams continue at the right batch too). ``max_steps`` (generator
    steps in all, across epochs) and ``minutes`` (wall clock) end the run early at a step
    boundary, as SIGINT and SIGTERM do (see `train`). ``dtype_policy`` (``"mixed_bfloat16"``,
    ``"mixed_float16"``; None: float32) trains in Keras mixed precision.

    Every setting is checked before anything is read or written (one-line ValueError or
    TypeError); a damaged image file met while training is named (`data.naming_bad_files`).
    """
    _check_run_settings(epochs=epochs, steps_per_epoch=steps_per_epoch, batch_size=batch_size,
                        critic_steps=critic_steps, gp_weight=gp_weight, clip_value=clip_value,
                        lr=lr, seed=seed, max_steps=max_steps, minutes=minutes)
    dtype_policy = precision.check_policy(dtype_policy)
    precision.warn_if_emulated(dtype_policy, "train in float32 instead: drop --mixed-precision "
                                             "(dtype_policy=None)")
    keras.utils.set_random_seed(seed)
    # None, and only None, means the model's default: critic_steps=0 is an error above.
    steps = get_model_class(model).default_critic_steps if critic_steps is None else critic_steps
    toy = toy_source(data)
    num_classes = None
    if toy is not None:
        if steps_per_epoch is None:
            raise ValueError("Toy data never ends: pass steps_per_epoch (--steps-per-epoch 200).")
        ignored = [f"{name} (--{name.replace('_', '-')})" for name, value in
                   (("image_size", image_size), ("channels", channels)) if value is not None]
        if ignored:  # they were silently ignored
            raise ValueError(f"{' and '.join(ignored)} shape images; {data} holds 2-D points: "
                             "drop them, or train on images")
        if conditional:
            num_classes = _toy_classes(toy)
        done = completed_epochs(checkpoint_dir) * steps_per_epoch
        sample_shape = (2,)
        _require_step_batch(batch_size, steps, sample_shape)
        dataset = keras_wgan_data.toy_dataset(toy, batch_size * steps, seed=seed, start=done,
                                              labels=bool(conditional))
    else:
        try:
            dataset = keras_wgan_data.image_dataset(
                data, batch_size * steps, image_size=image_size, channels=channels, seed=seed,
                repeat=steps_per_epoch is not None, data_dir=data_dir, download=download,
                labels="inferred" if conditional else None,
            )
        except keras_wgan_data.pipeline.TooFewExamples as error:
            raise _too_few_images(error, batch_size, steps) from None
        spec = dataset.element_spec
        sample_shape = tuple((spec[0] if conditional else spec).shape[1:])
        _require_step_batch(batch_size, steps, sample_shape)
        if conditional:
            num_classes = _data_classes(dataset, data)
    gan = build_model(model, sample_shape, latent_dim=latent_dim, width=width,
                      critic_steps=critic_steps, gradient_penalty=gp_weight,
                      clip_value=clip_value, seed=seed, num_classes=num_classes,
                      dtype_policy=dtype_policy)
    compile_model(gan, learning_rate=lr, jit_compile=jit_compile)
    with keras_wgan_data.naming_bad_files(data), without_grappler_remapping():
        return gan, train(gan, dataset, out, epochs=epochs, steps_per_epoch=steps_per_epoch,
                          verbose=verbose, checkpoint_dir=checkpoint_dir,
                          max_steps=max_steps, minutes=minutes)


def _require_step_batch(batch_size, steps, sample_shape):
    """One step's real examples held against memory, naming the flags that set their number."""
    side = f", images of side {sample_shape[0]} (--image-size)" if len(sample_shape) == 3 else ""
    memory.require_batch_fits(
        batch_size * steps, sample_shape,
        f"critic_steps {steps} (--critic-steps) x batch_size {batch_size} (--batch-size){side}")


def _toy_classes(name):
    if name not in keras_wgan_data.toy.LABELLED:
        raise ValueError(
            f"--conditional needs labelled data, and toy:{name} has no classes: use "
            f"{' or '.join('toy:' + n for n in keras_wgan_data.toy.LABELLED)} (one class per "
            "mode), or a folder with one subfolder per class."
        )
    return keras_wgan_data.toy_num_classes(name)


def _data_classes(dataset, source):
    names = list(getattr(dataset, "class_names", None) or [])
    if len(names) < 2:
        raise ValueError(
            f"--conditional needs at least two classes, and {source} has {len(names)}: give "
            "each class a subfolder of its own."
        )
    return len(names)


@contextlib.contextmanager
def without_grappler_remapping():
    """Grappler's remapper cannot fuse a DCGAN critic's Conv2D+BiasAdd+LeakyReLU under the
    gradient penalty's double backprop: it prints "E... remapper failed: INVALID_ARGUMENT"
    mid-run and leaves that graph as it was. Off while training (the command line and `demo`)."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    prior = tf.config.optimizer.get_experimental_options().get("remapping", True)
    tf.config.optimizer.set_experimental_options({"remapping": False})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": prior})


def _check_run_settings(epochs, steps_per_epoch, batch_size, critic_steps, gp_weight,
                        clip_value, lr, seed, max_steps=None, minutes=None):
    """The numbers `run` takes, in range (None keeps a default); a one-line error names one."""
    validation.check_int(epochs, "epochs")
    validation.check_int(batch_size, "batch_size")
    validation.check_seed(seed)
    for name, value in (("steps_per_epoch", steps_per_epoch), ("critic_steps", critic_steps),
                        ("max_steps", max_steps)):
        if value is not None:
            validation.check_int(value, name)
    if gp_weight is not None:
        validation.check_float(gp_weight, "gp_weight", minimum=0, float32=True)
    if clip_value is not None:
        validation.check_float(clip_value, "clip_value", above=0, float32=True)
    if lr is not None:
        validation.check_float(lr, "lr", above=0, float32=True)
    if minutes is not None:
        validation.check_float(minutes, "minutes", above=0)


def _too_few_images(error, batch_size, critic_steps):
    """`TooFewExamples` told in the run's own settings (one step reads critic_steps batches)."""
    most = error.num_examples // critic_steps
    fix = (f"lower batch_size (--batch-size) to at most {most}" if most else
           f"add images (at least {critic_steps}) or lower critic_steps (--critic-steps)")
    return ValueError(
        f"{error.source} holds {error.num_examples} image{'' if error.num_examples == 1 else 's'}, "
        f"fewer than one training step reads "
        f"(critic_steps {critic_steps} x batch_size {batch_size} = {error.batch_size}): {fix}."
    )


def completed_epochs(checkpoint_dir):
    """The epochs a `--checkpoint-dir` run has committed so far (0 without one)."""
    if not checkpoint_dir:
        return 0
    metadata = resume.ResumableCheckpoint(checkpoint_dir).latest()
    return metadata["epoch"] if metadata else 0


def completed_steps(checkpoint_dir):
    """The generator steps a `--checkpoint-dir` run has committed so far (0 without one)."""
    if not checkpoint_dir:
        return 0
    metadata = resume.ResumableCheckpoint(checkpoint_dir).latest()
    return int((metadata or {}).get("generator_steps") or 0)


def finished(checkpoint_dir, epochs, max_steps=None):
    """Whether a `--checkpoint-dir` run has nothing left to train (all epochs, or the steps)."""
    return bool(checkpoint_dir) and (
        completed_epochs(checkpoint_dir) >= epochs
        or (max_steps is not None and completed_steps(checkpoint_dir) >= max_steps))


def toy_source(source):
    """``"toy:ring8"`` -> ``"ring8"``; anything else -> None."""
    if isinstance(source, str) and source.startswith("toy:"):
        name = source[4:]
        if name not in keras_wgan_data.TOY_DISTRIBUTIONS:
            raise ValueError(
                f"Unknown toy distribution '{name}'; use one of "
                f"{', '.join('toy:' + n for n in keras_wgan_data.TOY_DISTRIBUTIONS)}."
            )
        return name
    return None
