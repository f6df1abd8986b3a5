"""Records of derivations: each :class:`Step` is one identity decided by a normal form at
symbolic sizes; a :class:`GeneralProof` holds when every step does, and is then valid for every
size (and, with a :class:`~symflat.symbolic.matrix_calculus.chain.LayerChain`, every depth)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from symflat.claims import Evidence
from symflat.symbolic.matrix_calculus.algebra import Rules


@dataclass
class Step:
    """One identity ``lhs = rhs``. ``holds`` is True when ``lhs - rhs`` has normal form zero;
    False means *undecided* (the normal form is sound, not complete), with the residual kept."""

    name: str
    holds: bool
    residual: str = ""
    uses: tuple = ()
    general: bool = True      # decided at symbolic sizes (False for a step checked on explicit instances)

    def __str__(self) -> str:
        return f"{self.name}: {'holds' if self.holds else 'undecided, residual ' + self.residual}"


def check_equal(name: str, lhs, rhs, rules: Rules | None = None, uses=()) -> Step:
    """Decide ``lhs = rhs`` (matrix, trace or Kronecker polynomials) by normal forms."""
    diff = (lhs - rhs).normal(rules)
    holds = not diff.terms
    used = tuple(uses) + tuple(r.name for r in (rules.relations if rules else []) if r.name)
    return Step(name, holds, "" if holds else str(diff), used)


@dataclass
class GeneralProof:
    """A derivation valid for all sizes when :attr:`proved`. ``standard`` lists the textbook
    identities used as rewriting rules (cited, not re-derived); ``hypotheses`` the solution sets
    or conditions the relations encode."""

    statement: str
    steps: list = field(default_factory=list)
    standard: tuple = ()
    hypotheses: tuple = ()
    seconds: float = 0.0

    @property
    def proved(self) -> bool:
        return bool(self.steps) and all(s.holds for s in self.steps)

    @property
    def general(self) -> bool:
        """Every step is an identity at symbolic sizes (and depth, where a chain is used)."""
        return all(s.general for s in self.steps)

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    def failures(self) -> list:
        return [s for s in self.steps if not s.holds]

    def evidence(self, detail: str = "", **data) -> Evidence:
        """``proved`` (scope general) when every step holds at symbolic sizes, else ``open`` naming
        the first undecided step and its residual (or the steps that are not general)."""
        if self.proved and not self.general:
            narrow = [s.name for s in self.steps if not s.general]
            return Evidence.open(f"{self.statement}: steps {narrow} hold on explicit instances only, not in general",
                                 method="matrix calculus", **data)
        if self.proved:
            text = detail or f"{self.statement}: {len(self.steps)} steps at symbolic sizes"
            if self.hypotheses:
                text += f"; on {', '.join(self.hypotheses)}"
            return Evidence.proved(text, method="matrix calculus", steps=[s.name for s in self.steps],
                                   standard_identities=list(self.standard), seconds=round(self.seconds, 3), **data)
        bad = self.failures()[0] if self.steps else None
        why = f"step '{bad.name}' not decided by the normal form (residual {bad.residual})" if bad else "no steps"
        return Evidence.open(f"{self.statement}: {why}", method="matrix calculus", **data)


class timed:
    """Context manager that stores the elapsed seconds on a :class:`GeneralProof`."""

    def __init__(self, proof: GeneralProof):
        self.proof = proof

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self.proof

    def __exit__(self, *exc):
        self.proof.seconds = time.perf_counter() - self.t0
        return False
