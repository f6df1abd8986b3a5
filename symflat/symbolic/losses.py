"""Exact losses of every model family, as SymPy expressions in the weight symbols.

- Linear families (``DeepLinear``, ``ScalarChain``, ``LinearWithOutput``): with end-to-end matrix
  ``A`` the loss is ``tr(Sigma_y) - 2 tr(A Sigma_yx^T) + tr(A Sigma_x A^T)``, i.e. the empirical
  ``E||y - A x||^2`` (Mulayoff & Michaeli 2020, eq. 2; Marion & Chizat 2024, risk ``R^L`` of Sec. 2).
  ``LinearWithOutput`` has ``A = w^T W_L ... W_1`` (Marion & Chizat eq. 3); with ``residual=True``
  ``W_k = I + s/sqrt(L d) N_k + theta_k / L`` (their Sec. 5), with ``N_k`` and ``s`` given or symbolic.
- ``ReluOneHidden``: ``(1/2n) sum_j (f(x_j) - y_j)^2`` with ``f(x) = w2^T relu(x w1 + b1) + b2``
  (Mulayoff, Michaeli & Soudry 2021, supp. eq. S43 and S48).
- ``DeepNetwork``: ``(1/n) sum_i l(h(x_i), y_i)`` (Elkabetz & Cohen 2021, eq. 8-9) with
  ``s(z) = alpha max(z,0) - alpha_bar max(-z,0)``.

For the piecewise-linear networks a fixed *activation pattern* replaces each activation by its
slope on the chosen side, which makes the loss a polynomial (the loss of one smooth piece).
"""

from __future__ import annotations

import sympy as sp

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, ReluOneHidden, ScalarChain
from symflat.symbolic.data import ExactMoments, ExactPoints, as_moments, exact_data
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import as_matrix, to_exact

LINEAR_FAMILIES = (DeepLinear, ScalarChain, LinearWithOutput)


def output_vector(model: LinearWithOutput, output=None) -> sp.Matrix:
    """The fixed output vector ``w`` (column): given, from the model, or symbols ``w_1..w_{d_L}``."""
    d = model.dims[-1]
    value = output if output is not None else model.output
    if value is None:
        return sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"w_{i + 1}", real=True))
    return as_matrix(value, "output vector w", (d, 1))


def residual_noise(model: LinearWithOutput, noise=None) -> list[sp.Matrix]:
    """The fixed matrices ``N_k`` of the residual parametrisation: given, else the model's, else
    symbols ``N{k}_ij``."""
    d, L = model.dims[0], model.depth
    noise = model.noise if noise is None else noise
    if noise is None:
        return [sp.Matrix(d, d, lambda i, j, k=k: sp.Symbol(f"N{k}_{i + 1}{j + 1}", real=True)) for k in range(1, L + 1)]
    noise = list(noise)
    if len(noise) != L:
        raise SymbolicError(f"residual noise: need {L} matrices N_1..N_L, got {len(noise)}")
    return [as_matrix(n, f"N_{k + 1}", (d, d)) for k, n in enumerate(noise)]


def layer_matrices(model, blocks: dict, *, noise=None, scale=None) -> list[sp.Matrix]:
    """The effective weight matrices ``W_1..W_m`` of a linear family, given its parameter blocks."""
    mats = [blocks[b.name] for b in model.blocks]
    if isinstance(model, LinearWithOutput) and model.residual:
        d, L = model.dims[0], model.depth
        scale = model.scale if scale is None else scale
        s = sp.Symbol("s", nonnegative=True) if scale is None else to_exact(scale, "scale s")
        Ns = residual_noise(model, noise)
        return [sp.eye(d) + s / sp.sqrt(L * d) * N + theta / L for N, theta in zip(Ns, mats)]
    return mats


def chain(mats: list[sp.Matrix]) -> sp.Matrix:
    """``M_k ... M_1`` for ``mats = [M_1, ..., M_k]``."""
    out = mats[0]
    for m in mats[1:]:
        out = m * out
    return out


def end_to_end(model, blocks: dict, *, output=None, noise=None, scale=None) -> sp.Matrix:
    """The end-to-end matrix ``A`` of a linear family (``W_m...W_1`` or ``w^T W_L...W_1``)."""
    if not isinstance(model, LINEAR_FAMILIES):
        raise SymbolicError(f"end_to_end: {type(model).__name__} is not a linear network family")
    A = chain(layer_matrices(model, blocks, noise=noise, scale=scale))
    if isinstance(model, LinearWithOutput):
        A = output_vector(model, output).T * A
    return A


def quadratic_loss(A: sp.Matrix, moments: ExactMoments) -> sp.Expr:
    """``tr(Sigma_y) - 2 tr(A Sigma_yx^T) + tr(A Sigma_x A^T)`` (Mulayoff & Michaeli eq. 2)."""
    if moments.sigma_x.shape != (A.shape[1], A.shape[1]):
        raise SymbolicError(f"Sigma_x has shape {tuple(moments.sigma_x.shape)} but the network takes inputs of "
                            f"dimension {A.shape[1]}")
    if moments.sigma_yx.shape != A.shape:
        raise SymbolicError(f"Sigma_yx has shape {tuple(moments.sigma_yx.shape)} but the network maps "
                            f"R^{A.shape[1]} -> R^{A.shape[0]}, so it must be {tuple(A.shape)}")
    loss = (A * moments.sigma_x * A.T).trace() - 2 * (A * moments.sigma_yx.T).trace()
    if moments.sigma_y is not None:
        loss += moments.sigma_y.trace()
    return loss


def _points(data, what: str) -> ExactPoints:
    data = exact_data(data)
    if not isinstance(data, ExactPoints):
        raise SymbolicError(f"{what} needs training points (symflat.models.Points), not moments")
    return data


def relu_pattern_matrix(pattern, n: int, k: int) -> list[list[int]]:
    """Validate an ``n x k`` 0/1 activation pattern (row j: which neurons are active at x_j)."""
    rows = [list(r) for r in pattern]
    if len(rows) != n or any(len(r) != k for r in rows):
        raise SymbolicError(f"activation pattern must be {n} x {k} (one row of {k} entries per example)")
    if any(v not in (0, 1, True, False) for r in rows for v in r):
        raise SymbolicError("activation pattern entries must be 0 or 1")
    return [[int(v) for v in r] for r in rows]


def relu_output(blocks: dict, x, active=None) -> sp.Expr:
    """``f(x) = w2^T relu(x w1 + b1) + b2``; with ``active`` (0/1 per neuron) the piece of S44."""
    w1, b1, w2, b2 = blocks["w1"], blocks["b1"], blocks["w2"], blocks["b2"][0]
    pre = [x * w1[i] + b1[i] for i in range(w1.shape[0])]
    act = [sp.Max(0, z) if active is None else active[i] * z for i, z in enumerate(pre)]
    return sum((w2[i] * a for i, a in enumerate(act)), sp.Integer(0)) + b2


def relu_loss(model: ReluOneHidden, blocks: dict, data, pattern=None) -> sp.Expr:
    """``(1/2n) sum_j (f(x_j) - y_j)^2`` (supp. eq. S48 with the full batch)."""
    pts = _points(data, "ReluOneHidden")
    if pts.X.shape[1] != 1 or pts.Y.shape[1] != 1:
        raise SymbolicError(f"ReluOneHidden takes scalar inputs and outputs, got X {tuple(pts.X.shape)}, Y {tuple(pts.Y.shape)}")
    n = pts.n
    pat = None if pattern is None else relu_pattern_matrix(pattern, n, model.width)
    res = [relu_output(blocks, pts.X[j, 0], None if pat is None else pat[j]) - pts.Y[j, 0] for j in range(n)]
    return sum((r**2 for r in res), sp.Integer(0)) / (2 * n)


def activation(model: DeepNetwork, z: sp.Expr, side: int | None = None) -> sp.Expr:
    """``s(z) = alpha max(z,0) - alpha_bar max(-z,0)``; with ``side`` 1 (z > 0) or 0 its linear piece."""
    alpha, alpha_bar = (to_exact(v, "activation slope") for v in model.slopes)
    if side is None:
        return z if alpha == alpha_bar else alpha * sp.Max(z, 0) - alpha_bar * sp.Max(-z, 0)
    return (alpha if side else alpha_bar) * z


def network_output(model: DeepNetwork, mats: list[sp.Matrix], x: sp.Matrix, pattern=None) -> sp.Matrix:
    """``h(x) = W_n s(W_{n-1} s(... s(W_1 x)))``; ``pattern[j][i]`` fixes the side of unit i of layer j+1."""
    h = x
    for j, W in enumerate(mats):
        h = W * h
        if j < len(mats) - 1:
            sides = None if pattern is None else pattern[j]
            h = sp.Matrix([activation(model, h[i], None if sides is None else sides[i]) for i in range(h.shape[0])])
    return h


def example_loss(model: DeepNetwork, h: sp.Matrix, y: sp.Matrix) -> sp.Expr:
    """``l(h, y)``: square ``||h - y||^2``, half square, or logistic ``log(1 + exp(-y h))``."""
    if model.loss == "logistic":
        return sp.log(1 + sp.exp(-y[0] * h[0]))
    sq = sum(((h[i] - y[i]) ** 2 for i in range(h.shape[0])), sp.Integer(0))
    return sq if model.loss == "square" else sq / 2


def deep_network_pattern(pattern, model: DeepNetwork, n: int) -> list:
    """Validate a pattern: per example, per hidden layer j (1..n-1), a 0/1 side per unit."""
    hidden = model.dims[1:-1]
    pats = list(pattern)
    if len(pats) != n:
        raise SymbolicError(f"activation pattern: need one entry per example ({n}), got {len(pats)}")
    for i, p in enumerate(pats):
        p = list(p)
        if len(p) != len(hidden) or any(len(list(layer)) != d for layer, d in zip(p, hidden)):
            raise SymbolicError(f"activation pattern of example {i}: need hidden-layer sides of sizes {list(hidden)}")
    return [[[int(v) for v in layer] for layer in p] for p in pats]


def deep_network_loss(model: DeepNetwork, blocks: dict, data, pattern=None) -> sp.Expr:
    """``(1/n) sum_i l(h(x_i), y_i)`` (Elkabetz & Cohen eq. 9)."""
    pts = _points(data, "DeepNetwork")
    if pts.X.shape[1] != model.dims[0] or pts.Y.shape[1] != model.dims[-1]:
        raise SymbolicError(f"DeepNetwork with dims {list(model.dims)} needs X with {model.dims[0]} columns and Y "
                            f"with {model.dims[-1]}, got X {tuple(pts.X.shape)}, Y {tuple(pts.Y.shape)}")
    n = pts.n
    pats = None if pattern is None else deep_network_pattern(pattern, model, n)
    mats = [blocks[b.name] for b in model.blocks]
    total = sp.Integer(0)
    for i in range(n):
        h = network_output(model, mats, pts.X[i, :].T, None if pats is None else pats[i])
        total += example_loss(model, h, pts.Y[i, :].T)
    return total / n


def loss_expression(model, blocks: dict, data, *, output=None, noise=None, scale=None, pattern=None) -> sp.Expr:
    """The loss of ``model`` on ``data`` in terms of the parameter blocks (see the module docstring)."""
    if isinstance(model, LINEAR_FAMILIES):
        if pattern is not None:
            raise SymbolicError(f"{type(model).__name__} is linear: it has no activation pattern")
        return quadratic_loss(end_to_end(model, blocks, output=output, noise=noise, scale=scale), as_moments(data))
    if isinstance(model, ReluOneHidden):
        return relu_loss(model, blocks, data, pattern)
    if isinstance(model, DeepNetwork):
        return deep_network_loss(model, blocks, data, pattern)
    raise SymbolicError(f"no loss is defined for {type(model).__name__}")
