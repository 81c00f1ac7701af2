"""``python -m keras_wgan.models``: print the registered variants as README's objectives table."""

from keras_wgan.models.variants import variants_table

print(variants_table())
