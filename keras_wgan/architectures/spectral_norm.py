"""Spectral normalization that trains the same way on TensorFlow and JAX.

Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
https://arxiv.org/abs/1802.05957, Eq. 8 and Algorithm 1: a layer computes with
``W / sigma(W)``, ``sigma`` estimated by one power iteration per training call on a persistent
vector ``u``, and the gradient flows through the division (``u`` and ``v`` held constant).

`keras.layers.SpectralNormalization` (Keras 3.15) gives the build, ``vector_u`` and the config,
which are kept. Its ``call`` is not: it *assigns* ``W / sigma`` to the kernel variable during
the training call. Inside a differentiated loss that assignment cuts the gradient through
``sigma`` on TensorFlow (the tape differentiates the kernel read after the write, as if
``W / sigma`` were the variable), while on JAX the write lands in the step's scope as a
function of the differentiated value, so the gradient does flow through ``sigma`` (and the
write itself is dropped; the next non-differentiated training call stores it). The two
backends would train with different gradients. Here the kernel variable holds the raw ``W``;
the wrapped layer reads ``W / sigma`` through a scope that substitutes it for the kernel (no
assignment), in training and inference, and the gradient flows through ``sigma`` everywhere.
"""

import keras
from keras import ops
from keras.src.utils.numerical_utils import normalize


class _KernelSubstitute(keras.StatelessScope):
    """Reads of one variable give ``value``; every other read and write goes to the scope
    that was active before (or to the variables themselves when there was none)."""

    def __init__(self, variable, value):
        super().__init__(state_mapping=[(variable, value)])
        self._variable_id = id(variable)

    def get_current_value(self, variable):
        if id(variable) == self._variable_id:
            return self.state_mapping[self._variable_id]
        if self.original_scope is not None:
            return self.original_scope.get_current_value(variable)
        return None

    def add_update(self, update):
        variable, value = update
        if self.original_scope is not None:
            self.original_scope.add_update(update)
        else:
            # Outside any scope writes go to the variable (nothing wrapped here writes).
            variable._direct_assign(value)


@keras.saving.register_keras_serializable(package="keras_wgan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """``layer`` computing with ``W / sigma(W)`` (Miyato et al. 2018, Alg. 1).

    Args:
        layer: a layer with a ``kernel`` (`Dense`, `Conv2D`, ...) or ``embeddings`` (an
            `Embedding`, as the projection discriminator's class embedding: its
            ``(num_classes, dim)`` table is normalized by its largest singular value).
        power_iterations: power iterations per call (paper: 1; ``u`` persists across steps,
            so the estimate sharpens as training goes).

    In training (``training=True``) the refined ``u`` is stored; in inference the stored ``u``
    is used for one iteration that is not stored, so inference changes nothing.
    """

    def sigma_and_u(self):
        """``(sigma, u)``: the power-iteration estimate of the kernel's largest singular value
        (gradient flows through ``W`` only) and the refined vector ``u``."""
        weights = ops.reshape(self.kernel.value, (-1, self.kernel_shape[-1]))
        u = ops.cast(self.vector_u.value, weights.dtype)
        for _ in range(self.power_iterations):
            v = normalize(ops.matmul(u, ops.transpose(weights)), axis=None)
            u = normalize(ops.matmul(v, weights), axis=None)
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, weights), ops.transpose(u))[0, 0]
        return sigma, u

    def spectral_norm_estimate(self):
        """The current estimate of ``sigma(W)`` as a float (changes no state)."""
        sigma, _ = self.sigma_and_u()
        return float(ops.convert_to_numpy(sigma))

    def call(self, inputs, training=False):
        sigma, u = self.sigma_and_u()
        if training:
            self.vector_u.assign(ops.cast(u, self.vector_u.dtype))
        # An all-zero kernel has sigma = 0: keep it as it is rather than divide by zero.
        sigma = ops.where(sigma > 0, sigma, ops.ones_like(sigma))
        normalized = ops.cast(self.kernel.value / sigma, self.kernel.dtype)
        with _KernelSubstitute(self.kernel, normalized):
            output = self.layer(inputs)
        if "float" not in keras.backend.standardize_dtype(inputs.dtype):
            return output  # an Embedding's integer ids: its output is the table's dtype
        return ops.cast(output, inputs.dtype)


def spectral(layer, enabled=True):
    """``layer`` wrapped in `SpectralNormalization` when ``enabled``, else ``layer``."""
    return SpectralNormalization(layer, name=f"{layer.name}_sn") if enabled else layer
