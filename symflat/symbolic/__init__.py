"""The symbolic engine: exact SymPy losses, gradients, Hessians and closed forms of the model families.

Public API (``from symflat.symbolic import ...``):

- ``derive(model, data, ...) -> Derivation`` — loss, ``gradient()``, ``hessian()`` in the shared vec
  layout, ``at(point)``, ``lambdify(what, backend)``, ``latex(what)``; ``activation_pattern``.
- ``Parameters`` (weight symbols, ``to_vec``/``substitution``), ``vec``/``unvec``;
  ``symbolic_moments``; ``to_exact``/``as_matrix``; ``random_rational``/``random_matrix``/
  ``rational_orthogonal``.
- Deep linear (Mulayoff & Michaeli 2020, Lemma 3): ``structured_hessian``, ``phi_blocks``,
  ``phi_matrix``, ``hessian_at_minimum`` (``2 Phi Phi^T``), ``factorisation_identity``,
  ``check_minimum``, ``random_minimum``, ``sqrt_psd``.
- Conversion: ``to_latex``, ``to_callable`` (numpy/mpmath), ``to_numpy``, ``to_mpmath``.
- Scalar chain fast path (eq. 6-10): ``chain_hessian``, ``chain_at_minimum``/``chain_minimum`` -> ``ChainMinimum``,
  ``generic_minimum``, ``leave_one_out``.
- Closed forms: ``scalar_widest_minima`` (eq. 12), ``scalar_widest_sharpness`` (eq. 13),
  ``balanced_minimum`` (eq. 27), ``balanced_sharpness`` (eq. 28), ``top_eigenvector`` (Thm. 1),
  ``minimum_spectrum``, ``minimum_eigenpairs``, ``exact_svd``.
- ``kkt_points``/``minimisers`` (Lagrange/KKT, all stationary points; eq. 11).
- ``prove_zero``/``prove_equal`` -> ``IdentityResult`` (``.evidence()``: proved/checked/refuted).
- Elkabetz & Cohen Lemma 5: ``lemma5_form``, ``direct_form``.
- ReLU (Mulayoff, Michaeli & Soudry): ``gradient_in_pattern`` (S32), ``tangent_features``,
  ``hessian_at_interpolation`` (eq. 26), ``gram_matrix`` (eq. 27), ``pattern_at``.
- Errors: ``SymbolicError``, ``NotAMinimumError`` (both ``ValueError``).
- Subpackage ``symflat.symbolic.matrix_calculus``: derivatives at symbolic sizes and depth, proved for
  every size (docs/symbolic.md).

Example (Lemma 3 of Mulayoff & Michaeli at a random exact minimum)::

    import numpy as np, sympy as sp
    from symflat.models import DeepLinear, Moments
    from symflat.symbolic import derive, factorisation_identity, random_minimum

    model, data = DeepLinear([2, 3, 2]), Moments(sp.eye(2), [[1, 2], [3, 4]])
    H = derive(model, data).hessian()                      # 12 x 12, exact, vec layout
    W = random_minimum(model, data, np.random.default_rng(0))
    factorisation_identity(model, data, W).evidence()      # proved: H = 2 Phi Phi^T there
"""

from symflat.symbolic.closed_forms import (
    balanced_minimum,
    balanced_sharpness,
    exact_svd,
    minimum_eigenpairs,
    minimum_spectrum,
    scalar_widest_minima,
    scalar_widest_sharpness,
    top_eigenvector,
)
from symflat.symbolic.convert import to_callable, to_latex, to_mpmath, to_numpy
from symflat.symbolic.data import ExactMoments, ExactPoints, symbolic_moments
from symflat.symbolic.deep_linear import (
    check_minimum,
    factorisation_identity,
    hessian_at_minimum,
    phi_blocks,
    phi_matrix,
    random_minimum,
    sqrt_psd,
    structured_hessian,
)
from symflat.symbolic.derive import Derivation, activation_pattern, derive
from symflat.symbolic.errors import NotAMinimumError, SymbolicError
from symflat.symbolic.exact import as_matrix, random_matrix, random_rational, rational_orthogonal, to_exact
from symflat.symbolic.identity import IdentityResult, prove_equal, prove_zero
from symflat.symbolic.kkt import StationaryPoint, kkt_points, minimisers
from symflat.symbolic.minimum_set import MinimumSet
from symflat.symbolic.params import Parameters, unvec, vec
from symflat.symbolic.quadratic_form import direct_form, lemma5_form
from symflat.symbolic.relu import (
    gradient_in_pattern,
    gram_matrix,
    hessian_at_interpolation,
    pattern_at,
    tangent_features,
)
from symflat.symbolic.scalar_chain import (
    ChainMinimum,
    chain_at_minimum,
    chain_hessian,
    chain_minimum,
    generic_minimum,
    leave_one_out,
)

__all__ = [
    "ChainMinimum", "Derivation", "ExactMoments", "ExactPoints", "IdentityResult", "MinimumSet", "NotAMinimumError",
    "Parameters", "StationaryPoint", "SymbolicError", "activation_pattern", "as_matrix", "balanced_minimum",
    "balanced_sharpness", "chain_at_minimum", "chain_hessian", "chain_minimum", "check_minimum", "derive", "direct_form",
    "exact_svd", "factorisation_identity", "generic_minimum", "gradient_in_pattern", "gram_matrix", "hessian_at_interpolation",
    "hessian_at_minimum", "kkt_points", "leave_one_out", "lemma5_form", "minimisers", "minimum_eigenpairs", "minimum_spectrum",
    "pattern_at", "phi_blocks", "phi_matrix", "prove_equal", "prove_zero", "random_matrix", "random_minimum",
    "random_rational", "rational_orthogonal", "scalar_widest_minima", "scalar_widest_sharpness", "sqrt_psd",
    "structured_hessian", "symbolic_moments", "tangent_features", "to_callable", "to_exact", "to_latex", "to_mpmath",
    "to_numpy", "top_eigenvector", "unvec", "vec",
]
