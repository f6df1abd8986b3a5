"""Counterexample search: samplers, adversarial slack optimisation, confirmation at rising
precision, shrinking, exact replay, and ready-made checks for claim files.

- :func:`search` (in :mod:`~symflat.search.optimize`) -> :class:`SearchResult`;
- :class:`Counterexample` and :func:`replay`;
- :func:`search_check`, :func:`precision_check` - checks to attach to a claim;
- samplers in :mod:`~symflat.search.samplers`, hypothesis strategies in
  :mod:`~symflat.search.strategies`.
"""

from symflat.search.checks import decide_check, drop_evidence, precision_check, search_check, search_evidence
from symflat.search.counterexample import Counterexample, replay
from symflat.search.optimize import SearchResult, search
from symflat.search.shrink import shrink

__all__ = ["Counterexample", "SearchResult", "decide_check", "drop_evidence", "precision_check", "replay", "search", "search_check",
           "search_evidence", "shrink"]
