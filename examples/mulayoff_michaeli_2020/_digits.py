"""Noisy-digits denoising with square fully connected ReLU networks (no biases), shared by figures 4-6.

Data: scikit-learn's 8x8 digits scaled to [0, 1] (1797 images, 64 pixels), input = image + Gaussian noise
(std NOISE, one fixed draw), target = clean image. Loss: mean over images and pixels of the squared error.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from symflat.models import DeepNetwork, Points
from symflat.numeric.sharpness import NotConvergedWarning, sharpness

NOISE = 0.5
D = 64


def data(seed: int = 0):
    from sklearn.datasets import load_digits

    clean = load_digits().data / 16.0
    rng = np.random.default_rng(seed)
    noisy = clean + NOISE * rng.normal(size=clean.shape)
    return torch.tensor(noisy), torch.tensor(clean)


def init_weights(m: int, kind: str, seed: int):
    g = torch.Generator().manual_seed(seed)
    if kind == "identity":
        return [torch.eye(D, dtype=torch.float64) for _ in range(m)]
    return [torch.randn(D, D, generator=g, dtype=torch.float64) * np.sqrt(2.0 / D) for _ in range(m)]   # He et al.


def forward(Ws, x):
    h = x
    for W in Ws[:-1]:
        h = torch.relu(h @ W.T)
    return h @ Ws[-1].T


def mse(Ws, X, Y):
    return ((forward(Ws, X) - Y) ** 2).mean()


def train(Ws, X, Y, *, lr: float, epochs: int, batch: int = 100, optimizer: str = "sgd", seed: int = 0, betas=(0.8, 0.99)):
    """Minibatch training; returns (weights, per-epoch full-batch losses); stops early on divergence."""
    Ws = [W.clone().requires_grad_(True) for W in Ws]
    opt = torch.optim.SGD(Ws, lr=lr) if optimizer == "sgd" else torch.optim.Adam(Ws, lr=lr, betas=betas)
    g = torch.Generator().manual_seed(seed)
    n = X.shape[0]
    history = []
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            mse(Ws, X[idx], Y[idx]).backward()
            opt.step()
        with torch.no_grad():
            history.append(float(mse(Ws, X, Y)))
        if not np.isfinite(history[-1]) or history[-1] > 1e3:
            break
    return [W.detach() for W in Ws], np.array(history)


def hessian_top(Ws, X, Y) -> float:
    """lambda_max of the full-batch MSE Hessian via symflat.numeric.sharpness (Lanczos, torch autodiff).

    The engine's 'square' loss is the mean over images of the summed squared error; with inputs and targets
    scaled by 1/8 it equals our per-pixel mean (the network is positively homogeneous in its input)."""
    model = DeepNetwork([D] * (len(Ws) + 1), activation="relu", loss="square")
    w = np.concatenate([W.numpy().reshape(-1, order="F") for W in Ws])
    pts = Points(X.numpy() / 8, Y.numpy() / 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        return float(sharpness(model, w, pts, method="lanczos", backend="torch", tol=1e-4, maxiter=80).eigenvalue)
