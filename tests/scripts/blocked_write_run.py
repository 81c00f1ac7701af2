"""A tiny resumable toy run (`training.run`, 3 epochs of 2 steps: ``TOY_RUN`` of
tests/test_atomic_outputs.py) that can stop forever in the middle of writing one of its
files, so that a test can kill -9 it exactly there.

    python blocked_write_run.py OUT CHECKPOINT_DIR [--block NAME --ready FILE]

With ``--block``, the second write of the file called NAME (epoch 2's, so a good epoch-1
version exists) puts half its bytes into the temporary, creates FILE and sleeps. Rerunning
without ``--block`` resumes from the checkpoint and finishes.
"""

import argparse
import os
import time

from keras_wgan import atomic, training


def block_second_write(name, ready):
    write = atomic._write_synced
    seen = []

    def half_then_sleep(path, data):
        if os.path.basename(path).startswith(name + ".tmp-"):
            seen.append(path)
            if len(seen) == 2:
                with open(path, "wb") as f:
                    f.write(data[: len(data) // 2])
                open(ready, "w").close()
                time.sleep(600)  # killed here
        write(path, data)

    atomic._write_synced = half_then_sleep


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("checkpoint_dir")
    parser.add_argument("--block", default=None)
    parser.add_argument("--ready", default=None)
    args = parser.parse_args()
    if args.block:
        block_second_write(args.block, args.ready)
    training.run(model="wgan_gp", data="toy:ring8", out=args.out, epochs=3, steps_per_epoch=2,
                 batch_size=16, latent_dim=2, width=8, seed=0, verbose=0,
                 checkpoint_dir=args.checkpoint_dir)


if __name__ == "__main__":
    main()
