"""Exact SymPy objects for the scalar network of Sec. 3 (eqs. 6-13) and App. III.

The loss (eq. S9) is written through the data moments: with ``P = w_1 ... w_m``,
``l(w) = E[y^2] - 2 sigma_xy P + sigma_x^2 P^2`` and ``tau = sigma_xy / sigma_x^2`` (eq. S10).
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp


def weights(m: int) -> list[sp.Symbol]:
    """The real weight symbols ``w_1, ..., w_m``."""
    if not isinstance(m, int) or m < 1:
        raise ValueError(f"depth m must be a positive integer, got {m!r}")
    return list(sp.symbols(f"w1:{m + 1}", real=True))


SX2, TAU, SY2 = sp.symbols("sigma_x2 tau sigma_y2", real=True)


def loss(w: list[sp.Symbol], sx2=SX2, tau=TAU, sy2=SY2) -> sp.Expr:
    """Eq. (S9) in moments: ``E[y^2] - 2 sigma_x^2 tau P + sigma_x^2 P^2``."""
    P = sp.Mul(*w)
    return sy2 - 2 * sx2 * tau * P + sx2 * P**2


def on_minimum_set(w: list[sp.Symbol], tau=TAU) -> dict:
    """Parametrise Omega (eq. 7) by ``w_1..w_{m-1}``: substitute ``w_m = tau / (w_1...w_{m-1})``."""
    return {w[-1]: tau / sp.Mul(*w[:-1])}


def hessian(w: list[sp.Symbol], expr: sp.Expr) -> sp.Matrix:
    return sp.hessian(expr, w)


def line_curvature(f, a: list, b: list, at: int) -> sp.Expr:
    """Second derivative of ``t -> f(a + t (b - a))`` at ``t = at`` (0 or 1): the curvature the
    interpolation plot (Sec. 3, Fig. 2) shows at ``a`` or ``b``, up to the factor ``||b - a||^2``."""
    t = sp.Symbol("t", real=True)
    point = [ai + t * (bi - ai) for ai, bi in zip(a, b)]
    return sp.diff(f(point), t, 2).subs(t, at)


def random_positive_rationals(rng, m: int, lo: int = 1, hi: int = 9) -> list[Fraction]:
    """``m`` random positive rationals p/q with p, q in [lo, hi]."""
    return [Fraction(int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))) for _ in range(m)]
