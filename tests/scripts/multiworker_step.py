"""One training step on two MultiWorkerMirroredStrategy workers (two processes on 127.0.0.1).

    TF_CONFIG=... python multiworker_step.py MODEL OUT.npz     # one worker
    python multiworker_step.py MODEL OUT.npz --single          # the one-device reference

Worker w reads rows [w*B*k, (w+1)*B*k) of one global batch (distribute_datasets_from_function).
"""

import sys

import keras
import numpy as np
import tensorflow as tf

import keras_wgan as kw

PER_REPLICA, REPLICAS = 4, 2


def make(cls):
    keras.utils.set_random_seed(0)
    gan = cls(generator=kw.architectures.mlp_generator(2, 2, 8, 2),
              critic=kw.architectures.mlp_critic(2, 8, 2), latent_dim=2, seed=1)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), jit_compile=False)
    return gan


def main(name, out, single):
    cls = kw.models.get_model_class(name)
    k, b = cls.default_critic_steps, PER_REPLICA
    batch = np.random.default_rng(0).normal(size=(REPLICAS * b * k, 2)).astype("float32")
    if single:
        gan = make(cls)
        data = np.concatenate([batch[r * b * k + i * b : r * b * k + (i + 1) * b]
                               for i in range(k) for r in range(REPLICAS)])
        dataset = tf.data.Dataset.from_tensors(data)
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
