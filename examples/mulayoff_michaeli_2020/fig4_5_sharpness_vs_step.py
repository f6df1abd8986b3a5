"""Figures 4 and 5 of Mulayoff & Michaeli (2020): sharpness of the minima SGD reaches, against step size and
depth, for identity and for random (He) initialisation, on a denoising task; and training curves.

Differences from the paper: scikit-learn's 8x8 digits (64 pixels, 1797 images, noise std 0.5) instead of
MNIST (784 pixels, noise std 1.25); width 64; depths 2-10 instead of up to 18; 40 epochs of SGD with batch
100 instead of training to convergence; sharpness by Lanczos on the full-batch Hessian (engine
symflat.numeric.sharpness) instead of the power method. A run counts as converged when its final loss
is finite and below half the loss of the zero map (white tiles otherwise).

Run: python examples/mulayoff_michaeli_2020/fig4_5_sharpness_vs_step.py [--out DIR]   (about 3-5 minutes)
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from _common import out_dir  # noqa: E402
from _digits import data, hessian_top, init_weights, train  # noqa: E402

DEPTHS = [2, 4, 6, 8, 10]
STEPS = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4]
EPOCHS = 40


def grid(kind, X, Y, baseline):
    S = np.full((len(DEPTHS), len(STEPS)), np.nan)
    for i, m in enumerate(DEPTHS):
        for j, lr in enumerate(STEPS):
            Ws, hist = train(init_weights(m, kind, seed=i), X, Y, lr=lr, epochs=EPOCHS, seed=j)
            if np.isfinite(hist[-1]) and len(hist) == EPOCHS and hist[-1] < 0.5 * baseline:
                S[i, j] = hessian_top(Ws, X, Y)
            print(f"{kind:8s} m={m:2d} lr={lr:5.2f}: final loss {hist[-1]:.4f}, sharpness {S[i, j]:.3f}", flush=True)
    return S


def main():
    out = out_dir(__doc__.splitlines()[0])
    torch.set_num_threads(1)                               # small matrices: one thread is fastest
    X, Y = data()
    baseline = float((Y**2).mean())                       # loss of the zero map
    grids = {kind: grid(kind, X, Y, baseline) for kind in ("identity", "random")}
    vmax = np.nanmax([np.nanmax(g) for g in grids.values()])
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    for ax, (kind, S) in zip(axes[:2], grids.items()):
        im = ax.imshow(S, origin="lower", cmap="jet", vmin=0, vmax=vmax, aspect="auto")
        ax.set(xticks=range(len(STEPS)), xticklabels=STEPS, yticks=range(len(DEPTHS)), yticklabels=DEPTHS,
               xlabel="step size", ylabel="depth m", title=f"sharpness, {kind} init (white: not converged)")
        fig.colorbar(im, ax=ax)
    ax = axes[2]
    for kind, S in grids.items():
        best = [np.nanmin(row) if np.any(np.isfinite(row)) else np.nan for row in S]
        ax.plot(DEPTHS, best, "o-", label=f"flattest found, {kind} init")
    ax.set(xlabel="depth m", ylabel="lowest sharpness over step sizes", title="Fig. 4(b): flattest vs depth")
    ax.legend(fontsize=8)
    ax = axes[3]
    m, lr = 8, 0.4
    for kind in ("identity", "random"):
        _, hist = train(init_weights(m, kind, seed=0), X, Y, lr=lr, epochs=EPOCHS, seed=0)
        ax.semilogy(np.arange(1, len(hist) + 1), hist, label=f"{kind} init")
    ax.set(xlabel="epoch", ylabel="training loss", title=f"Fig. 5(b): m = {m}, step {lr}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "mulayoff_michaeli_2020_fig4_5.png", dpi=120)


if __name__ == "__main__":
    main()
