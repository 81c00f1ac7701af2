"""What each `keras-wgan` command does; `cli` only parses the arguments."""

import numpy as np


def train(args):
    from keras_wgan import training
    from keras_wgan.precision import SHORT_NAMES

    options = {k: v for k, v in vars(args).items() if k not in ("command", "debug")}
    options["download"] = not options.pop("no_download")
    options["dtype_policy"] = SHORT_NAMES.get(options.pop("mixed_precision"))
    already_done = training.finished(args.checkpoint_dir, args.epochs, args.max_steps)
    gan, logs = training.run(**options)
    if already_done:  # run() said "nothing to do" and left every file as it was
        return 0
    final = ", ".join(f"{k}={v[-1]:.4f}" for k, v in logs.items())
    if gan.num_classes is not None:
        final += f" (class-conditional, {gan.num_classes} classes: samples/ has one per row)"
    if logs.stopped_by == "max_steps":
        print(f"stopped {args.model} at generator step {logs.generator_steps} (--max-steps "
              f"{args.max_steps}, epoch {logs.epoch}): {final}")
    elif logs.stopped_by == "minutes":
        print(f"stopped {args.model} at generator step {logs.generator_steps} (--minutes "
              f"{args.minutes:g} spent, epoch {logs.epoch}): {final}")
    else:
        print(f"trained {args.model} for {args.epochs} epochs: {final}")
    print(f"outputs in {args.out}/: samples/, curves.png, checkpoint.keras, tensorboard/")
    return 0


def sample(args):
    from keras_wgan import hub, plotting

    generator = hub.load(args.source)
    label = getattr(args, "label", None)
    if label is not None:
        if not getattr(generator, "num_classes", None):
            raise ValueError(f"--label {label}: {args.source} is not class-conditional; "
                             "drop --label")
        if label >= generator.num_classes:  # argparse refused < 0
            raise ValueError(f"--label {label}: {args.source} draws the classes 0 to "
                             f"{generator.num_classes - 1}; pick one of them")
        samples = generator.generate(args.n, seed=args.seed, labels=label)
        labels, columns = None, None
    else:  # a conditional generator's grid: one class per row
        samples, labels, columns = plotting.model_samples(generator, args.n, args.seed)
    if samples.ndim == 4:
        plotting.save_image_grid(samples, args.out, columns=columns)
    else:
        plotting.save_toy_figure(args.out, samples[:0], samples, title=args.source,
                                 labels=labels)
    print(f"wrote {len(samples)} samples to {args.out}")
    return 0


def export(args):
    from keras_wgan import hub

    # Refuses a file path, or a folder holding files without --overwrite, before loading.
    path = hub.export_saved_model(args.source, args.out, overwrite=args.overwrite)
    print(f"SavedModel written to {path} (signature serving_default: latent -> images)")
    return 0


def eval(args):  # noqa: A001 - the command is called eval
    from keras_wgan import hub
    from keras_wgan.training import toy_source

    toy = toy_source(args.data)  # an unknown toy name fails before the model is loaded
    generator = hub.load(args.source)
    fake = generator.generate(args.n, seed=args.seed)
    _check_comparable(fake.shape[1:], args.data, toy)
    rows = _toy_metrics(toy, fake, args.seed) if toy else _image_metrics(args, fake)
    width = max(len(name) for name, _ in rows)
    print(f"{'metric':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def _check_comparable(sample_shape, data, toy):
    """Refuse data of another kind than the samples (images vs 2-D points), naming both."""
    if toy and sample_shape != (2,):
        raise ValueError(
            f"The generator makes samples of shape {sample_shape}, but {data} holds 2-D points "
            "of shape (2,): compare it with image data (--data PATH or tfds:NAME)."
        )
    if not toy and (len(sample_shape) != 3 or sample_shape[-1] not in (1, 3)):
        raise ValueError(
            f"The generator makes samples of shape {sample_shape}, not images (H, W, 1 or 3), "
            f"so {data} cannot be compared with them: use --data toy:NAME for a 2-D generator."
        )


def _toy_metrics(name, fake, seed):
    from functools import partial

    from keras_wgan import data, evaluation

    rows = []
    if name in ("ring8", "grid25"):
        stats = evaluation.toy_mode_stats(fake, name)
        rows += [("modes covered", f"{stats['modes_covered']}/{stats['n_modes']}"),
                 ("high-quality rate", f"{stats['hq_rate']:.3f}")]
    w1 = evaluation.w1_with_noise_floor(fake[:1000], partial(data.sample, name), seed=seed)
    rows += [("W1", f"{w1['w1']:.4f}"), ("W1 noise floor", f"{w1['noise_floor']:.4f}"),
             ("W1 / floor", f"{w1['ratio']:.2f}")]
    return rows


#: Real images `eval` reads per batch, and so the fewest it compares against.
REAL_BATCH = 100


def _image_metrics(args, fake):
    from keras_wgan import data, evaluation

    (height, width), channels = fake.shape[1:3], fake.shape[3]
    try:
        real_ds = data.image_dataset(args.data, REAL_BATCH, image_size=(height, width),
                                     channels=channels, seed=args.seed)
    except data.pipeline.TooFewExamples as error:
        raise ValueError(f"{error.source} holds {error.num_examples} images; eval compares "
                         f"against at least {REAL_BATCH} real ones: point --data at more") from None
    with data.naming_bad_files(args.data):
        real = np.concatenate([b.numpy() for b in real_ds.take(max(1, args.n // REAL_BATCH))])
    if fake.shape[1:] != (28, 28, 1):
        swd = evaluation.sliced_wasserstein(real.reshape(len(real), -1), fake.reshape(len(fake), -1))
        return [("sliced W (pixels)", f"{swd:.4f}")]
    features = evaluation.MnistClassifierFeatures()
    coverage = evaluation.digit_coverage(fake)
    return [
        ("classifier FID", f"{evaluation.fid(real, fake, features):.2f}"),
        ("classifier KID", f"{evaluation.kid(real, fake, features, subset_size=min(1000, len(real) // 2)):.4f}"),
        ("digits covered", f"{coverage['digits_covered']}/10"),
        ("class entropy (nats)", f"{coverage['entropy']:.3f} (uniform: {np.log(10):.3f})"),
    ]
