"""The precision engine: inequalities evaluated at chosen precision, certified with balls, decided
exactly where small enough.

- :class:`Inequality` with :class:`Scalar`, :class:`Vector`, :class:`Matrix`, :class:`Matrices`
  variables and named :class:`Hypothesis` constraints; ``evaluate`` (mpmath), ``confirm`` (rising
  precision ladder), ``certify`` (arb balls).
- Arithmetics in :mod:`~symflat.precision.backends`; high-precision matrix functions in
  :mod:`~symflat.precision.linalg`; rigorous spectra in :mod:`~symflat.precision.balls`; exact
  spectra of rational matrices in :mod:`~symflat.precision.exact`; decisions of polynomial,
  rational and radical inequalities by z3 or cvc5 in :mod:`~symflat.precision.decide` (solvers in
  :mod:`~symflat.precision.solvers`); exact sum-of-squares certificates in :mod:`~symflat.precision.sos`.
"""

from symflat.precision.backends import ArbOps, FloatOps, MpOps, SympyOps
from symflat.precision.certify import Certificate, certify
from symflat.precision.domains import Matrices, Matrix, Scalar, Var, Vector
from symflat.precision.errors import InequalityError, NotSupported, PrecisionError
from symflat.precision.inequality import DEFAULT_LADDER, Confirmation, Evaluation, Hypothesis, Inequality, Point

__all__ = [
    "ArbOps", "Certificate", "Confirmation", "DEFAULT_LADDER", "Evaluation", "FloatOps", "Hypothesis", "Inequality",
    "InequalityError", "Matrices", "Matrix", "MpOps", "NotSupported", "Point", "PrecisionError", "Scalar", "Var",
    "SympyOps", "Vector", "certify",
]
