"""Errors of the symbolic engine; all are ``ValueError`` subclasses with a message naming the problem."""

from symflat.models import ModelError


class SymbolicError(ModelError):
    """Input the symbolic engine cannot work with (wrong shape, unsupported data, bad pattern)."""


class NotAMinimumError(SymbolicError):
    """A minimum-only formula was asked for at a point that is not on the minimum set."""
