"""Run the Examples in the docstrings of every module of ``symflat.numeric``."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import symflat.numeric

MODULES = sorted(m.name for m in pkgutil.iter_modules(symflat.numeric.__path__, "symflat.numeric."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"


def test_sharpness_has_the_eq10_example():
    """The scalar-chain example of Mulayoff & Michaeli eq. (10) is present and is run above."""
    finder = doctest.DocTestFinder()
    tests = finder.find(importlib.import_module("symflat.numeric.sharpness"))
    assert any("42.25" in t.docstring and t.examples for t in tests if t.name.endswith(".sharpness"))
