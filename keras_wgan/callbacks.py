"""Keras callbacks that let a user watch a GAN learn: sample grids, curves, TensorBoard images."""

import os

import keras
import numpy as np

from keras_wgan import plotting


class SampleGrid(keras.callbacks.Callback):
    """After every ``every`` epochs, write ``directory/epoch_XXX.png`` from fixed noise.

    The noise is the same at every epoch (``seed``), so the grids show one set of samples
    evolving. Image models get an image grid; 2-D models a scatter plot against ``real``.

    Args:
        directory: where the PNGs go (created if missing).
        n: number of samples (a square number tiles best).
        seed: the fixed noise seed.
        every: epoch interval.
        real: for 2-D models, real points drawn under the samples.
    """

    def __init__(self, directory, n=64, seed=0, every=1, real=None):
        super().__init__()
        self.directory, self.n, self.seed, self.every, self.real = directory, n, seed, every, real
        self.paths = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        samples = self.model.generate(self.n, seed=self.seed)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        if samples.ndim == 4:
            plotting.save_image_grid(samples, path)
        else:
            plt = plotting._pyplot()
            fig, ax = plt.subplots(figsize=(4, 4))
            real = self.real if self.real is not None else samples[:0]
            plotting.draw_toy_panel(ax, real, samples, self.model.discriminator, title=f"epoch {epoch + 1}")
            os.makedirs(self.directory, exist_ok=True)
            fig.savefig(path, dpi=100)
            plt.close(fig)
        self.paths.append(path)


class HistoryPlot(keras.callbacks.Callback):
    """Redraw the loss / Wasserstein-estimate curves to ``path`` after every epoch."""

    def __init__(self, path, title=None):
        super().__init__()
        self.path, self.title = path, title
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        plotting.plot_history(self.history, self.path, self.title)


class TensorBoardSamples(keras.callbacks.Callback):
    """Log a grid of samples from fixed noise as a TensorBoard image every epoch.

    Use beside `keras.callbacks.TensorBoard(log_dir)` (which logs the scalars).
    """

    def __init__(self, log_dir, n=16, seed=0):
        super().__init__()
        self.log_dir, self.n, self.seed = log_dir, n, seed
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        samples = self.model.generate(self.n, seed=self.seed)
        if samples.ndim != 4:
            return
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))
        grid = plotting.image_grid(samples)[None].astype("float32") / 255.0
        with self._writer.as_default():
            tf.summary.image("samples", grid, step=epoch)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
