"""The ``symflat_bound`` pytest fixture (exposed by symflat's pytest plugin).

    def test_my_bound(symflat_bound):
        symflat_bound(my_inequality, budget=3)

It is :func:`symflat.testing.assert_bound` with the seed taken from pytest's ``--symflat-seed``
option when the plugin defines one (default 0), so a failing run is reproducible.
"""

from __future__ import annotations

import functools

import pytest

from symflat.testing import assert_bound


@pytest.fixture
def symflat_bound(request):
    """``assert_bound`` with the session's seed as default."""
    try:
        seed = int(request.config.getoption("symflat_seed"))
    except (ValueError, TypeError):
        seed = 0
    return functools.partial(assert_bound, seed=seed)
