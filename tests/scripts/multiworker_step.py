"""One training step on two MultiWorkerMirroredStrategy workers (two processes on 127.0.0.1).

    TF_CONFIG=... python multiworker_step.py MODEL OUT.npz     # one worker
    python multiworker_step.py MODEL OUT.npz --single          # the one-device reference

Worker w reads rows [w*B*k, (w+1)*B*k) of one global batch (distribute_datasets_from_function).
"""

import sys

import numpy as np
import tensorflow as tf
from step_setup import PER_REPLICA, global_batch, make, single_device_order

import keras_wgan as kw


def main(name, out, single):
    cls = kw.models.get_model_class(name)
    k, b = cls.default_critic_steps, PER_REPLICA
    batch = global_batch(k)
    if single:
        gan = make(cls)
        dataset = tf.data.Dataset.from_tensors(single_device_order(batch, k))
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        with strategy.scope():
            gan = make(cls)
        def worker_rows(context):
            w = context.input_pipeline_id
            return tf.data.Dataset.from_tensors(batch[w * b * k : (w + 1) * b * k])

        dataset = strategy.distribute_datasets_from_function(worker_rows)
    history = gan.fit(dataset, verbose=0).history
    np.savez(out, *[v.numpy() for v in gan.trainable_weights],
             **{f"metric_{k}": np.array(v) for k, v in history.items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--single" in sys.argv)
