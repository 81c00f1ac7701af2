"""`build_preset`: train a recipe, measure the stored weights, and write the preset folder whole.

The folder ``<root>/<family>/<name>/`` gets the generator (float16 weights, checked against
float32 on fixed noise by `keras_wgan.hub.save_preset`), its ``metadata.json`` (the recipe
itself under ``recipe``, the metrics measured on the *stored* weights, the training time, the
command) and a copy of the recipe as ``recipe.json``. Everything is written in a staging folder
beside it and swapped in at the end, so a failure leaves the previous preset as it was.
"""

import json
import os
import pathlib
import shutil
import tempfile
import time

from keras_wgan import precision
from keras_wgan.presets import measure, train
from keras_wgan.presets.recipe import RECIPE_FILE


def preset_metadata(recipe, dataset, gan, seconds, steps_done, notes, command):
    """What a preset says about itself; the recipe is stored whole, not copied field by field."""
    family = recipe["name"].split("/")[0]
    return {
        "description": recipe["description"],
        "family": family,
        "model": recipe["model"]["variant"],
        "dataset": dataset,
        "training_steps": int(steps_done),  # the recipe's steps unless its budget ran out
        "critic_steps_per_step": int(gan.critic_steps),
        "training_seconds": round(seconds, 1),
        "evaluation": dict(recipe["evaluation"], **notes),
        "recipe": recipe,
        "built_by": command,
    }


def shipped_generator(gan):
    """The network a preset ships: the trained generator's architecture (trainable, as the
    recipe builds it, in float32 whatever policy it trained under) with the generator EMA's
    weights when the model keeps an average."""
    if gan.ema_generator is not None:
        gan.generator.set_weights(gan.ema_generator.get_weights())
    return precision.as_float32(gan.generator)


def _write_json(path, value):
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def _swap_into_place(staged, target):
    """Replaces ``target`` by ``staged`` (same parent), keeping the old one until the new is in."""
    retired = None
    if target.exists():
        retired = staged.parent / f"{staged.name}.old"
        os.replace(target, retired)
    try:
        os.replace(staged, target)
    except OSError:
        if retired is not None:
            os.replace(retired, target)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _save_generator(generator, staged, metadata, recipe, log):
    """`hub.save_preset` with the recipe's ``storage``: float16 unless it says float32. When
    float16 storage moves the outputs past its tolerance, the preset is stored in float32
    instead (said in the log and in the metadata's ``weights_dtype``): a finished training is
    never thrown away for its storage format."""
    from keras_wgan import hub
    from keras_wgan.hub.preset import FLOAT16_TOLERANCE

    storage = recipe.get("storage", {})
    dtype = storage.get("weights_dtype", "float16")
    tolerance = storage.get("float16_tolerance", FLOAT16_TOLERANCE)
    try:
        return hub.save_preset(generator, staged, metadata=metadata, weights_dtype=dtype,
                               tolerance=tolerance)
    except hub.Float16ToleranceError as error:
        log(f"  {error}: storing float32 weights instead")
        shutil.rmtree(staged, ignore_errors=True)
        return hub.save_preset(generator, staged, metadata=metadata, weights_dtype="float32")


def progress_measurer(recipe, prepared, every, log):
    """An ``after_chunk`` hook (`keras_wgan.presets.train.fit_within`) that measures the
    generator in training by the recipe's protocol each time the steps done pass a multiple of
    ``every``, and logs the metrics' numbers: how a long build is going, before it ends.

    It measures what the preset would ship (the EMA generator when the model keeps one), in
    inference mode and from the protocol's own NumPy-seeded noise, so it leaves training as it
    was: the same weights come out with or without it. Its time is not training time.
    """
    from keras_wgan import hub

    last = [0]

    def after_chunk(gan, done):
        passed = done // every > last[0] // every
        last[0] = done
        if not passed:
            return
        start = time.perf_counter()
        averaged = gan.ema_generator is not None
        view = hub.PretrainedGenerator(gan.ema_generator if averaged else gan.generator,
                                       latent_dim=gan.latent_dim,
                                       num_classes=train.num_classes(recipe))
        metrics = measure.measure(view, recipe, prepared)
        numbers = ", ".join(f"{key} {value}" for key, value in metrics.items()
                            if isinstance(value, (int, float)) and not isinstance(value, bool))
        which = "EMA generator" if averaged else "generator"
        log(f"  measured at step {done} ({which}, {time.perf_counter() - start:.0f} s): "
            f"{numbers}")

    return after_chunk


def build_preset(recipe, root, *, mnist_dir=None, log=print, command=None, measure_every=None):
    """Trains ``recipe``, measures the stored weights and writes ``<root>/<recipe name>/``.

    Args:
        recipe: a checked recipe (`keras_wgan.presets.recipe.load_recipe`).
        root: the presets root (the bundled one is ``keras_wgan.presets.PRESETS_DIR``).
        mnist_dir: where MNIST is (see `keras_wgan.data.mnist.find_mnist`).
        log: where progress lines go (None: nowhere).
        command: the command line recorded as ``built_by``.
        measure_every: also measure the generator in training every this many generator
            steps and log it (`progress_measurer`); the metadata keeps the final metrics only.

    Returns:
        The preset's metadata, metrics included.
    """
    from keras_wgan import hub

    log = log or (lambda line: None)
    target = pathlib.Path(root) / recipe["name"]
    real, dataset = train.load_real(recipe, mnist_dir)  # before training: a missing MNIST fails fast
    log(f"training {recipe['name']} for {recipe['training']['steps']} steps"
        + (f" on {len(real):,} images" if real is not None else ""))
    precision.warn_if_emulated(recipe["training"].get("dtype_policy"),
                               f"{train.FLOAT32_BUILD} (the metadata's recipe records it)")
    prepared = measure.prepare(recipe, real, mnist_dir)
    progress = measure_every and progress_measurer(recipe, prepared, measure_every, log)
    gan, seconds, steps_done = train.train(recipe, real, log=log, after_chunk=progress)
    if steps_done < recipe["training"]["steps"]:
        log(f"  training.budget_seconds ran out after {steps_done} step"
            + ("" if steps_done == 1 else "s"))
    metadata = preset_metadata(recipe, dataset, gan, seconds, steps_done, prepared.get("notes", {}),
                               command or f"python -m keras_wgan.presets.build --only "
                                          f"{recipe['name']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))
    try:
        staged = staging / target.name
        meta = _save_generator(shipped_generator(gan), staged, metadata, recipe, log)
        meta["metrics"] = measure.measure(hub.load_preset(staged), recipe, prepared)
        _write_json(staged / "metadata.json", meta)  # not hashed: the weights are unchanged
        _write_json(staged / RECIPE_FILE, recipe)
        staged.chmod(0o755)
        _swap_into_place(staged, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"wrote {target}: {json.dumps(meta['metrics'])}")
    return meta


def measure_preset(recipe, root, *, mnist_dir=None, log=print):
    """Measures the stored weights of ``<root>/<recipe name>/`` again, without training.

    The metadata's ``metrics`` and evaluation notes are replaced by what the recipe's protocol
    measures now (after a new metric joins the protocol, or to check a preset on another
    machine); the weights and config are not touched. The metadata is written atomically.

    Returns:
        The new metrics.
    """
    from keras_wgan import atomic, hub

    log = log or (lambda line: None)
    target = pathlib.Path(root) / recipe["name"]
    if not (target / "metadata.json").is_file():
        raise FileNotFoundError(f"no preset at {target} to measure; build it first "
                                f"(--only {recipe['name']})")
    real, _ = train.load_real(recipe, mnist_dir)
    prepared = measure.prepare(recipe, real, mnist_dir)
    metrics = measure.measure(hub.load_preset(target), recipe, prepared)
    meta = json.loads((target / "metadata.json").read_text(encoding="utf-8"))
    meta["metrics"] = metrics
    meta["evaluation"] = dict(recipe["evaluation"], **prepared.get("notes", {}))
    atomic.replace(target / "metadata.json", (json.dumps(meta, indent=2) + "\n").encode())
    log(f"measured {target}: {json.dumps(metrics)}")
    return metrics
