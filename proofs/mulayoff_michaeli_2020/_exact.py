"""The paper's names for exact (SymPy, rational) deep-linear constructions, bound to the engines.

Nothing is computed here: the mathematics lives in :mod:`symflat.symbolic.minimum_set` (points of
``Omega``, eq. 27, ``2 Phi^T Phi``), :mod:`symflat.symbolic.spectral` (exact eigenvalue certificates),
:mod:`symflat.symbolic.deep_linear` (``Phi``, eq. 16) and :func:`symflat.numeric.objective.layer_product`
(eq. 14). Claim files written against these short names (``widened.py``) keep working.
"""

from __future__ import annotations

import sympy as sp

from symflat.numeric.objective import layer_product as prod  # noqa: F401  (W_hi ... W_lo, eq. 14)
from symflat.symbolic import exact
from symflat.symbolic.deep_linear import phi_blocks_of as phi_blocks, phi_of as phi  # noqa: F401
from symflat.symbolic.minimum_set import (  # noqa: F401
    canonical_minimum, diag_rect, layer_gains_minimum, phi_gram as hhat, rotate_layers, target,
)
from symflat.symbolic.spectral import (  # noqa: F401
    count_eigs_above, has_singular_pair, is_psd, is_top_eigenpair, parallel_same_direction, sigma_max_equals,
)

kron = sp.kronecker_product


def rational_orthogonal(d: int, rng) -> sp.Matrix:
    """Cayley transform ``(I - A)^{-1} (I + A)`` of a random rational skew ``A`` (the transpose of
    :func:`symflat.symbolic.exact.rational_orthogonal` for the same draws)."""
    return exact.rational_orthogonal(rng, d).T


def partial_products(Ws, k):
    """``(W_k ... W_1, W_m ... W_{k+1})`` (eq. 14 convention)."""
    return prod(Ws, 1, k, Ws[0].cols), prod(Ws, k + 1, len(Ws), Ws[-1].rows)
