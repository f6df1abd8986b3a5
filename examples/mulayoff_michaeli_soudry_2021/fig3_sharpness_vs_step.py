"""Sec. 5 / Fig. 3 of Mulayoff, Michaeli & Soudry (2021): the minima full-batch GD reaches on a
one-hidden-layer ReLU network get flatter, in parameter space and in function space, as the step
size grows, and always satisfy lambda_max <= 2/eta and 1 + 2 int |f''| g <= lambda_max (Lemma 4,
Theorem 1).

Setting (the paper's, scaled down to run in about two minutes on two CPU cores): n = 10 points
(x a jittered grid on [-1, 1], y standard normal times 0.5; the paper does not give its data, and
fully random x with near-coincident points did not reach 1e-8 within our step budget), k = 80
neurons, first-layer knots spread over the data (w1 = +-N(1, 0.3), b1 = -w1 U(-1.2, 1.2), w2 =
0.1 N(0, 1)) rather than PyTorch's default, one initial point for every run, 16 step sizes log-spaced in [0.02, 0.6] (the paper: 200 in [1e-4, 0.5]; smaller steps do not reach 1e-8 within our step budget), a
linear learning-rate warm-up over 5,000 steps (the paper: 5e5), training until the loss is at most
1e-8 (at most 150,000 steps). Runs that converge during the warm-up or never reach 1e-8 are dropped,
as in the paper. For each minimum we report the sharpness lambda_max (Gram matrix at the
interpolating minimum, eq. 27), the sharpness of the flattest rescaling (S82) and the function-space
lower bound 1 + 2 int |f''| g.

Run: python examples/mulayoff_michaeli_soudry_2021/fig3_sharpness_vs_step.py [--out DIR]
Writes fig3_sharpness_vs_step.png to DIR (default examples/out).
"""

import argparse
import sys
import time
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "proofs"))

from mulayoff_michaeli_soudry_2021 import _lib as lib  # noqa: E402
from mulayoff_michaeli_soudry_2021.flattest import rescaled, s88_value  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

N, K = 10, 80
WARMUP, MAX_STEPS, TOL = 5_000, 150_000, 1e-8
ETAS = np.geomspace(0.02, 0.6, 16)


def flattest(theta, xs):
    """(S82) by L-BFGS-B on log beta (finite-difference gradients), then the (S88) certificate at the
    top Gram eigenvector (S86): returns (value, certificate)."""
    f = lambda lb: lib.lam_max_gram(rescaled(theta, K, np.exp(lb)), K, xs)  # noqa: E731
    res = minimize(f, np.zeros(K), method="L-BFGS-B", options={"maxiter": 300})
    P = lib.phi(rescaled(theta, K, np.exp(res.x)), K, xs)
    u = np.linalg.eigh(P.T @ P)[1][:, -1]
    return float(res.fun), float(s88_value(theta, K, xs, u))


def train(w0, xs, ys, eta):
    """Full-batch GD on (1/2n) sum (f(x_j) - y_j)^2 with a linear warm-up; returns (theta, steps, status)."""
    w1, b1, w2, b2 = (np.array(v, dtype=float) for v in (w0[:K], w0[K:2 * K], w0[2 * K:3 * K], [w0[3 * K]]))
    n = len(xs)
    for t in range(MAX_STEPS):
        z = np.outer(xs, w1) + b1
        mask = z > 0
        a = z * mask
        r = a @ w2 + b2[0] - ys
        loss = float(r @ r) / (2 * n)
        if loss <= TOL:
            return lib.join(w1, b1, w2, b2[0]), t, "warmup" if t < WARMUP else "converged"
        if not np.isfinite(loss) or loss > 1e6:
            return None, t, "diverged"
        lr = eta * min(1.0, (t + 1) / WARMUP)
        g = (r[:, None] * mask) * w2[None, :]          # d loss / d z, times n
        w1 -= lr * (g * xs[:, None]).sum(0) / n
        b1 -= lr * g.sum(0) / n
        w2 -= lr * (a * r[:, None]).sum(0) / n
        b2 -= lr * r.sum() / n
    return None, MAX_STEPS, "no global minimum"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "examples" / "out"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2021)
    xs = np.linspace(-1, 1, N) + rng.uniform(-0.05, 0.05, N)
    ys = rng.standard_normal(N) * 0.5
    sign = rng.choice([-1, 1], K)
    w1 = sign * np.abs(rng.normal(1, 0.3, K))
    w0 = lib.join(w1, -w1 * rng.uniform(-1.2, 1.2, K), rng.standard_normal(K) * 0.1, 0.0)
    rows, kept = [], {}
    t0 = time.time()
    for eta in ETAS:
        theta, steps, status = train(w0, xs, ys, eta)
        if status != "converged":
            print(f"eta={eta:.4f}: {status} after {steps} steps (dropped)", flush=True)
            continue
        lam = lib.lam_max_gram(theta, K, xs)
        flat, cert = flattest(theta, xs)
        bound = 1 + 2 * lib.curvature_integral(theta, K, list(xs), tol=1e-9)
        rows.append((eta, lam, flat, bound))
        kept[eta] = theta
        print(f"eta={eta:.4f}: {steps} steps, lambda_max={lam:.4g} (2/eta={2 / eta:.4g}), flattest rescaling={flat:.4g} (S88 certificate {cert:.4g}), "
              f"1 + 2 int|f''|g = {bound:.4g}  [{time.time() - t0:.0f}s]", flush=True)
        assert bound <= cert * (1 + 1e-9) and cert <= flat * (1 + 1e-9) and flat <= lam * (1 + 1e-9)
    rows = np.array(rows)
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.6))
    e = np.geomspace(ETAS[0], ETAS[-1], 200)
    ax[0].loglog(e, 2 / e, "k--", label=r"$2/\eta$")
    ax[0].loglog(rows[:, 0], rows[:, 1], "o", ms=4, label=r"$\lambda_{\max}$ of the GD minimum")
    ax[0].loglog(rows[:, 0], rows[:, 2], "s", ms=4, mfc="none", label="flattest rescaling found (S82)")
    ax[0].loglog(rows[:, 0], rows[:, 3], "^", ms=4, label=r"$1+2\int|f''|g$ (Lemma 4)")
    ax[0].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax[0].set_xlabel(r"step size $\eta$")
    ax[0].set_ylabel("sharpness")
    ax[0].set_title(f"GD minima, n = {N}, k = {K}")
    ax[0].legend(fontsize=8)
    grid = np.linspace(-1.2, 1.2, 600)
    picks = [rows[0, 0], rows[len(rows) // 2, 0], rows[-1, 0]]
    for eta in picks:
        ax[1].plot(grid, lib.outputs(kept[eta], K, grid), label=rf"$\eta$ = {eta:.3g}")
    ax[1].plot(xs, ys, "ko", ms=5, label="data")
    g2 = ax[1].twinx()
    g2.fill_between(grid, [lib.g(t, list(xs)) for t in grid], color="0.85", zorder=0)
    g2.set_ylabel("g(x)", color="0.5")
    ax[1].set_zorder(g2.get_zorder() + 1)
    ax[1].patch.set_visible(False)
    ax[1].set_title("GD interpolants for three step sizes; g in grey")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    path = out / "fig3_sharpness_vs_step.png"
    fig.savefig(path, dpi=110)
    print(f"kept {len(rows)}/{len(ETAS)} step sizes; figure: {path}  ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
