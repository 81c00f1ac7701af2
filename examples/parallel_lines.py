"""Parallel lines (WGAN paper, Example 1): a trained discriminator's JS estimate stays at log 2
while a trained critic's W estimate follows |theta|.

    python examples/parallel_lines.py --thetas -1 -0.5 -0.25 0 0.25 0.5 1 --steps 300 --out runs/parallel_lines
"""

import argparse
import json

from keras_wgan.experiments import parallel_lines


def run(thetas=(-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0), steps=300, critic="gp",
        out="runs/parallel_lines", seed=0):
    """Return `keras_wgan.experiments.parallel_lines.run`'s dict; figure: ``out/parallel_lines.png``."""
    return parallel_lines.run(tuple(thetas), steps=steps, critic=critic, out_dir=out, seed=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thetas", nargs="+", type=float,
                        default=[-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--steps", type=int, default=300, help="training steps per estimate")
    parser.add_argument("--critic", choices=["gp", "clip"], default="gp")
    parser.add_argument("--out", default="runs/parallel_lines")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = run(args.thetas, args.steps, args.critic, args.out, args.seed)
    print(f"{'theta':>7} {'JS est':>8} {'JS':>6} {'W est':>7} {'raw gap':>8} {'W':>5}")
    for p in result["points"]:
        print(f"{p['theta']:7.2f} {p['js']:8.4f} {p['js_true']:6.3f} {p['w']:7.4f} "
              f"{p['w_gap']:8.4f} {p['w_true']:5.2f}")
    print(json.dumps({k: result[k] for k in ("max_js_rel_error", "max_w_rel_error")}))
    return result


if __name__ == "__main__":
    main()
