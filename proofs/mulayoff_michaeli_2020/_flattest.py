"""The paper's names for the exact flattest minima used by the checks of Theorems 1-4, bound to
:mod:`symflat.symbolic.minimum_set` (``balanced_flattest``, ``unbalanced_flattest``, ``certified_flattest``)."""

from symflat.symbolic.minimum_set import balanced_flattest as balanced  # noqa: F401
from symflat.symbolic.minimum_set import certified_flattest  # noqa: F401
from symflat.symbolic.minimum_set import unbalanced_flattest as unbalanced  # noqa: F401
