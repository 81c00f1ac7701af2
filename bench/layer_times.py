"""Per-layer times of the 28x28 DCGAN's layers on TensorFlow and in plain PyTorch.

Where ``bench/backends.py`` shows one backend's whole WGAN-GP step slower than another's,
this says which layers cost the difference: each layer of `kw.architectures.dcgan_generator`
/ `dcgan_critic` (width 64, latent 128), alone, on a batch of 64 at the shape it sees in the
model, timed for forward + backward to its input and weights (a `tf.function` around a
`GradientTape` on TensorFlow; `torch.autograd.grad` on a channels-first `torch.nn` layer in
PyTorch, as `bench/torch_reference.py` builds them). Each framework runs in its own process;
the table gives milliseconds per call (median of ``--repeats`` timings of ``--calls`` calls).

    .venv/bin/python bench/layer_times.py [--torch-threads 1]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH, WIDTH, LATENT = 64, 64, 128
# name: (kind, input (H, W, C) channels-last, filters, stride); as the 28x28 DCGAN builds them.
LAYERS = {
    "G project (dense)": ("dense", (LATENT,), 7 * 7 * 2 * WIDTH, None),
    "G up0 (convT 5x5/2)": ("convT", (7, 7, 2 * WIDTH), WIDTH, 2),
    "G up1 (convT 5x5/2)": ("convT", (14, 14, WIDTH), WIDTH, 2),
    "G to_image (conv 5x5)": ("conv", (28, 28, WIDTH), 1, 1),
    "D down0 (conv 5x5/2)": ("conv", (28, 28, 1), WIDTH, 2),
    "D down1 (conv 5x5/2)": ("conv", (14, 14, WIDTH), 2 * WIDTH, 2),
    "D score (dense)": ("dense", (7 * 7 * 2 * WIDTH,), 1, None),
}


def tensorflow_times(calls, repeats):
    import tensorflow as tf

    times = {}
    for name, (kind, shape, filters, stride) in LAYERS.items():
        if kind == "dense":
            layer = tf.keras.layers.Dense(filters)
        elif kind == "convT":
            layer = tf.keras.layers.Conv2DTranspose(filters, 5, strides=stride, padding="same")
        else:
            layer = tf.keras.layers.Conv2D(filters, 5, strides=stride, padding="same")
        x = tf.random.uniform((BATCH, *shape))
        layer(x)

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(layer(x))
            return tape.gradient(y, [x, *layer.trainable_variables])

        step(x)
        times[name] = _median_ms(lambda: [t.numpy() for t in step(x)][0], calls, repeats)
    return times


def torch_times(calls, repeats):
    import torch
    from torch import nn

    times = {}
    for name, (kind, shape, filters, stride) in LAYERS.items():
        if kind == "dense":
            layer, x = nn.Linear(shape[0], filters), torch.rand(BATCH, *shape)
        else:
            channels_first = (shape[2], shape[0], shape[1])
            x = torch.rand(BATCH, *channels_first)
            if kind == "convT":
                layer = nn.ConvTranspose2d(shape[2], filters, 5, stride=stride, padding=2,
                                           output_padding=1)
            else:
                layer = nn.Conv2d(shape[2], filters, 5, stride=stride, padding=2)
        x.requires_grad_(True)

        def step():
            grads = torch.autograd.grad(layer(x).sum(), [x, *layer.parameters()])
            return float(grads[0].sum())

        step()
        times[name] = _median_ms(step, calls, repeats)
    return times


def _median_ms(fn, calls, repeats):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append(1000 * (time.perf_counter() - start) / calls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="OMP_NUM_THREADS for the PyTorch process (0: torch's default)")
    parser.add_argument("--worker", choices=["tensorflow", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run = tensorflow_times if args.worker == "tensorflow" else torch_times
        print(json.dumps(run(args.calls, args.repeats)))
        return
    results = {}
    for framework in ("tensorflow", "torch"):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        if framework == "torch" and args.torch_threads:
            env["OMP_NUM_THREADS"] = str(args.torch_threads)
        out = subprocess.run([sys.executable, __file__, "--worker", framework, "--calls",
                              str(args.calls), "--repeats", str(args.repeats)], env=env,
                             capture_output=True, text=True, check=True).stdout
        results[framework] = json.loads(out.strip().splitlines()[-1])
    print(f"batch {BATCH}, forward + backward (input and weights), ms per call; torch threads: "
          f"{args.torch_threads or 'default'}\n")
    print(f"{'layer':<24} {'TensorFlow':>11} {'PyTorch':>9} {'TF / torch':>11}")
    for name in LAYERS:
        tf_ms, torch_ms = results["tensorflow"][name], results["torch"][name]
        print(f"{name:<24} {tf_ms:>11.2f} {torch_ms:>9.2f} {tf_ms / torch_ms:>10.2f}x")
    total_tf, total_torch = (sum(results[f].values()) for f in ("tensorflow", "torch"))
    print(f"{'all layers':<24} {total_tf:>11.2f} {total_torch:>9.2f} "
          f"{total_tf / total_torch:>10.2f}x")


if __name__ == "__main__":
    main()
