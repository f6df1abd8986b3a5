"""Elkabetz & Cohen 2021, Figure 1 (fully connected networks, linear and leaky-ReLU activation), plus
the GD-vs-GF distance of Theorem 3 against the step size.

Protocol of Sec. 6: on one network, compare a run with step size eta0 to runs with eta0 / r,
r in {2, 5, 10, 20}, iteration k of the first against iteration r k of the others, in training loss
and in weight space (Euclidean distance). Panel (c) adds what Theorem 3 is about: the distance
||theta_k - theta(k eta)|| between gradient descent and the gradient flow at matching times, at t = 1,
for eta = eta0 / {1, 2, 4, 8, 16}, with its least-squares slope over the three smallest steps (Theorem 3's bound is linear in eta); linear
activation only (the leaky flow crosses kinks, where the adaptive ODE solver crawls).

Run: ``python examples/elkabetz_cohen_2021/fig1_step_size.py [--out DIR]`` (under a minute on 2 cores).

Differences from the paper's setup:
- the first 500 of scikit-learn's bundled 8x8 digits (64 inputs) instead of MNIST (no download), inputs
  scaled to [0, 1]; one-hot targets with the half-square loss instead of cross-entropy (the losses
  of symflat.models.DeepNetwork);
- depth 3 (64-16-16-10) instead of the paper's deeper networks, 1,000 iterations at eta0 = 0.05
  (the paper: eta0 = 0.001 with more iterations); weights N(0, 1/fan_in) so that the loss moves in
  400 iterations; leaky ReLU with slope 0.1;
- float64 numpy full-batch gradient descent (symflat.numeric.gradient_descent).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from symflat.models import DeepNetwork, Points  # noqa: E402
from symflat.numeric import gd_vs_gf, gradient_descent  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ETA0, ITERS, RS = 0.05, 1000, (2, 5, 10, 20)


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.data[:500] / 16.0
    Y = np.eye(10)[d.target[:500]]
    return Points(X, Y)


def init(model, rng):
    return np.concatenate([rng.standard_normal(b.shape).reshape(-1, order="F") / np.sqrt(b.shape[1]) for b in model.blocks])


def compare(model, data, w0, every=10):
    base = gradient_descent(model, w0, data, ETA0, ITERS, record_every=every, keep_weights=True)
    out = {"base": base, "runs": {}}
    for r in RS:
        run = gradient_descent(model, w0, data, ETA0 / r, ITERS * r, record_every=every * r, keep_weights=True)
        k = min(len(run.loss), len(base.loss))
        out["runs"][r] = (run, np.linalg.norm(run.weights[:k] - base.weights[:k], axis=1), k)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "figures"))
    args = ap.parse_args(argv)
    t0 = time.time()
    rng = np.random.default_rng(0)
    data = digits()
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for row, act in enumerate(["linear", "leaky_relu"]):
        model = DeepNetwork((64, 16, 16, 10), activation=act, negative_slope=0.1, loss="half_square")
        w0 = init(model, rng)
        res = compare(model, data, w0)
        base = res["base"]
        it = np.arange(len(base.loss)) * 10
        axes[row, 0].plot(it, base.loss, "k-", lw=2, label=f"eta0 = {ETA0}")
        for r, (run, dist, k) in res["runs"].items():
            axes[row, 0].plot(it[:k], run.loss[:k], "--", label=f"eta0/{r}")
            axes[row, 1].plot(it[1:k], dist[1:], label=f"eta0/{r}")
            print(f"{act:10s} r = {r:2d}: final loss {run.loss[k - 1]:.5f} (eta0: {base.loss[k - 1]:.5f}), "
                  f"max distance {dist.max():.4f}, ||theta_0|| = {np.linalg.norm(w0):.2f}")
        axes[row, 0].set(title=f"{act}: training loss", xlabel="iteration (of the eta0 run)", ylabel="loss")
        axes[row, 1].set(title=f"{act}: ||theta_k(eta0) - theta_rk(eta0/r)||", xlabel="iteration (of the eta0 run)",
                         ylabel="distance in weight space")
        axes[row, 0].legend()
        axes[row, 1].legend()
        if act != "linear":  # the flow of a leaky net crosses kinks: the adaptive solver crawls there
            axes[row, 2].axis("off")
            continue
        # (c) GD against GF at t = 1
        etas = ETA0 / np.array([1, 2, 4, 8, 16])
        d = [gd_vs_gf(model, w0, data, e, int(round(1.0 / e)), rtol=1e-9, atol=1e-11).distance[-1] for e in etas]
        slope = np.polyfit(np.log(etas[2:]), np.log(d[2:]), 1)[0]  # the three smallest steps
        axes[row, 2].loglog(etas, d, "o-", label=f"slope {slope:.2f} (three smallest eta)")
        axes[row, 2].loglog(etas, d[-1] * etas / etas[-1], "k:", label="linear in eta")
        axes[row, 2].set(title=f"{act}: ||theta_k - theta(k eta)|| at t = 1", xlabel="eta", ylabel="distance")
        axes[row, 2].legend()
        print(f"{act:10s} GD vs GF at t = 1: " + ", ".join(f"eta={e:.4g}: {x:.3e}" for e, x in zip(etas, d)) + f"; slope {slope:.3f}")
    fig.suptitle("Elkabetz & Cohen 2021, Fig. 1 protocol on 8x8 digits (500 images, 64-16-16-10, half-square loss)")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "elkabetz_cohen_2021_fig1.png"
    fig.savefig(path, dpi=90)
    print(f"wrote {path} in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
