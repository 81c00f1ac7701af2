"""Train the small MNIST classifier used for classifier FID/KID, precision/recall and digit coverage.

    python -m keras_wgan.evaluation.train_mnist_classifier [--data-dir DIR] [--out WEIGHTS]

Trains on 8,000 of the 10,000 MNIST test images (fixed split, seed 0), reports the accuracy on
the other 2,000, and writes ``<out>`` plus a JSON beside it (``.weights.h5`` -> ``.json``)
holding the held-out accuracy, the recipe and the command that produced it. With no ``--out``
it overwrites the bundled file in ``keras_wgan/evaluation/assets/``. Takes about a minute on
two CPU cores.
"""

import argparse
import json
import os
import sys
import time

from keras_wgan.evaluation.mnist_classifier import (
    BUNDLED_WEIGHTS,
    DEFAULT_MNIST_DIR,
    N_TRAIN,
    SPLIT_SEED,
    build_mnist_classifier,
    load_mnist_split,
)


def train_mnist_classifier(
    data_dir=DEFAULT_MNIST_DIR,
    out=BUNDLED_WEIGHTS,
    epochs=12,
    batch_size=64,
    learning_rate=1e-3,
    seed=0,
    verbose=2,
):
    """Train, evaluate on the held-out split, save weights and a JSON report; return the report."""
    import keras

    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_held, y_held) = load_mnist_split(data_dir, SPLIT_SEED, N_TRAIN)
    model = build_mnist_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    seconds = time.perf_counter() - start
    _, held_acc = model.evaluate(x_held, y_held, batch_size=500, verbose=0)
    _, train_acc = model.evaluate(x_train, y_train, batch_size=500, verbose=0)

    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        # A fresh copy without the optimizer: Keras 3 `save_weights` also writes Adam's slots (3x size).
        bare = build_mnist_classifier()
        bare.set_weights(model.get_weights())
        bare.save_weights(out)
    report = {
        "heldout_accuracy": round(float(held_acc), 4),
        "train_accuracy": round(float(train_acc), 4),
        "train_size": int(len(x_train)),
        "heldout_size": int(len(x_held)),
        "data": "MNIST t10k-images/labels (the 10,000-image test split), permuted with "
        f"numpy default_rng({SPLIT_SEED}); first {N_TRAIN} train, rest held out",
        "recipe": {"epochs": epochs, "batch_size": batch_size, "optimizer": "Adam",
                   "learning_rate": learning_rate, "seed": seed},
        "parameters": int(model.count_params()),
        "train_seconds": round(seconds, 1),
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "command": "python -m keras_wgan.evaluation.train_mnist_classifier",
    }
    if out:
        report_path = out[: -len(".weights.h5")] + ".json" if out.endswith(".weights.h5") else out + ".json"
        with open(report_path, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_MNIST_DIR,
                        help="folder with t10k-*-idx?-ubyte.gz (default: $KERAS_WGAN_MNIST, else "
                             "../shared/data/mnist, else the official download)")
    parser.add_argument("--out", default=BUNDLED_WEIGHTS, help="weights file (*.weights.h5)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        report = train_mnist_classifier(args.data_dir, args.out, epochs=args.epochs, seed=args.seed)
    except (OSError, ValueError) as error:  # no MNIST found (MnistNotFoundError), corrupt IDX
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
