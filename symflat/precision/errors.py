"""Errors of the precision engine; all are ``ValueError`` subclasses (and :class:`symflat.errors.SymflatError`)
with a message saying what is wrong."""

from symflat.errors import SymflatError


class PrecisionError(SymflatError, ValueError):
    """Base class: an inequality, a point or a request the precision engine cannot work with."""


class InequalityError(PrecisionError):
    """A malformed inequality (bad relation, unknown variable or hypothesis, point of the wrong shape)."""


class NotSupported(PrecisionError):
    """An operation an arithmetic cannot perform faithfully (e.g. an operator norm in z3's polynomial
    arithmetic, or a matrix square root with rigorous ball bounds)."""
