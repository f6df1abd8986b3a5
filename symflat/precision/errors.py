"""Errors of the precision engine; all are ``ValueError`` subclasses (and :class:`symflat.errors.SymflatError`)
with a message saying what is wrong."""

from symflat.errors import SymflatError


class PrecisionError(SymflatError, ValueError):
    """Base class: an inequality, a point or a request the precision engine cannot work with."""


class InequalityError(PrecisionError):
    """A malformed inequality (bad relation, unknown variable or hypothesis, point of the wrong shape)."""


class DomainError(InequalityError):
    """A point outside an inequality's declared domain (a variable's value, or a dimension that is
    not a non-negative integer): the inequality says nothing there, so it is not a violation."""


class NotSupported(PrecisionError):
    """An operation an arithmetic cannot perform faithfully (e.g. an operator norm in z3's polynomial
    arithmetic, or a matrix square root with rigorous ball bounds)."""
