"""Dimension-free matrix calculus: derivatives of losses of deep linear and positively homogeneous
networks whose matrices have symbolic sizes, at symbolic depth, proved for every size.

Objects (SymPy scalars inside, SymPy matrix expressions out through ``to_sympy``):

- :class:`MatPoly` / :class:`TracePoly` / :class:`KronPoly` — sums of words in matrices of
  symbolic shape, of traces of words, of Kronecker products of words (``[K_{p,q}]``); each has
  ``normal(rules)`` and ``is_zero(rules)``. :func:`from_sympy` reads SymPy expressions
  (``MatrixSymbol`` of symbolic shape, ``MatMul``, ``Transpose``, ``Trace``...).
- :class:`LayerChain` — ``W_m ... W_1`` of symbolic depth through segments ``W_{hi:lo}`` with their
  defining relations (the generic factor), generic layer indices with order facts.
- :class:`Relation` / :class:`Rules` — solution-set simplification (``W_{m:1} Sigma_x =
  Sigma_yx`` on Omega, ``X^T X w* = X^T y``), used with its transpose.
- Calculus: :func:`derivative` (directional, product rule, segment rule), :func:`gradient`,
  :func:`substitute`,
  :func:`second_variation` (Hessian as a bilinear form), :func:`vec_operator` and
  :func:`bilinear_block` (vec/Kronecker forms: ``vec(AXB) = (B^T kron A) vec X``).
- Proof records: :class:`Step`, :class:`GeneralProof` (``.proved``, ``.general``,
  ``.evidence()``), :func:`check_equal`; :func:`product_first_variation` and
  :func:`product_second_variation` (induction on the depth, base case and step checked).
- Networks (``networks``): :func:`square_loss`, :func:`loss_linearisation`, :func:`omega`,
  :func:`hessian_block`, :func:`phi_block`, :func:`flow_derivative`; derivations (``derivations``)
  :func:`prove_hessian_factorisation`, :func:`prove_phi_action`, :func:`prove_linear_balancedness`,
  :func:`prove_homogeneous_balancedness`, :func:`prove_second_variation_chain_rule`,
  :func:`prove_pattern_second_variation`, :func:`prove_telescoping_product`.
- :class:`Instance` — explicit values, to cross-check a general result at a few sizes.

A normal form equal to zero proves the identity for every size; the rules are sound but not
complete, so a nonzero normal form means "undecided" (``open``), never "false".

Example (Mulayoff & Michaeli 2020, eq. 19: every Hessian block is ``2 Phi_i Phi_j^T`` on Omega,
for every depth, width and data)::

    >>> from symflat.symbolic.matrix_calculus import prove_hessian_factorisation
    >>> proof = prove_hessian_factorisation()
    >>> proof.proved, proof.general
    (True, True)
    >>> [s.name for s in proof.steps]
    ['block i < j on Omega', 'block i > j on Omega', 'block i = j (everywhere)']

A gradient at symbolic size (Matrix Cookbook eq. 101, ``d tr(AXB)/dX = A^T B^T``)::

    >>> import sympy as sp
    >>> from symflat.symbolic.matrix_calculus import from_sympy, gradient
    >>> n, k, p = sp.symbols("n k p", positive=True, integer=True)
    >>> A, X, B = sp.MatrixSymbol("A", p, n), sp.MatrixSymbol("X", n, k), sp.MatrixSymbol("B", k, p)
    >>> gradient(from_sympy(sp.Trace(A * X * B)), from_sympy(X)).to_sympy()
    A.T*B.T
"""

from symflat.symbolic.matrix_calculus.algebra import (
    Atom,
    MatPoly,
    MatrixCalculusError,
    Relation,
    Rules,
    TracePoly,
)
from symflat.symbolic.matrix_calculus.calculus import (
    derivative,
    equal,
    gradient,
    linear_coefficient,
    second_variation,
    substitute,
)
from symflat.symbolic.matrix_calculus.chain import LayerChain
from symflat.symbolic.matrix_calculus.convert import Instance, commutation_matrix, from_sympy
from symflat.symbolic.matrix_calculus.induction import (
    first_variation_term,
    product_first_variation,
    product_second_variation,
    second_variation_term,
)
from symflat.symbolic.matrix_calculus.kron import KronPoly, bilinear_block, vec_operator
from symflat.symbolic.matrix_calculus.derivations import (
    prove_hessian_factorisation,
    prove_homogeneous_balancedness,
    prove_linear_balancedness,
    prove_pattern_second_variation,
    prove_phi_action,
    prove_second_variation_chain_rule,
    prove_telescoping_product,
)
from symflat.symbolic.matrix_calculus.networks import (
    MomentSymbols,
    flow_derivative,
    hessian_block,
    loss_linearisation,
    matrix,
    omega,
    phi_block,
    square_loss,
)
from symflat.symbolic.matrix_calculus.proof import GeneralProof, Step, check_equal

__all__ = [
    "Atom", "GeneralProof", "Instance", "KronPoly", "LayerChain", "MatPoly", "MatrixCalculusError", "MomentSymbols", "Relation",
    "Rules", "Step", "TracePoly", "bilinear_block", "check_equal", "commutation_matrix", "derivative", "equal",
    "first_variation_term", "flow_derivative", "from_sympy", "gradient", "hessian_block", "linear_coefficient",
    "loss_linearisation", "matrix", "omega", "phi_block", "product_first_variation", "product_second_variation",
    "prove_hessian_factorisation", "prove_homogeneous_balancedness", "prove_linear_balancedness",
    "prove_pattern_second_variation", "prove_phi_action", "prove_second_variation_chain_rule", "prove_telescoping_product", "second_variation",
    "second_variation_term", "square_loss", "substitute", "vec_operator",
]
