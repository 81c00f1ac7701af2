"""The adversarial model family, and a name -> class table for command lines and presets."""

from keras_wgan.models.adversarial import AdversarialModel
from keras_wgan.models.named import GAN, NSGAN, WGAN, WGANGP

MODEL_CLASSES = {"gan": GAN, "nsgan": NSGAN, "wgan": WGAN, "wgan_gp": WGANGP}


def get_model_class(name):
    """``"gan" | "nsgan" | "wgan" | "wgan_gp"`` -> the model class."""
    key = name.lower().replace("-", "_")
    if key not in MODEL_CLASSES:
        raise ValueError(f"Unknown model '{name}'; use one of {', '.join(MODEL_CLASSES)}.")
    return MODEL_CLASSES[key]
