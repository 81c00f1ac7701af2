"""One JAX training step under `keras.distribution.DataParallel` on 2 CPU devices vs one device.

    python data_parallel_step.py MODEL [EMA_DECAY]

Run as a script (a fresh process): ``XLA_FLAGS=--xla_force_host_platform_device_count=2`` must
be set before JAX starts, and it is set here. Under `DataParallel` the weights are replicated
and each batch is split along its first axis across the devices, but the step still computes
on the global batch (XLA inserts the cross-device reductions), so the reference is one device
fed the same global batch in the same order. Prints a JSON line: the max weight difference,
how far the step moved the weights, both runs' metrics and where the distributed weights and
batch live.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=2").strip()

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from step_setup import REPLICAS, global_batch  # noqa: E402

import keras_wgan as kw  # noqa: E402


def make(cls, **options):
    keras.utils.set_random_seed(0)
    gan = cls(generator=kw.architectures.mlp_generator(2, 2, 8, 2),
              critic=kw.architectures.mlp_critic(2, 8, 2), latent_dim=2, seed=1, **options)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    return gan


def main(name, ema_decay=None):
    assert len(jax.devices()) == REPLICAS, jax.devices()
    cls = kw.models.get_model_class(name)
    options = {} if ema_decay is None else {"ema_decay": float(ema_decay)}
    single = make(cls, **options)
    initial = [w.numpy().copy() for w in single.trainable_weights]
    distribution = keras.distribution.DataParallel(devices=jax.devices())
    keras.distribution.set_distribution(distribution)
    try:
        parallel = make(cls, **options)
        for a, b in zip(single.weights, parallel.weights):
            b.assign(a.numpy())
        batch = global_batch(single.critic_steps)
        # How Keras's JAX trainer lays out each batch: split along axis 0 over the devices.
        data_layout = list(distribution.get_data_layout(batch.shape).axes)
        mesh = dict(zip(distribution.device_mesh.axis_names, distribution.device_mesh.shape))
        h_parallel = parallel.fit(batch, batch_size=len(batch), shuffle=False, verbose=0).history
        weight_devices = len(parallel.generator.trainable_weights[0].value.sharding.device_set)
    finally:
        keras.distribution.set_distribution(None)
    h_single = single.fit(batch, batch_size=len(batch), shuffle=False, verbose=0).history
    diff = max(float(np.abs(a.numpy() - p.numpy()).max())
               for a, p in zip(single.weights, parallel.weights) if "float" in str(a.dtype))
    moved = max(float(np.abs(w.numpy() - w0).max())
                for w, w0 in zip(single.trainable_weights, initial))
    print(json.dumps({"max_weight_diff": diff, "moved": moved, "single": h_single,
                      "parallel": h_parallel, "weight_devices": weight_devices,
                      "data_layout": data_layout, "mesh": mesh}))


if __name__ == "__main__":
    main(*sys.argv[1:])
