"""keras-wgan: adversarial generative models for Keras 3."""
