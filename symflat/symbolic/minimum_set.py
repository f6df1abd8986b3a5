"""The minimum set ``Omega`` of a deep linear network as an object (Mulayoff & Michaeli 2020, Secs. 4-5).

For ``f(x) = W_m ... W_1 x``, the loss ``E||y - f(x)||^2`` and a full-rank ``Sigma_x``, the global
minima are ``Omega = {w : W_m ... W_1 = T}`` with ``T = Sigma_yx Sigma_x^{-1}`` (eq. 4-5).
:class:`MinimumSet` samples it (exact rational and floating point), parametrises it symbolically,
gives its flattest points (the balanced eq. 27) and the sharpness there (eq. 17), and decides
membership exactly.

The exact constructions below use rational orthogonal matrices (Cayley transforms) and targets
``T = U diag(r_i^m) V^T`` whose singular values have rational ``m``-th roots, so that every check
on them is free of rounding:

- :func:`canonical_minimum`, :func:`target`: eq. (27) and its ``T``;
- :func:`layer_gains_minimum`, :func:`rotate_layers`: points of ``Omega`` with prescribed gains per
  layer and path, moved by orthogonal changes of basis between layers (which keep ``T`` and every
  singular value of every partial product);
- :func:`phi_gram`: ``2 Phi^T Phi`` (eq. 16, 20), the nonzero spectrum of the Hessian at a minimum;
- :func:`balanced_flattest`, :func:`unbalanced_flattest`, :func:`certified_flattest`: flattest
  minima inside and outside Theorem 4's hypothesis, certified exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from symflat.models import DeepLinear, ScalarChain
from symflat.numeric import minimum_set as numeric_omega
from symflat.numeric.objective import layer_product
from symflat.symbolic import spectral
from symflat.symbolic.closed_forms import balanced_minimum, balanced_sharpness, exact_svd
from symflat.symbolic.data import as_moments
from symflat.symbolic.deep_linear import phi_of, random_minimum as _random_exact_minimum
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import rational_orthogonal


# --- exact constructions ---------------------------------------------------------------------------

def diag_rect(rows: int, cols: int, entries) -> sp.Matrix:
    """``rows x cols`` matrix with ``entries`` on its diagonal (the ``S_j^{1/m}`` of eq. 27)."""
    D = sp.zeros(rows, cols)
    for i, e in enumerate(entries):
        if i < min(rows, cols):
            D[i, i] = e
    return D


def canonical_minimum(U: sp.Matrix, roots: list, V: sp.Matrix, dims: list[int]) -> list[sp.Matrix]:
    """Eq. (27): ``W_m = U S_m^{1/m}``, ``W_j = S_j^{1/m}``, ``W_1 = S_1^{1/m} V^T`` for dims
    ``[d_0, ..., d_m]`` (``m >= 2``), where ``roots`` are the ``m``-th roots of the singular values of ``T``."""
    m = len(dims) - 1
    if m < 2:
        raise SymbolicError("eq. (27) needs depth m >= 2")
    Ws = [diag_rect(dims[j], dims[j - 1], roots) for j in range(1, m + 1)]
    Ws[0] = Ws[0] * V.T
    Ws[-1] = U * Ws[-1]
    return Ws


def target(U: sp.Matrix, roots: list, V: sp.Matrix, m: int) -> sp.Matrix:
    """``T = U S V^T`` with singular values ``roots[i]^m``."""
    return U * diag_rect(U.cols, V.cols, [r**m for r in roots]) * V.T


def rotate_layers(Ws: list[sp.Matrix], Qs: list[sp.Matrix]) -> list[sp.Matrix]:
    """``W_k -> Q_k W_k Q_{k-1}^T`` with ``Q_0 = I``, ``Q_m = I`` and ``Qs = [Q_1, ..., Q_{m-1}]``
    orthogonal: ``T``, the Hessian spectrum and all singular values of partial products are unchanged."""
    m = len(Ws)
    full = [sp.eye(Ws[0].cols)] + list(Qs) + [sp.eye(Ws[-1].rows)]
    return [full[k] * Ws[k - 1] * full[k - 1].T for k in range(1, m + 1)]


def layer_gains_minimum(U: sp.Matrix, V: sp.Matrix, gains: list[list]) -> list[sp.Matrix]:
    """``W_1 = D_1 V^T``, ``W_k = D_k``, ``W_m = U D_m`` with ``D_k = diag(gains[k-1])`` (square
    ``d x d``): a point of ``Omega`` for ``T = U diag(prod_k gains[k-1][i]) V^T``; path ``i`` carries
    gain ``gains[k-1][i]`` at layer ``k``."""
    d = U.cols
    if any(len(g) != d for g in gains):
        raise SymbolicError(f"layer_gains_minimum: every layer needs {d} gains")
    Ws = [sp.diag(*g) for g in gains]
    Ws[0] = Ws[0] * V.T
    Ws[-1] = U * Ws[-1]
    return Ws


def phi_gram(Ws: list[sp.Matrix], root: sp.Matrix) -> sp.Matrix:
    """``2 Phi^T Phi = 2 sum_k Phi_k^T Phi_k`` with ``Phi_k = (W_{k-1} ... W_1 R) kron (W_m ... W_{k+1})^T``
    (eq. 16) for a root ``R R^T = Sigma_x``: size ``d_x d_y``, the nonzero spectrum of ``H_w`` at a
    minimum (eq. 20)."""
    Phi = phi_of(Ws, root)
    return 2 * Phi.T * Phi


def _orthogonal(rng, d: int) -> sp.Matrix:
    """Cayley transform ``(I - A)^{-1} (I + A)`` of a random rational skew ``A``."""
    return rational_orthogonal(rng, d).T


def _rat(rng, lo: int, hi: int, den: int = 4):
    return sp.Rational(int(rng.integers(lo, hi + 1)), den)


def balanced_flattest(rng, d: int, m: int):
    """A flattest minimum satisfying Theorem 4's hypothesis: every layer has top singular value
    ``r = sigma_max(T)^{1/m}`` (``r`` in ``5/4 .. 2``); the other gains (``1/4 .. 1``) are spread
    unevenly over the layers, so the point is not of the form (27); random rational rotations act
    between layers. Returns ``(Ws, T, u, v, r)`` with ``(u, v)`` the top singular pair of ``T``."""
    U, V = _orthogonal(rng, d), _orthogonal(rng, d)
    r = _rat(rng, 5, 8)
    gains = [[r] for _ in range(m)]
    for _ in range(1, d):
        g = [_rat(rng, 1, 4) for _ in range(m)]
        for k in range(m):
            gains[k].append(g[k])
    Ws = rotate_layers(layer_gains_minimum(U, V, gains), [_orthogonal(rng, d) for _ in range(m - 1)])
    return Ws, layer_product(Ws, 1, m, d), U[:, 0], V[:, 0], r


def unbalanced_flattest(rng, d: int, m: int, tries: int = 400):
    """A flattest minimum outside Theorem 4's hypothesis: ``T = U diag(1, g, 1/8, ...) V^T`` with the
    second path's layer gains ``g_k`` (``1/4 .. 3/2``) drawn until some ``g_k > 1`` and
    ``lambda_max(2 Phi^T Phi) = 2m`` exactly (white data). Returns ``(Ws, T, u, v, 1)`` or ``None``."""
    U, V = _orthogonal(rng, d), _orthogonal(rng, d)
    for _ in range(tries):
        second = [_rat(rng, 1, 6) for _ in range(m)]
        if max(second) <= 1:
            continue
        gains = [[sp.Integer(1), g] + [sp.Rational(1, 8)] * (d - 2) for g in second]
        Ws = layer_gains_minimum(U, V, gains)
        if spectral.count_eigs_above(phi_gram(Ws, sp.eye(d)), 2 * m) == 0:
            Ws = rotate_layers(Ws, [_orthogonal(rng, d) for _ in range(m - 1)])
            return Ws, layer_product(Ws, 1, m, d), U[:, 0], V[:, 0], sp.Integer(1)
    return None


def certified_flattest(Ws, T, u, v, r, m) -> bool:
    """Exact: ``(u, v)`` is a top singular pair of ``T`` with ``sigma_max(T) = r^m``, and
    ``2 Phi^T Phi`` (white data) has top eigenvalue ``2 m r^{2(m-1)}`` (the minimum over ``Omega``,
    eq. 17/29) with eigenvector ``v kron u`` (Theorem 1)."""
    d, s = T.cols, r**m
    if not (T * v - s * u).is_zero_matrix or not (T.T * u - s * v).is_zero_matrix or not spectral.sigma_max_equals(T, s):
        return False
    return spectral.is_top_eigenpair(phi_gram(Ws, sp.eye(d)), sp.kronecker_product(v, u), 2 * m * r ** (2 * (m - 1)))


# --- the object ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parametrisation:
    """``Omega`` (square ``d x d`` layers) as the image of the free layers ``W_2, ..., W_m``:
    ``W_1 = (W_m ... W_2)^{-1} T``, valid where ``det(W_m ... W_2) != 0``."""

    free: list          # the free matrices W_2..W_m, entries real symbols
    weights: list       # [W_1, W_2, ..., W_m]
    determinant: sp.Expr  # det(W_m ... W_2), nonzero on the chart


class MinimumSet:
    """``Omega = {w : W_m ... W_1 = T}`` of a deep linear network on exact data (Mulayoff & Michaeli eq. 4).

    ``model`` is a ``DeepLinear`` (or ``ScalarChain``) meeting the capacity condition A1
    (``min_j d_j >= min(d_x, d_y)``); ``data`` are exact ``Moments`` or ``Points`` with
    full-rank ``Sigma_x`` (A2), so ``T = Sigma_yx Sigma_x^{-1}``.
    """

    def __init__(self, model, data):
        if isinstance(model, ScalarChain):
            model = model.as_deep_linear()
        if not isinstance(model, DeepLinear):
            raise SymbolicError(f"MinimumSet: model must be a DeepLinear or ScalarChain, got {type(model).__name__}")
        moments = as_moments(data)
        if moments.sigma_x.det() == 0:
            raise SymbolicError("MinimumSet: Sigma_x is singular, so T = Sigma_yx Sigma_x^{-1} is not defined "
                                "(Mulayoff & Michaeli assume full rank)")
        T = moments.sigma_yx * moments.sigma_x.inv()
        if T.shape != (model.d_out, model.d_in):
            raise SymbolicError(f"MinimumSet: data map R^{T.shape[1]} -> R^{T.shape[0]} but the network has dims "
                                f"{list(model.dims)}")
        if not model.has_capacity:
            raise SymbolicError(f"MinimumSet: dims {list(model.dims)} violate the capacity condition "
                                "min d_j >= min(d_x, d_y) (A1)")
        self.model, self.data, self.sigma_x, self.sigma_yx, self.target = model, data, moments.sigma_x, moments.sigma_yx, T

    @property
    def depth(self) -> int:
        return self.model.depth

    @property
    def dims(self) -> tuple[int, ...]:
        return self.model.dims

    def _check_weights(self, Ws) -> list[sp.Matrix]:
        Ws = [sp.Matrix(W) for W in Ws]
        want = [(self.dims[j + 1], self.dims[j]) for j in range(self.depth)]
        if [W.shape for W in Ws] != want:
            raise SymbolicError(f"MinimumSet: weights must have shapes {want}, got {[W.shape for W in Ws]}")
        return Ws

    def contains(self, Ws) -> bool:
        """Exact membership: ``W_m ... W_1 Sigma_x = Sigma_yx`` (eq. 4 without an inverse)."""
        Ws = self._check_weights(Ws)
        gap = layer_product(Ws, 1, self.depth, self.dims[0]) * self.sigma_x - self.sigma_yx
        return gap.applyfunc(sp.cancel).is_zero_matrix

    def exact_point(self, rng: np.random.Generator, **kw) -> list[sp.Matrix]:
        """A random rational point: random layers with one layer solved for ``T``
        (:func:`symflat.symbolic.deep_linear.random_minimum`)."""
        return _random_exact_minimum(self.model, self.data, rng, **kw)

    def _float_target(self) -> np.ndarray:
        try:
            return np.array(self.target.evalf(), dtype=float)
        except TypeError:
            raise SymbolicError("MinimumSet: T has symbolic entries; floating-point points need numeric data") from None

    def sample(self, rng: np.random.Generator, scale: float = 1.0) -> list[np.ndarray]:
        """A random floating-point point (square layers): eq. (27) with random invertible
        ``I + scale G`` between layers (App. IX.1, eq. S104)."""
        if len(set(self.dims)) != 1:
            raise SymbolicError(f"MinimumSet.sample: eq. (S104) needs square layers, got dims {list(self.dims)}")
        return numeric_omega.random_minimum(self._float_target(), self.depth, rng, scale)

    def parametrisation(self, name: str = "a") -> Parametrisation:
        """Symbolic chart of ``Omega`` for square layers: free ``W_2..W_m`` with real symbol entries
        ``{name}{k}_{i}{j}``, and ``W_1 = adj(W_m ... W_2) T / det(W_m ... W_2)``."""
        d, m = self.dims[0], self.depth
        if len(set(self.dims)) != 1:
            raise SymbolicError(f"MinimumSet.parametrisation: needs square layers, got dims {list(self.dims)}")
        free = [sp.Matrix(d, d, lambda i, j, k=k: sp.Symbol(f"{name}{k}_{i + 1}{j + 1}", real=True))
                for k in range(2, m + 1)]
        top = layer_product(free, 1, m - 1, d)
        det = sp.expand(top.det())
        W1 = (top.adjugate() * self.target / det).applyfunc(sp.cancel)
        return Parametrisation(free, [W1] + free, det)

    def flattest_point(self) -> list[sp.Matrix]:
        """The balanced point of eq. (27) (exact SVD of ``T``; radicals where needed)."""
        return balanced_minimum(self.model, self.target)

    def flattest_sharpness(self) -> sp.Expr:
        """Eq. (17): ``min_{w in Omega} lambda_max(H_w) = 2 m sigma_max(T)^{2(1 - 1/m)}``, for white
        data ``Sigma_x = I`` (Theorem 1; for other ``Sigma_x`` the paper only conjectures a value)."""
        if self.sigma_x != sp.eye(self.dims[0]):
            raise SymbolicError("MinimumSet.flattest_sharpness: eq. (17) is proved for Sigma_x = I only "
                                "(the general case is the paper's conjecture, Sec. 5)")
        return balanced_sharpness(self.depth, exact_svd(self.target)[1][0])

    def sharpness(self, Ws) -> float:
        """``lambda_max(H_w)`` at a floating-point point of ``Omega``: ``lambda_max(2 Phi^T Phi)`` (eq. 20)."""
        Ws = [np.asarray(W, dtype=float) for W in Ws]
        return numeric_omega.sharpness_at_minimum(Ws, np.array(self.sigma_x.evalf(), dtype=float))[0]
