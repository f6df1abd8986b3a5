"""Figure 6 of Mulayoff & Michaeli (2020): intermediate gains of six-layer ReLU denoisers at flat minima
(SGD, large step) and at sharp minima (Adam, small step).

For each trained network and each layer k, blue dots: the largest gain ||h_k(x)|| / ||x|| over inputs x
(maximised by Adam on x from 16 random starts; the nets are positively homogeneous, so only the direction of
x matters); red circles: the gains at layer k of the input x* with the largest end-to-end gain.

Differences from the paper: 8x8 digits with noise std 0.5 instead of MNIST with 1.25; width 64; two seeds
per optimiser instead of four; 60 epochs; SGD step 1.6 (the paper: 1/2 on MNIST), Adam step 3e-4 with
betas (0.8, 0.99) as in the paper's Table S1; 16 starts per gain maximisation instead of 100.

Run: python examples/mulayoff_michaeli_2020/fig6_gains_nonlinear.py [--out DIR]   (about 1-2 minutes)
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from _common import out_dir  # noqa: E402
from _digits import D, data, hessian_top, init_weights, train  # noqa: E402

M, EPOCHS = 6, 60


def layer_outputs(Ws, x):
    """h_1, ..., h_m for a batch x (ReLU after every layer but the last)."""
    outs, h = [], x
    for k, W in enumerate(Ws):
        h = h @ W.T
        if k < len(Ws) - 1:
            h = torch.relu(h)
        outs.append(h)
    return outs


def max_gain(Ws, k, starts=16, steps=300, seed=0):
    """max over x of ||h_k(x)|| / ||x|| and the maximiser (batched Adam on the input)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(starts, D, generator=g, dtype=torch.float64).abs().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        gain = layer_outputs(Ws, x)[k - 1].norm(dim=1) / x.norm(dim=1)
        (-gain.sum()).backward()
        opt.step()
    with torch.no_grad():
        gain = layer_outputs(Ws, x)[k - 1].norm(dim=1) / x.norm(dim=1)
        i = int(torch.argmax(gain))
        return float(gain[i]), x[i].detach().clone()


def main():
    out = out_dir(__doc__.splitlines()[0])
    torch.set_num_threads(1)
    X, Y = data()
    runs = {"SGD, step 1.6": dict(optimizer="sgd", lr=1.6), "Adam, step 3e-4": dict(optimizer="adam", lr=3e-4)}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    k = np.arange(1, M + 1)
    for ax, (name, kw) in zip(axes, runs.items()):
        for seed in range(2):
            Ws, hist = train(init_weights(M, "random", seed), X, Y, epochs=EPOCHS, seed=seed, **kw)
            lam = hessian_top(Ws, X, Y)
            cands = torch.stack([max_gain(Ws, kk, seed=seed)[1] for kk in k])      # one maximiser per layer
            with torch.no_grad():
                gains = torch.stack([h.norm(dim=1) for h in layer_outputs(Ws, cands)]) / cands.norm(dim=1)
            blue = gains.max(dim=1).values.tolist()          # best candidate for each layer
            red = gains[:, M - 1].tolist()                   # x* = the maximiser of the end-to-end gain
            off = (seed - 0.5) * 0.15
            ax.plot(k + off, blue, "o", color="tab:blue", ms=5, label="max gain up to layer k" if seed == 0 else None)
            ax.plot(k + off, red, "o", mfc="none", color="tab:red", ms=9, label="gain of x* (top end-to-end)" if seed == 0 else None)
            print(f"{name} seed {seed}: final loss {hist[-1]:.4f}, sharpness {lam:.3f}, max gains {np.round(blue, 2)}", flush=True)
        ax.set(yscale="log", xlabel="layer k", title=name)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("gain")
    fig.tight_layout()
    fig.savefig(out / "mulayoff_michaeli_2020_fig6.png", dpi=130)


if __name__ == "__main__":
    main()
