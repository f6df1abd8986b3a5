"""Exact spectra of small rational symmetric matrices.

At a minimum the Hessian has repeated and zero eigenvalues (Mulayoff & Michaeli 2020, Sec. 4:
rank at most ``d_x d_y``), where ball eigenvalue routines cannot separate roots. Here the exact
characteristic polynomial (python-flint ``fmpq_mat.charpoly``) is factored over the integers;
each irreducible factor's real roots are isolated (``fmpz_poly.complex_roots``, rigorous), and each
root inherits its factor's multiplicity. Every eigenvalue is thus an exact algebraic number: an
irreducible polynomial, the index of the root, and an isolating ball that can be refined.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from symflat.precision.errors import PrecisionError


@dataclass(frozen=True)
class ExactEigenvalue:
    """The ``index``-th smallest real root of the irreducible integer polynomial ``factor``,
    an eigenvalue of multiplicity ``multiplicity``; ``enclosure`` is an isolating ``arb`` ball."""

    factor: flint.fmpz_poly
    index: int
    multiplicity: int
    enclosure: flint.arb

    @property
    def rational(self) -> Fraction | None:
        """The eigenvalue as a Fraction when it is rational (linear factor), else ``None``."""
        if self.factor.degree() != 1:
            return None
        b, a = (int(c) for c in self.factor.coeffs())
        return Fraction(-b, a)

    @property
    def is_zero(self) -> bool:
        return self.rational == 0

    def refine(self, dps: int) -> flint.arb:
        """An enclosure of width below ``10^-dps`` (relative to max(1, |value|)), by exact bisection
        of the isolating interval (the root is simple in its irreducible factor)."""
        if self.rational is not None:
            r = self.rational
            with flint.ctx.workdps(dps + 10):
                return flint.arb(flint.fmpq(r.numerator, r.denominator))
        f = flint.fmpq_poly(self.factor.coeffs())
        lo, hi = (Fraction(str(b.mid().man_exp()[0])) * Fraction(2) ** int(b.mid().man_exp()[1])
                  for b in (flint.arb(self.enclosure.lower()), flint.arb(self.enclosure.upper())))
        sign_lo = _sign(f, lo)
        width = Fraction(1, 10**dps) * max(1, abs(lo))
        while hi - lo > width:
            mid = (lo + hi) / 2
            s = _sign(f, mid)
            if s == 0:
                lo = hi = mid
                break
            if s == sign_lo:
                lo = mid
            else:
                hi = mid
        with flint.ctx.workdps(dps + 10):
            return flint.arb(flint.fmpq(lo.numerator, lo.denominator)).union(flint.arb(flint.fmpq(hi.numerator, hi.denominator)))

    def sympy(self):
        """The eigenvalue as a SymPy exact number (``Rational`` or ``CRootOf``)."""
        import sympy

        x = sympy.Symbol("x")
        poly = sympy.Poly([int(c) for c in reversed(self.factor.coeffs())], x)
        return sympy.CRootOf(poly, self.index) if self.factor.degree() > 1 else sympy.Rational(self.rational)

    def __float__(self) -> float:
        return float(self.enclosure.mid())

    def __str__(self) -> str:
        val = str(self.rational) if self.rational is not None else f"root {self.index} of {self.factor}"
        return f"{val} (x{self.multiplicity})"


def _sign(f: flint.fmpq_poly, x: Fraction) -> int:
    v = f(flint.fmpq(x.numerator, x.denominator))
    return (v > 0) - (v < 0)


def _fmpq(x) -> flint.fmpq:
    if isinstance(x, flint.fmpq):
        return x
    if isinstance(x, float):
        raise PrecisionError(f"exact spectra need rational entries, got the float {x!r}; pass Fraction or str")
    try:
        f = Fraction(str(x)) if not isinstance(x, (int, Fraction)) else Fraction(x)
    except (ValueError, ZeroDivisionError):
        raise PrecisionError(f"cannot read matrix entry {x!r} as a rational number") from None
    return flint.fmpq(f.numerator, f.denominator)


def charpoly(matrix) -> flint.fmpz_poly:
    """The characteristic polynomial ``det(x I - M)`` scaled to a primitive integer polynomial."""
    a = np.asarray(matrix, dtype=object)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise PrecisionError(f"exact spectra need a non-empty square matrix, got shape {a.shape}")
    n = a.shape[0]
    m = flint.fmpq_mat(n, n, [_fmpq(x) for x in a.ravel()])
    return m.charpoly().numer()


def exact_eigenvalues(matrix, symmetric: bool = True) -> list[ExactEigenvalue]:
    """All eigenvalues of a rational symmetric matrix, ascending, with multiplicities.

    Multiplicities add up to the dimension. With ``symmetric=False`` only the real eigenvalues of a
    general rational matrix are returned.
    """
    a = np.asarray(matrix, dtype=object)
    if symmetric and a.ndim == 2 and a.shape[0] == a.shape[1]:
        for i in range(a.shape[0]):
            for j in range(i):
                if _fmpq(a[i, j]) != _fmpq(a[j, i]):
                    raise PrecisionError(f"matrix is not symmetric: entry ({i},{j}) = {a[i, j]} but ({j},{i}) = {a[j, i]}")
    _, factors = charpoly(a).factor()
    out = []
    for f, mult in factors:
        real = sorted((r.real for r, _ in f.complex_roots() if r.imag.is_zero()), key=lambda r: r.mid())
        out.extend(ExactEigenvalue(f, i, int(mult), r) for i, r in enumerate(real))
    out.sort(key=lambda e: e.enclosure.mid())
    return out


def spectrum_summary(eigs: list[ExactEigenvalue]) -> dict:
    """JSON-friendly summary: rank, nullity, largest eigenvalue (exact text and 30 digits)."""
    nullity = sum(e.multiplicity for e in eigs if e.is_zero)
    dim = sum(e.multiplicity for e in eigs)
    top = eigs[-1] if eigs else None
    return {"dimension": dim, "rank": dim - nullity, "nullity": nullity,
            "lambda_max": str(top.sympy()) if top else None,
            "lambda_max_digits": top.refine(30).str(30, radius=False) if top else None,
            "eigenvalues": [str(e) for e in eigs]}
