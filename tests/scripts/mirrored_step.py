"""One training step on 2 logical CPU replicas vs one device with the same global batch.

Run as a script (a fresh process: logical devices must be set before TensorFlow starts).
Prints a JSON line: max weight difference and both runs' metrics.
"""

import json
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402
from step_setup import global_batch, make, single_device_order  # noqa: E402

import keras_wgan as kw  # noqa: E402


def main(name, ema_decay=None):
    cls = kw.models.get_model_class(name)
    options = {} if ema_decay is None else {"ema_decay": float(ema_decay)}
    single = make(cls, **options)
    with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
        mirrored = make(cls, **options)
    for a, b in zip(single.weights, mirrored.weights):
        b.assign(a.numpy())
    # tf.distribute gives replica r the rows [r*b*k, (r+1)*b*k) of the global batch.
    batch = global_batch(single.critic_steps)
    same_order = single_device_order(batch, single.critic_steps)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    h_single = single.fit(tf.data.Dataset.from_tensors(same_order), verbose=0).history
    h_mirrored = mirrored.fit(tf.data.Dataset.from_tensors(batch).with_options(options),
                              verbose=0).history
    # Every weight: both networks, and the generator EMA when there is one.
    diff = max(float(np.abs(a.numpy() - m.numpy()).max())
               for a, m in zip(single.weights, mirrored.weights)
               if "float" in str(a.dtype))
    moved = max(float(np.abs(a.numpy() - m.numpy()).max())
                for a, m in zip(single.trainable_weights, make(cls).trainable_weights))
    print(json.dumps({"max_weight_diff": diff, "moved": moved,
                      "single": h_single, "mirrored": h_mirrored}))


if __name__ == "__main__":
    main(*sys.argv[1:])
