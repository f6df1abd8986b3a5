"""symflat's one exception tree and the checks that guard its public entry points.

Every error symflat raises on purpose is a :class:`SymflatError`. Each engine has its own base
below it (``ModelError``, ``NumericError``, ``PrecisionError``, ``SymbolicError``, ``ClaimError``,
``GraphError``, ...), and those bases are also ``ValueError`` where a bad value is the cause, so
``except ValueError`` keeps working. Catch ``SymflatError`` to catch them all.

The ``check_*`` helpers validate one argument and raise the caller's error class with a message
that names the argument and shows the value, e.g.
``NumericError: tol must be a finite number >= 0, got -1.0``. :func:`argument_type` turns a helper
into an ``argparse`` type, so the command line reports the same problem as a usage error.

>>> from symflat.errors import check_int, SymflatError
>>> check_int(3, "depth", minimum=1)
3
>>> try:
...     check_int(2.5, "depth", minimum=1)
... except SymflatError as e:
...     print(e)
depth must be an integer >= 1, got 2.5
"""

from __future__ import annotations

import argparse
import math
import numbers
from typing import Callable

import numpy as np


class SymflatError(Exception):
    """Root of every error symflat raises on purpose (bad input, a request it cannot honour)."""


class ValidationError(SymflatError, ValueError):
    """A public function's argument has the wrong type, shape, range or domain (generic form,
    for entry points that have no engine-specific error class)."""


def _bound_text(minimum, maximum, strict_min: bool) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if strict_min else '>='} {minimum}")
    if maximum is not None:
        parts.append(f"<= {maximum}")
    return " and ".join(parts)


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None,
              error: type[Exception] = ValidationError) -> int:
    """``value`` as an ``int``: an integer type (``bool`` refused) or an integral float/numpy
    scalar such as ``4.0``; never a truncated ``2.5``."""
    bound = _bound_text(minimum, maximum, False)
    what = f"{name} must be an integer" + (f" {bound}" if bound else "")
    if isinstance(value, bool):
        raise error(f"{what}, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer():
        out = int(value)
    else:
        raise error(f"{what}, got {value!r}")
    if (minimum is not None and out < minimum) or (maximum is not None and out > maximum):
        raise error(f"{what}, got {value!r}")
    return out


def check_real(value, name: str, *, minimum: float | None = None, maximum: float | None = None,
               strict_min: bool = False, finite: bool = True,
               error: type[Exception] = ValidationError) -> float:
    """``value`` as a ``float``: a real number (``bool`` and complex refused), finite unless
    ``finite=False``, in ``[minimum, maximum]`` (``(minimum, maximum]`` with ``strict_min``)."""
    bound = _bound_text(minimum, maximum, strict_min)
    what = f"{name} must be a {'finite ' if finite else ''}number" + (f" {bound}" if bound else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error(f"{what}, got {value!r}")
    out = float(value)
    if math.isnan(out) or (finite and math.isinf(out)):
        raise error(f"{what}, got {value!r}")
    if minimum is not None and (out < minimum or (strict_min and out == minimum)):
        raise error(f"{what}, got {value!r}")
    if maximum is not None and out > maximum:
        raise error(f"{what}, got {value!r}")
    return out


def check_choice(value, name: str, choices, *, error: type[Exception] = ValidationError):
    """``value`` if it is one of ``choices``, else an error listing them."""
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise error(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_bool(value, name: str, *, error: type[Exception] = ValidationError) -> bool:
    """``value`` if it is a ``bool`` (numpy booleans accepted); ``0``/``"no"`` are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise error(f"{name} must be True or False, got {value!r}")


def argument_type(check: Callable, name: str, convert: Callable = int, **limits) -> Callable[[str], object]:
    """An ``argparse`` type: ``convert`` the text, then ``check(value, name, **limits)``; any
    failure becomes ``argparse.ArgumentTypeError`` (a usage error, exit status 2) with the
    check's message."""

    def parse(text: str):
        try:
            value = convert(text)
        except (TypeError, ValueError):
            kind = "an integer" if convert is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {kind}, got {text!r}") from None
        try:
            return check(value, name, **limits)
        except SymflatError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = name.lstrip("-").replace("-", "_")
    return parse


__all__ = ["SymflatError", "ValidationError", "argument_type", "check_bool", "check_choice", "check_int", "check_real"]
