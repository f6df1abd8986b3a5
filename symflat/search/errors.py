"""Errors of the search engine, one tree under :class:`SearchError`.

``SearchError`` is an :class:`~symflat.precision.errors.InequalityError`, so a
:class:`symflat.errors.SymflatError` and a ``ValueError``. Each message names the argument and what
is wrong with it.
"""

from __future__ import annotations

from symflat.precision.errors import InequalityError

__all__ = ["SearchError", "SearchSetupError", "as_inequality"]


class SearchError(InequalityError):
    """A request the search engine cannot carry out (bad argument, nothing to search)."""


class SearchSetupError(SearchError):
    """A claim that cannot be searched: no inequality attached, an unknown claim id, a hypothesis to
    drop that the claim does not have, or an argument of the wrong type."""


def as_inequality(obj, argument: str = "ineq"):
    """The :class:`~symflat.precision.Inequality` that ``obj`` is or carries.

    ``obj`` is an ``Inequality`` or a claim with ``inequality=...`` declared (``claim.extras``).
    Anything else raises :class:`SearchSetupError` naming ``argument`` (the message about a claim
    without an inequality names the claim, prefixed by ``argument`` unless it is empty).
    """
    from symflat.precision.inequality import Inequality

    if isinstance(obj, Inequality):
        return obj
    extras = getattr(obj, "extras", None)
    if isinstance(extras, dict) and hasattr(obj, "id"):
        ineq = extras.get("inequality")
        where = f"{argument}: " if argument else ""
        if ineq is None:
            raise SearchSetupError(f"{where}claim {obj.id} has no inequality attached; declare it with "
                                   f"inequality=Inequality(...) (see docs/search.md)")
        if not isinstance(ineq, Inequality):
            raise SearchSetupError(f"{where}claim {obj.id} carries a {type(ineq).__name__} as its inequality, "
                                   f"not an Inequality")
        return ineq
    raise SearchSetupError(f"{argument or 'the argument'} must be an Inequality or a claim carrying one, got "
                           f"{'None' if obj is None else type(obj).__name__ + ' ' + repr(obj)[:80]}")
