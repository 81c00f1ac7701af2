"""Train what a recipe says: its data, its networks, its model variant, its optimizers, its steps.

    gan, seconds = train(load_recipe("keras_wgan/presets/wgan_gp/grid25/recipe.json"))

Everything is seeded by ``training.seed`` (`keras.utils.set_random_seed` before the networks
are built, the model's noise seed, the data order), so a recipe trains the same model twice on
the same machine and backend.
"""

import time

import keras
import numpy as np

from keras_wgan import memory, precision
from keras_wgan.presets.recipe import optimizer_class

#: how a preset build trains a recipe in float32, which refusals and warnings name
FLOAT32_BUILD = "build in float32 with --dtype-policy float32"


class LabelledImages(np.ndarray):
    """Training images that carry their class labels as ``labels`` (a conditional recipe's
    MNIST): still the image array every caller of `load_real` indexes, counts and measures.

    Only the whole set holds labels: a slice, a copy or a permutation of it is a plain image
    array again (``labels`` None), so no rows and labels can drift apart.
    """

    def __new__(cls, images, labels):
        array = np.asarray(images).view(cls)
        array.labels = np.asarray(labels, dtype="int32")
        return array

    def __array_finalize__(self, obj):
        self.labels = None


def num_classes(recipe):
    """The recipe's number of classes (``model.num_classes``), or None: unconditional."""
    return recipe["model"].get("num_classes")


def load_real(recipe, mnist_dir=None):
    """``(images or None, dataset metadata)``: the training images (MNIST) and what they are.

    MNIST is found by `keras_wgan.data.mnist.find_mnist` (``mnist_dir``, ``$KERAS_WGAN_MNIST``,
    the repository's ``../shared/data/mnist``, else the download); toy data needs no loading.
    A conditional recipe's images come as `LabelledImages` (their digits in ``labels``).
    """
    data = recipe["data"]
    if data["source"] == "toy":
        from keras_wgan.data import mixture_modes

        described = {"name": data["name"], "source": f"keras_wgan.data.toy_dataset("
                                                     f"{data['name']!r})"}
        try:
            centres, std = mixture_modes(data["name"])
            described.update(std=std, n_modes=int(len(centres)))
        except ValueError:  # not a mixture (swiss_roll, parallel_lines): no modes to state
            pass
        return None, dict(described, **_note(data))
    from keras_wgan.data.mnist import REPO_MNIST, SPLITS, find_mnist, load_mnist

    split = data.get("split", "test")
    if num_classes(recipe) is None:
        images = load_mnist(mnist_dir, split=split)
    else:
        images = LabelledImages(*load_mnist(mnist_dir, split=split, labels=True))
    folder = find_mnist(mnist_dir)
    described = {"name": f"MNIST {split} split ({SPLITS[split]}), {len(images):,} images",
                 "n_images": int(len(images)), "split": split,
                 "source": ("mnist.npz download" if folder is None else
                            "../shared/data/mnist (the repository's shared copy)"
                            if folder.resolve() == REPO_MNIST.resolve() else str(folder)),
                 "files": f"{SPLITS[split]}-images-idx3-ubyte.gz" if folder else "mnist.npz"}
    return images, dict(described, **_note(data))


def _note(data):
    return {"note": data["note"]} if "note" in data else {}


def real_stream(recipe, real, critic_steps):
    """An endless stream of ``batch_size * critic_steps`` real examples per step: a ``tf.data``
    pipeline where TensorFlow is installed, else (JAX or torch alone, e.g. on a GPU machine
    without TensorFlow) a seeded NumPy iterator over the same data (`numpy_stream`)."""
    from keras_wgan import data

    batch, seed = recipe["training"]["batch_size"] * critic_steps, recipe["training"]["seed"]
    conditional = num_classes(recipe) is not None
    labels = getattr(real, "labels", None) if conditional else None
    if conditional and labels is None and recipe["data"]["source"] != "toy":
        raise ValueError(f"recipe {recipe['name']} is conditional but its images came without "
                         "labels: load them with load_real(recipe)")
    if not _have_tensorflow():
        return numpy_stream(recipe, real, batch, seed, labels)
    if recipe["data"]["source"] == "toy":
        return data.toy_dataset(recipe["data"]["name"], batch, seed=seed, labels=conditional)
    return data.image_dataset(np.asarray(real), batch, shuffle=True, seed=seed, repeat=True,
                              value_range=(-1, 1), labels=labels)


def _have_tensorflow():
    import importlib.util

    try:
        return importlib.util.find_spec("tensorflow") is not None
    except ValueError:  # sys.modules["tensorflow"] is None: imports of it fail
        return False


def numpy_stream(recipe, real, batch, seed, labels=None):
    """Endless batches from NumPy alone: toy samples drawn by `keras_wgan.data.sample`, or the
    images (and labels) reshuffled every pass with ``np.random.default_rng(seed)``, each batch
    ``(images, labels)`` for a conditional recipe. Not the ``tf.data`` order: a recipe trained
    through this stream matches itself, not a run with TensorFlow installed. Being one Python
    iterator, it continues from call to call of `fit` instead of restarting as ``tf.data`` does.

    Raises:
        ValueError: at once (not at the first batch) when a step needs more images than exist.
    """
    rng = np.random.default_rng(seed)
    if recipe["data"]["source"] == "toy":
        return _toy_batches(recipe, batch, rng)
    images = np.asarray(real, dtype="float32")
    if len(images) < batch:
        raise ValueError(f"recipe {recipe['name']} needs {batch} images per step, the data "
                         f"holds {len(images)}: lower training.batch_size")
    return _image_batches(images, labels, batch, rng)


def _toy_batches(recipe, batch, rng):
    from keras_wgan.data import sample

    conditional = num_classes(recipe) is not None
    while True:
        yield sample(recipe["data"]["name"], batch, seed=int(rng.integers(2**31)),
                     labels=conditional)


def _image_batches(images, labels, batch, rng):
    while True:
        order = rng.permutation(len(images))
        for start in range(0, len(order) - batch + 1, batch):
            rows = order[start:start + batch]
            yield images[rows] if labels is None else (images[rows], labels[rows])


def networks(architecture, sample_shape, num_classes=None):
    """``(generator, critic)`` of the recipe's architecture for samples of ``sample_shape``
    (class-conditional ones with ``num_classes``: see `keras_wgan.architectures.conditional`)."""
    from keras_wgan import architectures

    classes = {"num_classes": num_classes}
    if architecture["name"] == "mlp":
        n_freq = architecture.get("critic_fourier_features")
        fourier = ({"fourier_scale": architecture["critic_fourier_scale"],
                    "fourier_features": n_freq} if n_freq else {})
        return (architectures.mlp_generator(architecture["latent_dim"], sample_shape[0],
                                            architecture["width"], architecture["depth"],
                                            **classes),
                architectures.mlp_critic(sample_shape[0], architecture["width"],
                                         architecture["depth"], **fourier, **classes))
    return (architectures.dcgan_generator(architecture["latent_dim"], sample_shape,
                                          architecture["width"],
                                          norm=architecture.get("generator_norm", "batch"),
                                          **classes),
            architectures.dcgan_critic(sample_shape,
                                       architecture.get("critic_width", architecture["width"]),
                                       norm=architecture.get("critic_norm"), **classes))


def make_model(recipe, cls=None):
    """The recipe's model variant around its networks, not yet compiled.

    ``cls`` trains another variant on the same networks: then the recipe's ``model`` settings,
    which belong to its own variant, are left out (but ``num_classes``, which belongs to the
    data) and ``cls`` keeps its paper's defaults.
    """
    from keras_wgan.models import get_model_class

    settings = dict(recipe["model"])
    own = get_model_class(settings.pop("variant"))
    if cls is not None and cls is not own:
        settings = {"num_classes": settings["num_classes"]} if "num_classes" in settings else {}
    seed = recipe["training"]["seed"]
    keras.utils.set_random_seed(seed)
    sample_shape = (2,) if recipe["data"]["source"] == "toy" else (28, 28, 1)
    architecture = recipe["architecture"]
    memory.require_networks_fit(
        lambda: networks(architecture, sample_shape, num_classes(recipe)),
        f"the recipe's architecture.width {architecture['width']}"
        + (f", architecture.critic_width {architecture['critic_width']}"
           if "critic_width" in architecture else "")
        + f" and architecture.latent_dim {architecture['latent_dim']}")
    with precision.dtype_policy(recipe["training"].get("dtype_policy"),
                                float32_instead=FLOAT32_BUILD):
        generator, critic = networks(architecture, sample_shape, num_classes(recipe))
        return (cls or own)(generator=generator, discriminator=critic,
                            latent_dim=recipe["architecture"]["latent_dim"], seed=seed, **settings)


def build_model(recipe):
    """The recipe's model variant around its networks, compiled with its optimizers."""
    return compile_model(make_model(recipe), recipe)


def _optimizer(settings, updates, scale=1.0):
    lr = settings["learning_rate"] * scale
    end = settings.get("end_learning_rate", settings["learning_rate"]) * scale
    if end != lr:  # linear (power 1) decay over this optimizer's own number of updates
        lr = keras.optimizers.schedules.PolynomialDecay(lr, updates, end)
    options = {k: v for k, v in settings.items()
               if k not in ("name", "learning_rate", "end_learning_rate",
                            "critic_learning_rate_multiplier")}
    return optimizer_class(settings["name"])(lr, **options)


def compile_model(gan, recipe):
    """The recipe's optimizers (or the variant's paper ones when ``optimizer`` is null)."""
    settings = recipe["optimizer"]
    if settings is None:
        gan.compile()
        return gan
    steps = recipe["training"]["steps"]
    gan.compile(_optimizer(settings, steps),
                _optimizer(settings, steps * gan.critic_steps,
                           settings.get("critic_learning_rate_multiplier", 1.0)))
    return gan


def fit_steps(gan, dataset, steps, chunk=500, log=None):
    """`fit` for ``steps`` generator steps, ``chunk`` per call; returns the training seconds.

    Each call starts a fresh pass over a ``tf.data`` ``dataset``, as the CPU-trained presets
    were trained: a seeded stream replays its first ``chunk`` batches in every call. A Python
    iterator (`numpy_stream`, used without TensorFlow) continues where the last call stopped.
    """
    return fit_within(gan, dataset, steps, chunk, log)[0]


class _Deadline(keras.callbacks.Callback):
    """Counts the generator steps of a `fit` call and stops it inside the epoch once
    ``time.perf_counter()`` passes ``deadline`` (Keras checks ``stop_training`` after every
    batch), so a budget overshoots by at most one step, not by a whole `fit` call."""

    def __init__(self, deadline=None):
        super().__init__()
        self.deadline, self.steps = deadline, 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.model.stop_training = True


def fit_within(gan, dataset, steps, chunk=500, log=None, budget_seconds=None, after_chunk=None):
    """`fit_steps` that also stops at the first generator step that ends after
    ``budget_seconds`` of training.

    ``after_chunk(gan, steps done)``, if given, runs after each `fit` call, outside the
    training seconds (a progress measurement: `keras_wgan.presets.builder`).

    Returns ``(training seconds, generator steps done)``.
    """
    seconds, done = 0.0, 0
    while done < steps and (budget_seconds is None or seconds < budget_seconds):
        n = min(chunk, steps - done)
        start = time.perf_counter()
        clock = _Deadline(None if budget_seconds is None else start + budget_seconds - seconds)
        history = gan.fit(dataset, steps_per_epoch=n, epochs=1, verbose=0,
                          callbacks=[clock]).history
        seconds += time.perf_counter() - start
        done += clock.steps
        if log:
            scalars = ", ".join(f"{k} {v[-1]:.3g}" for k, v in history.items())
            log(f"  step {done}/{steps} ({seconds:.0f} s): {scalars}")
        if after_chunk:
            after_chunk(gan, done)
    return seconds, done


def train(recipe, real=None, log=None, after_chunk=None):
    """Train the recipe's model on ``real`` (from `load_real`); ``after_chunk``: see
    `fit_within`.

    Returns ``(gan, training seconds, generator steps done)``: fewer steps than the recipe's
    only when its ``training.budget_seconds`` ran out first.
    """
    gan = build_model(recipe)
    stream = real_stream(recipe, real, gan.critic_steps)
    training = recipe["training"]
    seconds, done = fit_within(gan, stream, training["steps"], training.get("steps_per_fit", 500),
                               log, training.get("budget_seconds"), after_chunk)
    return gan, seconds, done
