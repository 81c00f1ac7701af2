"""One training step on 2 logical CPU replicas vs one device with the same global batch.

Run as a script (a fresh process: logical devices must be set before TensorFlow starts).
Prints a JSON line: max weight difference and both runs' metrics.
"""

import json
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_wgan as kw  # noqa: E402

PER_REPLICA = 4
REPLICAS = 2


def make(cls):
    keras.utils.set_random_seed(0)
    gan = cls(generator=kw.architectures.mlp_generator(2, 2, 8, 2),
              critic=kw.architectures.mlp_critic(2, 8, 2), latent_dim=2, seed=1)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), jit_compile=False)
    return gan


def main(name):
    cls = kw.models.get_model_class(name)
    single = make(cls)
    with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
        mirrored = make(cls)
    for a, b in zip(single.weights, mirrored.weights):
        b.assign(a.numpy())
    k, b = single.critic_steps, PER_REPLICA
    batch = np.random.default_rng(0).normal(size=(REPLICAS * b * k, 2)).astype("float32")
    # tf.distribute gives replica r the rows [r*b*k, (r+1)*b*k); each replica splits its
    # part into k critic slices. One device sees critic slice i as the replicas' slices i.
    same_order = np.concatenate([
        batch[r * b * k + i * b : r * b * k + (i + 1) * b]
        for i in range(k) for r in range(REPLICAS)
    ])
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    h_single = single.fit(tf.data.Dataset.from_tensors(same_order), verbose=0).history
    h_mirrored = mirrored.fit(tf.data.Dataset.from_tensors(batch).with_options(options),
                              verbose=0).history
    diff = max(float(np.abs(a.numpy() - m.numpy()).max())
               for a, m in zip(single.trainable_weights, mirrored.trainable_weights))
    moved = max(float(np.abs(a.numpy() - m.numpy()).max())
                for a, m in zip(single.trainable_weights, make(cls).trainable_weights))
    print(json.dumps({"max_weight_diff": diff, "moved": moved,
                      "single": h_single, "mirrored": h_mirrored}))


if __name__ == "__main__":
    main(sys.argv[1])
