"""High-precision matrix quantities with mpmath, on numpy object arrays of ``mpf`` (or anything
``mpmath.mpf`` accepts).

All functions work at the *current* ``mpmath.mp`` precision; wrap calls in ``mpmath.workdps(n)``.
What the papers need: singular values/vectors (Mulayoff & Michaeli 2020, eq. 17 uses
``sigma_max(T)`` and its vectors ``u, v``), symmetric eigenpairs (``lambda_max`` of a Hessian, eq. 20),
operator and Frobenius norms (Lemma 4, eq. 22), integer and fractional powers of PSD matrices
(``Sigma_x^{1/2}``, eq. 16), and products of chains of matrices (``W_m ... W_1``).
"""

from __future__ import annotations

from functools import reduce

import mpmath
import numpy as np

from symflat.precision.errors import PrecisionError


def to_mp(a) -> np.ndarray:
    """An object array of ``mpf`` at the current precision (exact for floats, ints, Fractions up to rounding)."""
    arr = np.asarray(a, dtype=object)
    return np.vectorize(_mpf, otypes=[object])(arr) if arr.size else arr


def _mpf(x):
    if hasattr(x, "numerator") and hasattr(x, "denominator") and not isinstance(x, (int, float)):
        return mpmath.mpf(int(x.numerator)) / int(x.denominator)
    return mpmath.mpf(x)


def _matrix(a) -> mpmath.matrix:
    a = np.asarray(a, dtype=object)
    if a.ndim != 2:
        raise PrecisionError(f"expected a matrix (2-D array), got an array of shape {a.shape}")
    return mpmath.matrix([[_mpf(x) for x in row] for row in a])


def _array(m: mpmath.matrix) -> np.ndarray:
    out = np.empty((m.rows, m.cols), dtype=object)
    for i in range(m.rows):
        for j in range(m.cols):
            out[i, j] = m[i, j]
    return out


def fro2(a):
    """Squared Frobenius norm ``||A||_F^2 = sum_ij A_ij^2``."""
    return mpmath.fsum(_mpf(x) ** 2 for x in np.asarray(a, dtype=object).ravel())


def fro(a):
    """Frobenius norm ``||A||_F``."""
    return mpmath.sqrt(fro2(a))


def svd(a):
    """Thin SVD ``A = U diag(s) V^T`` with ``s`` descending: returns ``(U, s, V)`` as object arrays."""
    m = _matrix(a)
    if min(m.rows, m.cols) == 0:
        raise PrecisionError("svd of an empty matrix")
    u, s, v = mpmath.svd_r(m, full_matrices=False, compute_uv=True)
    svals = [s[i] for i in range(len(s))]
    order = sorted(range(len(svals)), key=lambda i: -svals[i])
    U, V = _array(u), _array(v.T)
    return U[:, order], np.array([svals[i] for i in order], dtype=object), V[:, order]


def svdvals(a) -> np.ndarray:
    """Singular values, descending."""
    m = _matrix(a)
    s = mpmath.svd_r(m, compute_uv=False)
    return np.array(sorted((s[i] for i in range(len(s))), reverse=True), dtype=object)


def opnorm(a):
    """Operator (spectral) norm ``||A||_2 = sigma_max(A)``; the Euclidean norm for a vector."""
    arr = np.asarray(a, dtype=object)
    if arr.ndim == 1:
        return fro(arr)
    if 0 in arr.shape:
        return mpmath.mpf(0)
    return svdvals(arr)[0]


def eigh(a):
    """Symmetric eigendecomposition ``S = Q diag(w) Q^T`` with ``w`` ascending: returns ``(w, Q)``."""
    m = _matrix(a)
    if m.rows != m.cols:
        raise PrecisionError(f"eigh needs a square matrix, got {m.rows}x{m.cols}")
    sym = (m + m.T) / 2
    w, q = mpmath.eigsy(sym)
    vals = [w[i] for i in range(len(w))]
    order = sorted(range(len(vals)), key=lambda i: vals[i])
    return np.array([vals[i] for i in order], dtype=object), _array(q)[:, order]


def eigvalsh(a) -> np.ndarray:
    """Eigenvalues of a symmetric matrix, ascending."""
    return eigh(a)[0]


def matprod(mats):
    """``M_1 @ M_2 @ ... @ M_k`` (left to right, as listed). For ``W_m ... W_1`` pass the list reversed."""
    mats = list(mats)
    if not mats:
        raise PrecisionError("matprod of an empty list of matrices")
    return reduce(lambda x, y: x @ y, mats)


def matpow(a, p):
    """``A^p``: any square ``A`` for a non-negative integer ``p``; a symmetric PSD ``A`` for real ``p``
    (through its eigendecomposition, ``Q diag(w^p) Q^T``)."""
    arr = np.asarray(a, dtype=object)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise PrecisionError(f"matrix power needs a square matrix, got shape {arr.shape}")
    if isinstance(p, (int, np.integer)) and p >= 0:
        result = np.eye(arr.shape[0], dtype=object) * mpmath.mpf(1)
        base, k = arr, int(p)
        while k:
            if k & 1:
                result = result @ base
            base, k = base @ base, k >> 1
        return result
    w, q = eigh(arr)
    tol = mpmath.mpf(10) ** (-mpmath.mp.dps // 2) * max((abs(x) for x in w), default=1)
    if any(x < -tol for x in w):
        raise PrecisionError(f"fractional power {p} of a matrix that is not positive semidefinite (eigenvalue {mpmath.nstr(min(w), 5)})")
    p = _mpf(p)
    d = [mpmath.mpf(0) if x <= 0 else x ** p for x in w]
    return (q * np.array(d, dtype=object)) @ q.T


def sqrtm_psd(a):
    """Principal square root of a symmetric PSD matrix (e.g. ``Sigma_x^{1/2}`` in eq. 16)."""
    return matpow(a, mpmath.mpf(1) / 2)
