"""Evaluation protocols of preset recipes: what is measured on the stored weights, and how.

A recipe's ``evaluation`` section names a protocol and gives its fields:

- ``toy_modes`` (2-D mixtures): ``n_samples`` samples from noise seed ``sample_seed``: modes
  covered and the high-quality rate (within 3 std of the nearest centre; Srivastava et al.
  2017, VEEGAN; the PacGAN protocol), and the exact W1 of the first ``w1_samples`` of them to
  as many real points against its noise floor (real vs real), over ``w1_repeats`` draws.
- ``mnist_classifier`` (28x28 digits): classifier-FID of ``n_samples`` samples against the
  ``reference`` images (``"training_data"``: the images the preset trained on; ``"mnist_test"``
  / ``"mnist_train"``: that MNIST split) in the bundled classifier's 64-d feature space, with
  the FID of ``real_vs_real_samples`` real images (permuted by ``real_vs_real_seed``) as its
  floor; digit coverage by that classifier.

A conditional recipe (``model.num_classes``) is also measured label by label, from
``n_samples // num_classes`` samples generated for each label (noise seed ``sample_seed``):
``toy_modes`` gives the share landing nearest their label's mode, ``mnist_classifier`` the
bundled classifier's accuracy on them (the zoo's target: `LABEL_ACCURACY_TARGET` for every
digit); ``label_accuracy`` (all labels), ``min_label_accuracy`` and the per-label list.

A new protocol is one entry of `PROTOCOLS`: its fields, ``prepare`` (reference statistics,
once) and ``measure`` (a generator -> a dict of metrics).
"""

import functools

import numpy as np

#: The zoo's target for a conditional MNIST preset: the classifier reads every label's
#: samples as that digit at least this often.
LABEL_ACCURACY_TARGET = 0.97


def per_label_samples(generator, num_classes, n_samples, sample_seed):
    """``(samples, labels)``: ``max(1, n_samples // num_classes)`` samples of each label."""
    labels = np.repeat(np.arange(num_classes, dtype="int32"), max(1, n_samples // num_classes))
    return generator.generate(len(labels), seed=sample_seed, labels=labels), labels


def label_accuracy(predicted, labels, num_classes):
    """The share of each label's samples whose ``predicted`` class is that label, and summaries."""
    per_label = [float(np.mean(predicted[labels == k] == k)) for k in range(num_classes)]
    return {"label_accuracy": round(float(np.mean(predicted == labels)), 4),
            "min_label_accuracy": round(min(per_label), 4),
            "label_accuracies": [round(a, 4) for a in per_label]}


def toy_label_accuracy(generator, dataset, n_samples=2000, sample_seed=2024):
    """How often a conditional 2-D generator's samples for label k lie nearest mode k."""
    from keras_wgan import data

    centres, _ = data.mixture_modes(dataset)
    samples, labels = per_label_samples(generator, len(centres), n_samples, sample_seed)
    nearest = np.linalg.norm(samples[:, None, :] - centres[None], axis=-1).argmin(axis=1)
    return label_accuracy(nearest, labels, len(centres))


def mnist_label_accuracy(generator, classifier, n_samples=5000, sample_seed=2024):
    """The bundled classifier's accuracy, label by label, on a conditional generator's digits;
    ``meets_label_target``: every label at `LABEL_ACCURACY_TARGET` or above."""
    samples, labels = per_label_samples(generator, 10, n_samples, sample_seed)
    stats = label_accuracy(classifier.predict(samples), labels, 10)
    stats["meets_label_target"] = bool(stats["min_label_accuracy"] >= LABEL_ACCURACY_TARGET)
    return stats


def evaluate_toy(generator, dataset, n_samples=2000, sample_seed=2024, w1_samples=1000,
                 w1_repeats=3):
    """Modes covered, HQ rate and exact W1 vs its noise floor for a 2-D mixture generator."""
    from keras_wgan import data, evaluation

    samples = generator.generate(n_samples, seed=sample_seed)
    stats = evaluation.toy_mode_stats(samples, dataset)
    w1 = evaluation.w1_with_noise_floor(samples[:w1_samples],
                                        functools.partial(data.sample, dataset),
                                        seed=sample_seed, repeats=w1_repeats)
    return {
        "modes_covered": stats["modes_covered"], "n_modes": stats["n_modes"],
        "hq_rate": round(stats["hq_rate"], 4), "w1": round(w1["w1"], 4),
        "w1_noise_floor": round(w1["noise_floor"], 4), "w1_ratio": round(w1["ratio"], 3),
    }


def mnist_reference(images, classifier, n=5000, seed=1):
    """Real feature stats of all ``images`` and the FID of ``n`` real images against them."""
    from keras_wgan import evaluation

    stats = evaluation.feature_stats(images, classifier.features)
    subset = images[np.random.default_rng(seed).permutation(len(images))[:n]]
    return stats, round(evaluation.fid(stats, subset, features=classifier.features), 3)


def evaluate_mnist(generator, real_stats, classifier, n_samples=5000, sample_seed=2024):
    """Classifier-FID against ``real_stats``, the classifier's Inception Score and digit
    coverage of ``n_samples`` images (the zoo's targets: FID <= 5, IS >= 8.5, every digit
    >= 7% of the samples: ``min_digit_share``)."""
    from keras_wgan import evaluation

    fake = generator.generate(n_samples, seed=sample_seed)
    coverage = evaluation.digit_coverage(fake, classifier)
    inception, _ = evaluation.inception_score_from_logits(classifier.logits(fake))
    return {
        "classifier_fid": round(evaluation.fid(real_stats, fake, features=classifier.features),
                                3),
        "inception_score": round(inception, 3),
        "digits_covered": coverage["digits_covered"],
        "digit_entropy": round(coverage["entropy"], 4),
        "digit_shares": [round(float(s), 4) for s in coverage["class_shares"]],
        "min_digit_share": round(float(min(coverage["class_shares"])), 4),
    }


def _toy_prepare(settings, recipe, real, mnist_dir):
    return {"notes": {"rule": "HQ: within 3 std of the nearest centre; covered: >= 1/(4K) of "
                              "the HQ samples (keras_wgan.evaluation.coverage)"}}


def _conditional(recipe):
    return recipe["model"].get("num_classes") is not None


def _toy_measure(generator, settings, recipe, prepared):
    metrics = evaluate_toy(generator, recipe["data"]["name"], settings["n_samples"],
                           settings["sample_seed"], settings["w1_samples"],
                           settings["w1_repeats"])
    if _conditional(recipe):
        metrics.update(toy_label_accuracy(generator, recipe["data"]["name"],
                                          settings["n_samples"], settings["sample_seed"]))
    return metrics


def _mnist_prepare(settings, recipe, real, mnist_dir):
    from keras_wgan.data.mnist import load_mnist
    from keras_wgan.evaluation import MnistClassifier

    reference = settings["reference"]
    if reference != "training_data":
        real = load_mnist(mnist_dir, split=reference.split("_")[1])
    classifier = MnistClassifier()
    real = np.asarray(real)  # the images alone (a conditional recipe's carry their labels)
    stats, real_fid = mnist_reference(real, classifier, settings["real_vs_real_samples"],
                                      settings["real_vs_real_seed"])
    described = (f"all {len(real):,} training images" if reference == "training_data"
                 else f"the {len(real):,} images of MNIST's {reference.split('_')[1]} split")
    notes = {"feature_space": "bundled MNIST classifier, 64-d penultimate layer "
                              "(MnistClassifierFeatures)",
             "reference_set": described, "real_vs_real_fid": real_fid,
             "note": "the classifier was trained on 8,000 of MNIST's 10,000 test images"}
    return {"stats": stats, "classifier": classifier, "notes": notes}


def _mnist_measure(generator, settings, recipe, prepared):
    metrics = evaluate_mnist(generator, prepared["stats"], prepared["classifier"],
                             settings["n_samples"], settings["sample_seed"])
    if _conditional(recipe):
        metrics.update(mnist_label_accuracy(generator, prepared["classifier"],
                                            settings["n_samples"], settings["sample_seed"]))
        metrics["label_accuracy_target"] = LABEL_ACCURACY_TARGET
    return metrics


#: protocol -> the data source it reads, its fields {name: kind}, prepare, measure
PROTOCOLS = {
    "toy_modes": {"data": "toy", "prepare": _toy_prepare, "measure": _toy_measure,
                  "fields": {"n_samples": "int", "sample_seed": "seed", "w1_samples": "int",
                             "w1_repeats": "int"}},
    "mnist_classifier": {"data": "mnist", "prepare": _mnist_prepare, "measure": _mnist_measure,
                         "fields": {"n_samples": "int", "sample_seed": "seed",
                                    "reference": ("training_data", "mnist_test", "mnist_train"),
                                    "real_vs_real_samples": "int", "real_vs_real_seed": "seed"}},
}


def check_evaluation(evaluation, data, fail):
    """Checks a recipe's ``evaluation`` section; ``fail(field, problem)`` raises."""
    if not isinstance(evaluation, dict) or evaluation.get("protocol") not in PROTOCOLS:
        fail("evaluation", f"must be an object whose \"protocol\" is one of {', '.join(PROTOCOLS)}")
    protocol = PROTOCOLS[evaluation["protocol"]]
    if protocol["data"] != data["source"]:
        fail("evaluation.protocol", f"{evaluation['protocol']!r} measures {protocol['data']} data, "
                                    f"not {data['source']}; use one made for {data['source']}")
    fields = protocol["fields"]
    for key in evaluation:
        if key != "protocol" and key not in fields:
            fail(f"evaluation.{key}", f"is not a field of {evaluation['protocol']}; use "
                                      f"{', '.join(fields)}")
    for key, kind in fields.items():
        if key not in evaluation:
            fail("evaluation", f"lacks {key!r}; add it")
        value = evaluation[key]
        if isinstance(kind, tuple):
            if value not in kind:
                fail(f"evaluation.{key}", f"is {value!r}; use one of {', '.join(kind)}")
            continue
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if not is_int or value < (1 if kind == "int" else 0):
            fail(f"evaluation.{key}", f"is {value!r}; use a whole number "
                                      f"{'>= 1' if kind == 'int' else '>= 0'}")


def prepare(recipe, real, mnist_dir=None):
    """Reference statistics for the recipe's protocol (``real``: the training images or None;
    ``mnist_dir``: where MNIST is, see `keras_wgan.data.mnist.find_mnist`)."""
    settings = recipe["evaluation"]
    return PROTOCOLS[settings["protocol"]]["prepare"](settings, recipe, real, mnist_dir)


def measure(generator, recipe, prepared):
    """The protocol's metrics of ``generator`` (anything with ``generate(n, seed=...)``)."""
    settings = recipe["evaluation"]
    return PROTOCOLS[settings["protocol"]]["measure"](generator, settings, recipe, prepared)
