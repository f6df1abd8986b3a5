"""Rigorous ball enclosures (python-flint ``arb``) of symmetric spectra and singular values.

Ball eigenvalue routines fail on repeated eigenvalues, which Hessians at minima always have. The
enclosure used here does not: take approximate eigenvectors ``Q`` (any invertible matrix, exactly
representable), form ``R = Q^T S Q`` and ``G = Q^T Q`` in ball arithmetic. The pencil ``(R, G)`` has
the eigenvalues of ``S``, and ``G^{-1/2} R G^{-1/2}`` is congruent to ``R``, so by Ostrowski's theorem
``lambda_i(S) = theta_i lambda_i(R)`` with ``theta_i in [1/(1+delta), 1/(1-delta)]``,
``delta = ||G - I||_F < 1``; by Weyl's theorem ``|lambda_i(R) - d_i| <= ||R - D||_F`` for any
diagonal ``D`` with sorted entries ``d_i``. Both bounds hold whatever the multiplicities.
Approximate eigenvectors come from float64 (cheap, enclosures ~1e-16 wide) or from mpmath at a
chosen precision (tight enclosures); the caller escalates when an answer is undecided.
"""

from __future__ import annotations

import flint
import mpmath
import numpy as np

from symflat.precision.errors import NotSupported


def arb_interval(lo: flint.arb, hi: flint.arb) -> flint.arb:
    """The smallest ball containing ``[lower(lo), upper(hi)]``."""
    return flint.arb(lo.lower()).union(flint.arb(hi.upper()))


def _approx_eigh(mid: np.ndarray, eig_dps: int | None):
    """Approximate eigenvalues and eigenvectors (columns) of a symmetric midpoint matrix, as
    exactly representable numbers (floats, or mpmath numbers at ``eig_dps`` digits)."""
    n = mid.shape[0]
    if eig_dps is None:
        a = np.array([[float(x) for x in row] for row in mid], dtype=float)
        if not np.all(np.isfinite(a)):
            raise NotSupported("matrix entries overflow float64; cannot seed the eigenvalue enclosure")
        w, q = np.linalg.eigh((a + a.T) / 2)
        return list(w), q.astype(object)
    with mpmath.workdps(eig_dps):
        m = mpmath.matrix([[_arb_mid_to_mpf(x) for x in row] for row in mid])
        w, q = mpmath.eigsy((m + m.T) / 2)
        return [w[i] for i in range(n)], np.array([[q[i, j] for j in range(n)] for i in range(n)], dtype=object)


def _approx_eigvecs(mid: np.ndarray, eig_dps: int | None):
    return _approx_eigh(mid, eig_dps)[1]


def _arb_mid_to_mpf(x: flint.arb) -> mpmath.mpf:
    man, exp = x.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def _to_arb(x) -> flint.arb:
    if isinstance(x, flint.arb):
        return x
    if isinstance(x, mpmath.mpf):
        sign, man, exp, _ = x._mpf_
        if not man:
            return flint.arb(0)
        # exact: an arb midpoint holds the full mantissa whatever the working precision
        return flint.arb(mid=(flint.fmpz(-int(man) if sign else int(man)), int(exp)))
    return flint.arb(float(x)) if isinstance(x, (float, np.floating)) else flint.arb(x)


def eigvalsh_enclosure(s: np.ndarray, eig_dps: int | None = None) -> list[flint.arb]:
    """Balls enclosing the eigenvalues of the symmetric ball matrix ``s``, ascending (index-wise).
    The exact matrix must be symmetric; visibly non-symmetric input raises :class:`NotSupported`.

    ``eig_dps=None`` seeds the enclosure with float64 eigenvectors, otherwise with mpmath ones at
    that many digits. Raises :class:`NotSupported` if the seed is too poor (``delta >= 1``).
    """
    s = np.asarray(s, dtype=object)
    n = s.shape[0]
    if s.ndim != 2 or s.shape[1] != n:
        raise NotSupported(f"eigenvalue enclosure needs a square matrix, got shape {s.shape}")
    if n == 0:
        return []
    s = np.vectorize(_to_arb, otypes=[object])(s)
    for i in range(n):
        for j in range(i):
            if not s[i, j].overlaps(s[j, i]):
                raise NotSupported(f"eigenvalue enclosure of a non-symmetric matrix (entries ({i},{j}) and ({j},{i}) differ)")
    mid = np.vectorize(lambda x: x.mid(), otypes=[object])(s)
    q = np.vectorize(_to_arb, otypes=[object])(_approx_eigvecs(mid, eig_dps))
    r = q.T @ s @ q
    g = q.T @ q
    # (x * x, not x ** 2: arb's power of a ball around zero is nan.)
    # Weyl with D = diag(mid r_11, ..., mid r_nn): ||R - D||_F^2 = off-diagonal + diagonal radii.
    mids = [r[i, i].mid() for i in range(n)]
    e2 = sum((r[i, j] * r[i, j] for i in range(n) for j in range(n) if i != j), flint.arb(0))
    e2 = e2 + sum(((r[i, i] - mids[i]) * (r[i, i] - mids[i]) for i in range(n)), flint.arb(0))
    d = sorted(mids)
    eye = np.eye(n, dtype=object)
    delta2 = sum(((g[i, j] - int(eye[i, j])) * (g[i, j] - int(eye[i, j])) for i in range(n) for j in range(n)),
                 flint.arb(0))
    e = flint.arb(e2.upper()).sqrt()
    delta = flint.arb(delta2.upper()).sqrt()
    if not delta < 1:
        raise NotSupported("approximate eigenvectors too far from orthonormal to enclose the spectrum")
    dhi = flint.arb(delta.upper())
    theta = arb_interval(1 / (1 + dhi), 1 / (1 - dhi))
    out = []
    for dm in d:
        mu = flint.arb(dm, e.upper())
        out.append(theta * mu)
    return out


def svdvals_enclosure(a: np.ndarray, eig_dps: int | None = None) -> list[flint.arb]:
    """Balls enclosing the singular values of ``a`` (descending): square roots of the eigenvalues of
    the smaller Gram matrix, clamped at zero where an enclosure reaches below it."""
    a = np.asarray(a, dtype=object)
    if a.ndim != 2:
        raise NotSupported(f"singular values need a matrix, got shape {a.shape}")
    a = np.vectorize(_to_arb, otypes=[object])(a)
    gram = a.T @ a if a.shape[1] <= a.shape[0] else a @ a.T
    out = []
    for lam in reversed(eigvalsh_enclosure(gram, eig_dps)):
        if lam > 0:
            out.append(lam.sqrt())
        else:
            out.append(arb_interval(flint.arb(0), flint.arb(max(lam.upper(), flint.arb(0))).sqrt()))
    return out


def psd_power_enclosure(s: np.ndarray, p, eig_dps: int | None = None) -> np.ndarray:
    """Ball matrix enclosing ``S^p`` for a symmetric positive semidefinite ``S`` and ``0 < p <= 1``.

    ``X = Q diag(max(w, 0)^p) Q^T`` with exactly representable ``Q`` and ``w^p`` is exactly PSD for
    any ``Q``; ``t -> t^p`` is operator monotone, so ``||S^p - X||_2 <= ||S - X^(1/p)||_2^p``
    (Bhatia, Matrix Analysis, Thm. X.1.1) and every entry of ``S^p`` lies within ``||S - X^(1/p)||_F^p``
    of ``X``'s. Needs ``1/p`` to be an integer (``X^(1/p)`` is then a product of matrices).
    The caller guarantees that the exact ``S`` is PSD (e.g. a ``psd`` variable ``B B^T``).
    """
    s = np.asarray(s, dtype=object)
    n = s.shape[0]
    if s.ndim != 2 or s.shape[1] != n:
        raise NotSupported(f"matrix power needs a square matrix, got shape {s.shape}")
    inv = 1 / float(p)
    k = int(round(inv))
    if not 0 < float(p) <= 1 or abs(inv - k) > 1e-12:
        raise NotSupported(f"rigorous PSD power {p} needs p = 1/k for a positive integer k")
    s = np.vectorize(_to_arb, otypes=[object])(s)
    if k == 1:
        return s
    mid = np.vectorize(lambda x: x.mid(), otypes=[object])(s)
    w, q = _approx_eigh(mid, eig_dps)
    q = np.vectorize(_to_arb, otypes=[object])(q)
    roots = [flint.arb(0) if not _to_arb(v) > 0 else _exact_mid(_to_arb(v).root(k)) for v in w]
    x = (q * np.array(roots, dtype=object)) @ q.T
    xk = x
    for _ in range(k - 1):
        xk = xk @ x
    err = s - xk
    e2 = sum((abs(v) * abs(v) for v in err.ravel()), flint.arb(0))
    rad = flint.arb(e2.upper()).root(2 * k)  # (||E||_F)^(1/k)
    rad = flint.arb(rad.upper())
    return np.vectorize(lambda v: v + flint.arb(0, rad.upper()), otypes=[object])(x)


def _exact_mid(x: flint.arb) -> flint.arb:
    """The midpoint of a ball as an exact point (any exact number is a valid approximation)."""
    return flint.arb(x.mid())
