"""Vanishing gradients: the generator's gradient norm under the minimax loss, -log D and a WGAN
critic, against the number of steps the discriminator has been trained for.

    python examples/vanishing_gradients.py --theta 1 --steps 1000 --out runs/vanishing_gradients
"""

import argparse

from keras_wgan.experiments import vanishing_gradients


def run(theta=1.0, steps=1000, critic="gp", learning_rate=1e-3, out="runs/vanishing_gradients",
        seed=0):
    """Return `keras_wgan.experiments.vanishing_gradients.run`'s dict; figure in ``out``."""
    return vanishing_gradients.run(theta=theta, steps=steps, critic=critic,
                                   learning_rate=learning_rate, out_dir=out, seed=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theta", type=float, default=1.0, help="generator's distance from the data")
    parser.add_argument("--steps", type=int, default=1000, help="discriminator / critic steps")
    parser.add_argument("--critic", choices=["gp", "clip"], default="gp")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="Adam rate of the discriminator and the critic")
    parser.add_argument("--out", default="runs/vanishing_gradients")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.theta, args.steps, args.critic, args.learning_rate, args.out, args.seed)
    print(f"{'k':>6} {'minimax':>10} {'-log D':>10} {'critic':>10} {'D(G(z))':>10}")
    for i, k in enumerate(result["k"]):
        print(f"{k:6d} {result['minimax'][i]:10.3g} {result['non_saturating'][i]:10.3g} "
              f"{result['wasserstein'][i]:10.3g} {result['d_fake'][i]:10.3g}")
    print(f"peak / final: minimax {result['minimax_drop']:.3g}, "
          f"-log D {result['non_saturating_drop']:.3g}, critic {result['wasserstein_drop']:.3g}")
    return result


if __name__ == "__main__":
    main()
