"""Figures: image grids (Pillow only), training curves and 2-D samples with critic contours.

`pyplot` gives Matplotlib on a headless backend; `draw_toy_panel` draws 2-D samples on one
axis (the experiments' multi-panel figures) and `save_toy_figure` writes the one-panel figure
of a model's samples (the per-epoch grid of a toy run, ``keras-wgan sample`` of a toy model).

Files are rendered in memory and written atomically (`keras_wgan.atomic`): a failed or killed
write keeps the previous picture, and a failure raises one `atomic.OutputWriteError`.
"""

import io
import math
import os

import numpy as np

from keras_wgan import atomic


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (files only: the examples, the command line and
    the experiments run on headless machines); one ImportError naming the fix without Matplotlib.

        plt = plotting.pyplot()
        fig, ax = plt.subplots()
        ...
        plotting.save_figure(fig, "figure.png")   # written atomically, then closed
    """
    try:
        import matplotlib
    except ImportError:
        raise ImportError("Drawing figures needs Matplotlib, which is not installed: "
                          "pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def class_rows(num_classes, n):
    """``(labels, columns)`` of a sample grid with one class per row: the first
    ``min(num_classes, n)`` classes, ``max(1, n // rows)`` samples of each, in class order."""
    rows = max(1, min(int(num_classes), int(n)))
    columns = max(1, int(n) // rows)
    return np.repeat(np.arange(rows, dtype="int32"), columns), columns


def model_samples(model, n, seed):
    """``(samples, labels, columns)`` for a figure of ``n`` samples of ``model`` from ``seed``:
    a conditional model's arranged one class per row (`class_rows`), ``labels`` and
    ``columns`` None for an unconditional one."""
    num_classes = getattr(model, "num_classes", None)
    if not num_classes:
        return model.generate(n, seed=seed), None, None
    labels, columns = class_rows(num_classes, n)
    return model.generate(len(labels), seed=seed, labels=labels), labels, columns


def image_grid(images, columns=None):
    """Tile ``(N, H, W, C)`` images in [-1, 1] into one ``uint8`` array (gaps of 2 pixels)."""
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(f"image_grid needs (N, H, W, C) images, got shape {images.shape}.")
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).astype("uint8")
    grid = np.full((rows * (h + 2) + 2, columns * (w + 2) + 2, c), 255, "uint8")
    for i in range(n):
        r, col = divmod(i, columns)
        grid[2 + r * (h + 2) : 2 + r * (h + 2) + h, 2 + col * (w + 2) : 2 + col * (w + 2) + w] = pixels[i]
    return grid


def save_image_grid(images, path, columns=None, scale=2):
    """Write ``images`` in [-1, 1] as one PNG grid (nearest-neighbour upscaled by ``scale``)."""
    from PIL import Image

    grid = image_grid(images, columns)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)

    # The file name picks the format, as `Image.save(path)` would (PNG when it names none).
    kind = Image.registered_extensions().get(_extension(path), "PNG")

    def render():
        buffer = io.BytesIO()
        picture.save(buffer, format=kind)
        return buffer.getvalue()

    atomic.save(path, render, what="image ")
    return path


def save_figure(fig, path, dpi=100):
    """Write a Matplotlib figure to ``path`` atomically (PNG unless the name says otherwise)
    and close it (a pyplot figure; a bare `Figure` needs no closing)."""
    # pyplot keeps every figure it made (those with a manager) until closed; a figure made
    # without it is freed with its last reference.
    plt = pyplot() if fig.canvas.manager is not None else None

    def render():
        buffer = io.BytesIO()
        fig.savefig(buffer, format=_extension(path)[1:] or "png", dpi=dpi)
        return buffer.getvalue()

    try:
        atomic.save(path, render, what="figure ")
    finally:
        if plt is not None:
            plt.close(fig)
    return path


def _extension(path):
    return os.path.splitext(os.fspath(path))[1].lower()


def plot_history(history, path, title=None):
    """Plot every logged metric of a Keras ``History.history`` dict, one panel each.

    Drawn on a `matplotlib.figure.Figure` with its own Agg canvas (no pyplot state) and fixed
    margins: ``tight_layout`` measured 0.08 of the 0.21 s a 4-panel draw took (2 CPU cores).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [k for k in history if not k.startswith("val_")]
    columns = max(1, min(3, len(names)))
    rows = max(1, int(math.ceil(len(names) / columns)))
    fig = Figure(figsize=(4 * columns, 3 * rows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        ax.plot(np.arange(1, len(history[name]) + 1), history[name], label="train")
        if "val_" + name in history:
            ax.plot(np.arange(1, len(history["val_" + name]) + 1), history["val_" + name], label="eval")
            ax.legend()
        ax.set_title(name)
        ax.set_xlabel("epoch")
    for ax in axes.ravel()[len(names) :]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    # Margins in inches, so a panel's title and tick labels fit at any grid size.
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.2 / width, bottom=0.5 / height,
                        top=1 - (0.8 if title else 0.4) / height, wspace=0.35, hspace=0.6)
    return save_figure(fig, path)


def critic_surface(critic, limit, resolution=80):
    """Evaluate a 2-D critic on a ``resolution^2`` grid over ``[-limit, limit]^2``."""
    axis = np.linspace(-limit, limit, resolution, dtype="float32")
    xx, yy = np.meshgrid(axis, axis)
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)
    from keras import ops  # here, so that plotting alone does not start a backend

    # convert_to_numpy, not np.asarray: on torch the scores carry autograd history; float32
    # whatever the critic computes in (contours take no bfloat16).
    scores = np.asarray(ops.convert_to_numpy(critic(points, training=False)), "float32")
    scores = scores.reshape(resolution, resolution)
    return xx, yy, scores


def draw_toy_panel(ax, real, fake, critic=None, limit=None, title=None, labels=None):
    """Real points, generated points and (optionally) the critic's contours on one axis.

    ``labels`` (a conditional model's class of each generated point) colours the generated
    points by class.
    """
    if limit is None:
        points = np.concatenate([np.reshape(real, (-1, 2)), np.reshape(fake, (-1, 2))])
        limit = float(np.abs(points).max()) * 1.3 if len(points) else 1.0
    if critic is not None:
        xx, yy, scores = critic_surface(critic, limit)
        ax.contourf(xx, yy, scores, levels=20, cmap="coolwarm", alpha=0.6)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="black", alpha=0.4, label="real")
    if labels is None:
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c="gold", alpha=0.6, label="generated")
    else:
        ax.scatter(fake[:, 0], fake[:, 1], s=3, c=np.asarray(labels) % 20, cmap="tab20",
                   vmin=0, vmax=19, alpha=0.8, label="generated")
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def save_toy_figure(path, real, fake, critic=None, title=None, labels=None, size=4.0):
    """Write one `draw_toy_panel` (``size`` inches square, 100 dpi) to ``path`` atomically.

    ``real`` may be empty (``fake[:0]``): only the generated points are drawn.
    """
    fig, ax = pyplot().subplots(figsize=(size, size))
    draw_toy_panel(ax, real, fake, critic, title=title, labels=labels)
    return save_figure(fig, path)
