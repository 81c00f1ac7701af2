"""A conditional model trained on 2 logical CPU replicas: its label counts are the data's.

Run as a script (a fresh process: logical devices must be set before TensorFlow starts).
Prints a JSON line: the counts, the labels' bincount and the last metrics.
"""

import json

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402

import keras_wgan as kw  # noqa: E402
from keras_wgan import architectures  # noqa: E402


def main():
    points, labels = kw.data.sample("ring8", 4 * 64, seed=0, labels=True)
    with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
        gan = kw.WGANGP(architectures.mlp_generator(2, 2, 8, 1, num_classes=8),
                        architectures.mlp_critic(2, 8, 1, num_classes=8), num_classes=8,
                        critic_steps=2, ema_decay=0.9, seed=0)
        gan.compile()
    history = gan.fit(tf.data.Dataset.from_tensor_slices((points, labels)).batch(64),
                      verbose=0).history
    print(json.dumps({"counts": gan.label_counts.numpy().tolist(),
                      "expected": np.bincount(labels, minlength=8).tolist(),
                      "history": history,
                      "samples": gan.generate(4, seed=0, labels=3).tolist()}))


if __name__ == "__main__":
    main()
