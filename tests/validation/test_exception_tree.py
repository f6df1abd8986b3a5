"""symflat raises from one exception tree (STYLE.md, falls short item 8 and E5): every exception
class the package defines is a :class:`symflat.errors.SymflatError`, apart from the few below that
are signals rather than errors."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import symflat
from symflat.errors import SymflatError

# a check's time-out is raised *inside* user code and must not be swallowed by `except SymflatError`;
# a pytest item's failure is pytest's business; private classes (a leading underscore) are control-flow
# signals that never leave their module
SIGNALS = {"CheckTimeout", "ClaimFailed"}


def _modules():
    for info in pkgutil.walk_packages(symflat.__path__, "symflat."):
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # an optional extra (torch, jax, dask, ...) is not installed
            continue


def test_every_symflat_exception_is_a_symflat_error():
    outside = []
    for module in _modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, BaseException) or issubclass(cls, Warning):
                continue
            if name not in SIGNALS and not name.startswith("_") and not issubclass(cls, SymflatError):
                outside.append(f"{module.__name__}.{name}")
    assert not outside, f"exception classes outside the SymflatError tree: {outside}"


def test_engine_bases_keep_their_builtin_bases():
    """``except ValueError`` in existing callers keeps working."""
    from symflat.claims import ClaimError
    from symflat.graph import GraphError
    from symflat.models import ModelError
    from symflat.numeric import NotConvergedError, NumericError
    from symflat.precision.errors import PrecisionError
    from symflat.symbolic.errors import SymbolicError

    for cls in (ClaimError, GraphError, ModelError, NumericError, PrecisionError, SymbolicError):
        assert issubclass(cls, SymflatError) and issubclass(cls, ValueError)
    assert issubclass(NotConvergedError, RuntimeError)


def test_the_examples_in_the_errors_module_run():
    import doctest

    import symflat.errors

    result = doctest.testmod(symflat.errors)
    assert result.attempted >= 3 and result.failed == 0
