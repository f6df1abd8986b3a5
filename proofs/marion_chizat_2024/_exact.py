"""Exact (SymPy) and certified (python-flint arb) computations for Marion & Chizat 2024.

Symbolic weights are SymPy matrices of fresh symbols; exact data use rationals. Everything
returns plain SymPy objects or booleans, so the claim files decide what counts as a proof.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import sympy as sp


def sym_weights(dims, prefix="w"):
    """Symbolic ``W_k`` (``d_k x d_{k-1}``) with entries ``w{k}_{i}{j}``."""
    return [sp.Matrix(dims[k + 1], dims[k], lambda i, j, k=k: sp.Symbol(f"{prefix}{k + 1}_{i}{j}"))
            for k in range(len(dims) - 1)]


def prod_t(Ws, w):
    """``W_1^T ... W_L^T w`` for SymPy matrices."""
    v = w
    for W in reversed(Ws):
        v = W.T * v
    return v


def risk_expr(X, y, Ws, w):
    """``R^L = ||y - X W_1^T ... W_L^T w||^2 / n`` as a SymPy expression."""
    r = y - X * prod_t(Ws, w)
    return (r.T * r)[0, 0] / X.shape[0]


def layer_gradient(Ws, w, g, k):
    """Eq. (5) for layer ``k`` (0-based): ``W_{k+1}^T ... W_L^T w g^T W_1^T ... W_{k-1}^T``, with
    ``g`` the gradient of ``R^1`` at ``w_prod``."""
    v = w
    for W in reversed(Ws[k + 1:]):
        v = W.T * v
    left = g.T
    for W in Ws[:k]:
        left = left * W.T
    return v * left


def eq5_gradient(X, y, Ws, w, k):
    """Eq. (5)-(6) for layer ``k`` (0-based), with ``g = -2/n X^T (y - X w_prod)``."""
    n = X.shape[0]
    return layer_gradient(Ws, w, -sp.Rational(2, n) * X.T * (y - X * prod_t(Ws, w)), k)


def gradient_formula_residual(dims, n=2):
    """Max over layers of the difference between the autodiff gradient of R^L and eq. (5)-(6),
    fully symbolic in X, y, w and the weights (``simplify``-ed; zero means proved)."""
    d = dims[0]
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y_{i}"))
    w = sp.Matrix(dims[-1], 1, lambda i, _: sp.Symbol(f"o_{i}"))
    Ws = sym_weights(dims)
    R = risk_expr(X, y, Ws, w)
    bad = []
    for k, W in enumerate(Ws):
        auto = W.applyfunc(lambda e: sp.diff(R, e))
        diff = (auto - eq5_gradient(X, y, Ws, w, k)).applyfunc(sp.expand)
        bad.extend(e for e in diff if e != 0)
    return bad


def lemma1_derivative(dims):
    """``d/dt (W_{k+1}^T W_{k+1} - W_k W_k^T)`` along eq. (4) with the gradients (5), expanded
    symbolically in W, w and a symbolic gradient vector g = grad R^1(w_prod): returns the list of
    nonzero entries (empty means the conserved quantity of Lemma 1 is proved constant)."""
    d = dims[0]
    Ws = sym_weights(dims)
    w = sp.Matrix(dims[-1], 1, lambda i, _: sp.Symbol(f"o_{i}"))
    g = sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"g_{i}"))

    G = [layer_gradient(Ws, w, g, k) for k in range(len(Ws))]
    bad = []
    for k in range(len(Ws) - 1):
        dA = -(G[k + 1].T * Ws[k + 1] + Ws[k + 1].T * G[k + 1])
        dB = -(G[k] * Ws[k].T + Ws[k] * G[k].T)
        bad.extend(e for e in (dA - dB).applyfunc(sp.expand) if e != 0)
    return bad


def exact_hessian(X, y, Ws_num, w):
    """Exact Hessian (SymPy rationals) of R^L at rational weights ``Ws_num``, in the flat
    column-major layout; returns ``(H, R_value)``."""
    dims = [Ws_num[0].shape[1]] + [W.shape[0] for W in Ws_num]
    Ws = sym_weights(dims)
    syms = [e for W in Ws for e in W.T]  # column-major
    vals = {s: v for W, Wn in zip(Ws, Ws_num) for s, v in zip(W.T, Wn.T)}
    R = risk_expr(X, y, Ws, w)
    H = sp.hessian(R, syms).subs(vals)
    return H, R.subs(vals)


def max_eigenvalue(H):
    """Largest eigenvalue of a rational symmetric matrix, as an exact algebraic number."""
    lam = sp.Symbol("lam")
    roots = sp.Poly(H.charpoly(lam).as_expr(), lam).real_roots()
    return max(roots)


# ----------------------------------------------------------------------------- certified (flint)


def fmpq_matrix(A, digits: int = 9) -> flint.fmpq_mat:
    """Rational matrix near a float array (entries with denominators up to 10^digits)."""
    A = [[Fraction(float(a)).limit_denominator(10 ** digits) for a in row] for row in (A if hasattr(A[0], "__len__") else [A])]
    return flint.fmpq_mat([[flint.fmpq(a.numerator, a.denominator) for a in row] for row in A])


def exact_problem(X, y):
    """Rational ``Sigma = X^T X / n`` and ``w* = (X^T X)^{-1} X^T y`` (fmpq matrices; ``y`` a column)."""
    Xq, yq = fmpq_matrix(X), fmpq_matrix([[t] for t in y])
    G = Xq.transpose() * Xq
    return G / Xq.nrows(), G.solve(Xq.transpose() * yq)


def exact_minimizer(Ws, w_q, w_star_q):
    """Rationalise ``W_2..W_L`` and give ``W_1`` the rank-one correction making ``W_1^T v_1 = w*``
    exactly (``v_1 = W_2^T ... W_L^T w``): an exact point of the minimum set."""
    Wq = [fmpq_matrix(W) for W in Ws]
    v = w_q
    for W in reversed(Wq[1:]):
        v = W.transpose() * v
    vv = (v.transpose() * v)[0, 0]
    if vv == 0:
        raise ValueError("v_1 = 0: no first layer can reach w*")
    Wq[0] = Wq[0] + v * (w_star_q - Wq[0].transpose() * v).transpose() / vv
    return Wq


def exact_gram(Wq, w_q):
    """``J J^T = sum_k ||v_k||^2 B_k^T B_k`` in exact rationals (see ``_lib.gn_gram``)."""
    L, d = len(Wq), Wq[0].ncols()
    vs = [w_q]
    for W in reversed(Wq[1:]):
        vs.append(W.transpose() * vs[-1])
    vs = vs[::-1]
    B = flint.fmpq_mat(d, d, [1 if i == j else 0 for i in range(d) for j in range(d)])
    G = flint.fmpq_mat(d, d)
    for k in range(L):
        G += (vs[k].transpose() * vs[k])[0, 0] * (B.transpose() * B)
        B = Wq[k] * B
    return G


def rayleigh_sharpness_lower(G, sigma_q, z):
    """Exact rational lower bound on S at an exact minimiser: with ``v = J^T z``,
    ``v^T H v / v^T v = 2 z^T G Sigma G z / z^T G z`` because ``H = 2 J^T Sigma J`` there."""
    zq = fmpq_matrix([[t] for t in z])
    num = (zq.transpose() * G * sigma_q * G * zq)[0, 0]
    den = (zq.transpose() * G * zq)[0, 0]
    return 2 * num / den


def lambda_min_upper(sigma_q):
    """An exact rational upper bound on the smallest eigenvalue of a symmetric rational matrix:
    the Rayleigh quotient at a (rationalised) float eigenvector, within O(err^2) of the truth."""
    import numpy as np

    S = np.array([[float(sigma_q[i, j]) for j in range(sigma_q.ncols())] for i in range(sigma_q.nrows())])
    v = fmpq_matrix([[t] for t in np.linalg.eigh(S)[1][:, 0]])
    return (v.transpose() * sigma_q * v)[0, 0] / (v.transpose() * v)[0, 0]


def lambda_max_lower(sigma_q):
    """An exact rational lower bound on the largest eigenvalue (Rayleigh quotient at a float eigenvector)."""
    import numpy as np

    S = np.array([[float(sigma_q[i, j]) for j in range(sigma_q.ncols())] for i in range(sigma_q.nrows())])
    v = fmpq_matrix([[t] for t in np.linalg.eigh(S)[1][:, -1]])
    return (v.transpose() * sigma_q * v)[0, 0] / (v.transpose() * v)[0, 0]


def arb_norm(v_q, dps: int):
    flint.ctx.dps = dps
    return flint.arb((v_q.transpose() * v_q)[0, 0]).sqrt()


def fmpq_frob(W):
    flint_entries = W.entries()
    return sum((e * e for e in flint_entries), flint.fmpq(0))


def certainly_ge(q, ball) -> bool:
    """Whether the rational ``q`` is certainly >= every point of ``ball``."""
    return bool(flint.arb(q) >= ball)
