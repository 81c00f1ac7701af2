"""The README figure of the bundled toy preset, drawn from its stored weights."""

import pathlib


def plot_toy_preset(path, root=None, name="wgan_gp/grid25"):
    """Draw a toy preset's evaluation samples over real points, with the 3-std HQ circles.

    The samples are the ones its metrics were measured on (its recipe's ``n_samples`` and
    ``sample_seed``, as recorded in the metadata). Returns the mode statistics.
    """
    from keras_wgan import data, evaluation, hub, plotting
    from keras_wgan.presets import PRESETS_DIR

    generator = hub.load(str(pathlib.Path(root or PRESETS_DIR) / name))
    settings = generator.metadata["evaluation"]
    dataset = generator.metadata["dataset"]["name"]
    samples = generator.generate(settings["n_samples"], seed=settings["sample_seed"])
    stats = evaluation.toy_mode_stats(samples, dataset)
    centres, std = data.mixture_modes(dataset)
    plt = plotting.pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    plotting.draw_toy_panel(ax, data.sample(dataset, len(samples), seed=1), samples, limit=5.0,
                            title=f"{name}: {stats['modes_covered']}/{stats['n_modes']} modes, "
                                  f"{stats['hq_rate']:.1%} within 3 std")
    for centre in centres:
        ax.add_patch(plt.Circle(centre, 3 * std, fill=False, linewidth=0.5, color="tab:green"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7, markerscale=3)
    fig.tight_layout()
    plotting.save_figure(fig, path, dpi=100)
    return stats
