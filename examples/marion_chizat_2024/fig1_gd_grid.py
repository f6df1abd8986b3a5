"""Marion & Chizat 2024, Figure 1 (a)-(d) and its residual counterpart (Appendix C, Figure 3).

Gradient descent on a deep linear network for univariate regression, over a grid of learning
rates and initialisation scales: (a) squared distance ||w_prod - w*||^2 after training, (b) sharpness
at initialisation and after training with the 2/eta thresholds, S_min (Theorem 1) and the upper
bound 4 Lambda/lambda S_min (Corollary 3), (c)-(d) one run each at eta = 0.02 and eta = 0.1.

Run: ``python examples/marion_chizat_2024/fig1_gd_grid.py [--out DIR] [--init gaussian|residual]``.

Differences from the paper's setup (n = 50, d = 5, L = 10 and the data recipe are the same):
- 4 repetitions per cell instead of 20 and 7 initialisation scales (the numbers of steps are those
  of Appendix C; the residual runs use them too, not 4,000 for every rate); points are means over
  the non-diverged repetitions, without confidence intervals.
- numpy float64 instead of JAX float32; sharpness by 30 power iterations on finite-difference
  Hessian-vector products (the paper: 20 power iterations with autodiff).
- a run counts as diverged when its loss exceeds 1e6 or is not finite; diverged runs are dropped.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

LRS = {0.005: 40000, 0.02: 10000, 0.07: 4000, 0.1: 4000, 0.2: 2000}


def make_data(rng, n=50, d=5):
    """Appendix C: y0 = X w_true + noise, then scale so that ||w*|| = 1."""
    X = rng.standard_normal((n, d))
    y0 = X @ rng.standard_normal(d) + rng.standard_normal(n)
    w0 = np.linalg.lstsq(X, y0, rcond=None)[0]
    y, w_star = y0 / np.linalg.norm(w0), w0 / np.linalg.norm(w0)
    sigma = X.T @ X / n
    r_min = float(np.mean((y - X @ w_star) ** 2))
    return sigma, w_star, r_min


def w_prod(Ws, w):
    v = w
    for W in reversed(Ws):
        v = np.einsum("bij,bi->bj", W, v)
    return v


def loss_and_grads(Ws, w, sigma, w_star, r_min):
    """Batched risk and eq. (5) gradients: risk = (w_prod - w*)^T Sigma (w_prod - w*) + R_min."""
    vs = [w]
    for W in reversed(Ws[1:]):
        vs.append(np.einsum("bij,bi->bj", W, vs[-1]))
    vs = vs[::-1]
    wp = np.einsum("bij,bi->bj", Ws[0], vs[0])
    e = wp - w_star
    g = 2 * e @ sigma
    a, grads = g, []
    for k, W in enumerate(Ws):
        grads.append(np.einsum("bi,bj->bij", vs[k], a))
        a = np.einsum("bij,bj->bi", W, a)
    return np.einsum("bi,ij,bj->b", e, sigma, e) + r_min, grads, wp


def sharpness(Ws, w, sigma, w_star, r_min, rng, iters=30, h=1e-5):
    """Top Hessian eigenvalue (largest in modulus) per batch member by power iteration on
    finite-difference Hessian-vector products."""
    V = [rng.standard_normal(W.shape) for W in Ws]
    lam = np.zeros(Ws[0].shape[0])
    for _ in range(iters):
        nrm = np.sqrt(sum(np.sum(v ** 2, axis=(1, 2)) for v in V))
        V = [v / nrm[:, None, None] for v in V]
        gp = loss_and_grads([W + h * v for W, v in zip(Ws, V)], w, sigma, w_star, r_min)[1]
        gm = loss_and_grads([W - h * v for W, v in zip(Ws, V)], w, sigma, w_star, r_min)[1]
        HV = [(a - b) / (2 * h) for a, b in zip(gp, gm)]
        lam = sum(np.sum(v * hv, axis=(1, 2)) for v, hv in zip(V, HV))
        V = HV
    return lam


def init(rng, kind, scale, B, d, L):
    if kind == "gaussian":
        Ws = [scale * rng.standard_normal((B, d, d)) for _ in range(L - 1)] + [scale * rng.standard_normal((B, 1, d))]
        return Ws, np.ones((B, 1))
    Ws = [np.eye(d) + scale / np.sqrt(L * d) * rng.standard_normal((B, d, d)) for _ in range(L)]
    w = rng.standard_normal((B, d))
    return Ws, w / np.linalg.norm(w, axis=1, keepdims=True)


def train(Ws, w, data, lr, steps, record=0, rng=None):
    sigma, w_star, r_min = data
    hist = []
    alive = np.ones(Ws[0].shape[0], bool)
    for t in range(steps):
        loss, grads, wp = loss_and_grads(Ws, w, sigma, w_star, r_min)
        alive &= np.isfinite(loss) & (loss < 1e6)
        if record and t % record == 0:
            hist.append((t, np.sum((wp - w_star) ** 2, axis=1), sharpness(Ws, w, sigma, w_star, r_min, rng)))
        Ws = [np.where(alive[:, None, None], W - lr * G, W) for W, G in zip(Ws, grads)]
    return Ws, alive, hist


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="examples/out")
    ap.add_argument("--init", choices=["gaussian", "residual"], default="gaussian")
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    d, L = 5, 10
    data = make_data(rng)
    sigma, w_star, r_min = data
    ev = np.linalg.eigvalsh(sigma)
    s_min = 2 * L * ev[0] * np.linalg.norm(w_star) ** (2 - 2 / L)
    scales = np.geomspace(0.1, 0.7, 7) if args.init == "gaussian" else np.geomspace(0.1, 2.0, 7)
    t0 = time.time()
    fig, ax = plt.subplots(2, 2, figsize=(11, 8))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(LRS)))
    for (lr, steps), col in zip(LRS.items(), colors):
        B = args.reps * len(scales)
        Ws, w = init(rng, args.init, np.repeat(scales, args.reps)[:, None, None], B, d, L)
        s0 = sharpness(Ws, w, sigma, w_star, r_min, rng)
        Wf, alive, _ = train(Ws, w, data, lr, steps)
        dist = np.sum((w_prod(Wf, w) - w_star) ** 2, axis=1)
        s1 = sharpness(Wf, w, sigma, w_star, r_min, rng)
        for vals, a_, style in [(dist, ax[0, 0], "-o"), (s1, ax[0, 1], "-o"), (s0, ax[0, 1], ":x")]:
            m = vals.reshape(len(scales), args.reps)
            ok = alive.reshape(len(scales), args.reps)
            mean = np.array([m[i][ok[i]].mean() if ok[i].any() else np.nan for i in range(len(scales))])
            a_.plot(scales, mean, style, color=col, label=f"eta={lr}" if style == "-o" else None, ms=4)
        ax[0, 1].axhline(2 / lr, color=col, ls="--", lw=0.8)
    ax[0, 1].axhline(s_min, color="k", ls=":", label="S_min (Thm 1)")
    if args.init == "gaussian":
        ax[0, 1].axhline(4 * ev[-1] / ev[0] * s_min, color="k", ls="-.", label="4 Lambda/lambda S_min (Cor 3)")
    for a_, yl in [(ax[0, 0], "||w_prod - w*||^2 after training"), (ax[0, 1], "sharpness (o: after, x: at init)")]:
        a_.set_xscale("log")
        a_.set_yscale("log")
        a_.set_xlabel("initialisation scale" + (" s" if args.init == "residual" else " (std)"))
        a_.set_ylabel(yl)
        a_.legend(fontsize=7)
    for a_, lr in [(ax[1, 0], 0.02), (ax[1, 1], 0.1)]:
        Ws, w = init(rng, args.init, 0.3 if args.init == "gaussian" else 0.5, 1, d, L)
        _, _, hist = train(Ws, w, data, lr, LRS[lr], record=max(LRS[lr] // 100, 1), rng=rng)
        ts = [h[0] for h in hist]
        a_.plot(ts, [h[1][0] for h in hist], label="||w_prod - w*||^2")
        a2 = a_.twinx()
        a2.plot(ts, [h[2][0] for h in hist], color="C1", label="sharpness")
        a2.axhline(2 / lr, color="C1", ls="--", lw=0.8)
        a_.set_yscale("log")
        a_.set_xlabel("step")
        a_.set_title(f"eta = {lr}")
        a_.legend(loc="upper center", fontsize=7)
        a2.legend(loc="center right", fontsize=7)
    fig.suptitle(f"Marion & Chizat 2024, Fig. {'1' if args.init == 'gaussian' else '3'} ({args.init} init, n=50, d=5, L=10; "
                 f"S_min = {s_min:.2f}, 2/S_min = {2 / s_min:.3f})")
    fig.tight_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"marion_chizat_2024_fig{'1' if args.init == 'gaussian' else '3'}_{args.init}.png"
    fig.savefig(path, dpi=110)
    print(f"wrote {path} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
