"""Errors of the numeric engine: one base, :class:`NumericError`, under :class:`symflat.errors.SymflatError`.

- :class:`NumericError`: input the engine cannot use (bad weights, data, options), or a result it
  could not verify;
- :class:`NotAMinimum`: a returned "minimum" whose gradient is not zero, or data without a minimum;
- ``BackendError`` (backend.py): an array library, device or dtype that cannot be used;
- ``SolverError`` (linalg.py): an eigen-solver given options it cannot honour;
- ``NotApplicable`` (structured.py): the structured method's hypothesis fails at the point;
- ``NotConvergedError`` (sharpness.py): a result that was required to converge did not;
- :class:`DivergenceError`: a trajectory that was required to stay finite did not.
"""

from symflat.errors import SymflatError


class NumericError(SymflatError, ValueError):
    """Input the numeric engine cannot use (wrong weight length, NaN data, unsupported model/data
    pair, bad solver option), or a returned object that failed its own verification."""


class NotAMinimum(NumericError):
    """A function that returns a minimum could not verify the point it built (nonzero gradient),
    or the data admit no minimum at all (a loss unbounded below)."""


class DivergenceError(NumericError):
    """A run whose trajectory had to stay finite and bounded diverged (see
    :meth:`symflat.numeric.dynamics.Trajectory.require_ok`)."""


__all__ = ["DivergenceError", "NotAMinimum", "NumericError"]
