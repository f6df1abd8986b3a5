"""Checks of the numeric engine's options: tolerances, iteration counts, seeds, step sizes, times.

Each public function of :mod:`symflat.numeric` checks its options here before any work, so a bad
one ends in a :class:`~symflat.numeric.errors.NumericError` that names the option and its value
(never a numpy or scipy message from deep inside a solver, never a silently truncated value).
"""

from __future__ import annotations

from symflat.errors import check_bool, check_choice, check_int, check_real
from symflat.numeric.errors import NumericError


def tolerance(value, name: str, *, positive: bool = False, allow_none: bool = False):
    """A finite tolerance ``>= 0`` (``> 0`` with ``positive``); ``None`` passes with ``allow_none``."""
    if value is None and allow_none:
        return None
    return check_real(value, name, minimum=0, strict_min=positive, error=NumericError)


def count(value, name: str, *, minimum: int = 0):
    """An integer ``>= minimum`` (iterations, steps, samples)."""
    return check_int(value, name, minimum=minimum, error=NumericError)


def seed(value, name: str = "seed") -> int:
    """A random seed: an integer ``>= 0`` (numpy's generators refuse negative seeds)."""
    return check_int(value, name, minimum=0, error=NumericError)


def positive(value, name: str) -> float:
    """A finite number ``> 0`` (a step size, a time, a scale)."""
    return check_real(value, name, minimum=0, strict_min=True, error=NumericError)


def flag(value, name: str) -> bool:
    return check_bool(value, name, error=NumericError)


def choice(value, name: str, choices):
    return check_choice(value, name, choices, error=NumericError)


def solver(*, tol, maxiter, seed_value, minimum_tol, autodiff) -> None:
    """The options every eigen-solver entry point shares (``tol=None``: the dtype's default)."""
    tolerance(tol, "tol", allow_none=True)
    count(maxiter, "maxiter", minimum=1)
    seed(seed_value)
    tolerance(minimum_tol, "minimum_tol")
    flag(autodiff, "autodiff")


__all__ = ["choice", "count", "flag", "positive", "seed", "solver", "tolerance"]
