"""Counterexample search: samplers, adversarial slack optimisation, confirmation at rising
precision, shrinking, exact replay, hypothesis ablation, domain widening, and ready-made checks.

- :func:`search` (in :mod:`~symflat.search.optimize`) -> :class:`SearchResult`;
- :func:`shrink` and :func:`simplicity_key` (:mod:`~symflat.search.shrink`);
- :class:`Counterexample` and :func:`replay`;
- :func:`ablate` (``--drop``) and :func:`widen` (``--widen``);
- :func:`search_check`, :func:`precision_check`, :func:`decide_check`, :func:`widen_check` -
  checks to attach to a claim;
- samplers in :mod:`~symflat.search.samplers`, hypothesis strategies in
  :mod:`~symflat.search.strategies`; errors in :mod:`~symflat.search.errors`.
"""

from symflat.search.ablation import AblationResult, ablate
from symflat.search.checks import decide_check, precision_check, search_check, search_evidence
from symflat.search.counterexample import Counterexample, replay
from symflat.search.errors import SearchError, SearchSetupError
from symflat.search.optimize import SearchResult, search
from symflat.search.shrink import ShrinkBudget, shrink, simplicity_key
from symflat.search.widen import WideningResult, widen, widen_check, widenings

__all__ = ["AblationResult", "Counterexample", "SearchError", "SearchResult", "SearchSetupError", "ShrinkBudget",
           "WideningResult", "ablate", "decide_check", "precision_check", "replay", "search", "search_check",
           "search_evidence", "shrink", "simplicity_key", "widen", "widen_check", "widenings"]
