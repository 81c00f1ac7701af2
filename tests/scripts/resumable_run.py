"""A deterministic WGAN-GP run with a checkpoint folder; optionally SIGKILLs itself mid-run.

    python resumable_run.py CHECKPOINT_DIR RESULT.npz [--kill-at-batch N]

Rerunning the same command resumes from the last complete checkpoint.
"""

import argparse
import os
import signal

import keras
import numpy as np
import tensorflow as tf

import keras_wgan as kw


class KillAt(keras.callbacks.Callback):
    def __init__(self, batch):
        super().__init__()
        self.batch, self.seen = batch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.batch:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: like kill -9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint_dir")
    parser.add_argument("result")
    parser.add_argument("--kill-at-batch", type=int, default=None)
    args = parser.parse_args()

    gan, points = seeded_run()
    callbacks = [kw.resume.NonFiniteGuard(), kw.resume.ResumableCheckpoint(args.checkpoint_dir)]
    if args.kill_at_batch:
        callbacks.append(KillAt(args.kill_at_batch))
    fit_and_save(gan, points, callbacks, args.result)


def seeded_run():
    """The deterministic compiled WGAN-GP and its 6 batches an epoch (keras_backup_run.py too)."""
    keras.utils.set_random_seed(0)
    tf.config.experimental.enable_op_determinism()
    gan = kw.WGANGP(generator=kw.architectures.mlp_generator(2, 2, 16, 2),
                    critic=kw.architectures.mlp_critic(2, 16, 2), latent_dim=2, seed=0)
    gan.compile()
    return gan, kw.data.sample("grid25", 5 * 16 * 6, seed=0)


def fit_and_save(gan, points, callbacks, result):
    """Fit 4 epochs; write every variable and the generator steps to ``result`` (.npz)."""
    gan.fit(points, batch_size=5 * 16, epochs=4, shuffle=False, callbacks=callbacks, verbose=0)
    np.savez(result, *[v.numpy() for v in gan.variables],
             steps=gan.generator_optimizer.iterations.numpy())


if __name__ == "__main__":
    main()
