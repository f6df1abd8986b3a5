"""Claims, their checks and the evidence the checks produce.

A paper is declared as a :class:`Paper`; each definition, assumption, equation, lemma, theorem ...
is a :class:`Claim` made by one short call, and a claim's checks are plain functions attached with
the claim used as a decorator::

    paper = Paper("mulayoff-michaeli-2020", title="Unique properties of flat minima in deep networks")
    A2 = paper.assumption("a2", r"\\hat\\Sigma_x = I", where="Sec. 4")

    @paper.equation("eq-10", r"\\lambda_{\\max}(H) = 2\\sigma_x^2\\tau^2\\sum_j w_j^{-2}", eq="10",
                    where="Sec. 3", proof_uses=["eq-8", "eq-9"])
    def eq10(ctx):
        ...
        return Evidence.certified("top eigenvalue matches exactly", instances=7, cases="m = 2..8")

A check takes a :class:`Context` (seed, precision, time budget, random generator) if it has a
parameter named ``ctx``, and returns :class:`Evidence`. It never prints.
"""

from __future__ import annotations

import enum
import hashlib
import inspect
import math
import re
import sys
import time
import weakref
from dataclasses import dataclass, field
from numbers import Number
from typing import Any, Callable

import numpy as np

from symflat.errors import SymflatError


class Status(str, enum.Enum):
    """The one status vocabulary (DESIGN.md), ordered from weakest to strongest support."""

    REFUTED = "refuted"
    OPEN = "open"
    CHECKED = "checked"
    CITED = "cited"
    CERTIFIED = "certified"
    PROVED = "proved"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: "Status | str") -> "Status":
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown status {value!r}; use one of {[s.value for s in cls]}") from None


_RANK = {s: i for i, s in enumerate(Status)}


SCOPES = ("general", "instances")
#: Statuses whose evidence is general unless it says otherwise; all others are on instances.
_GENERAL_BY_DEFAULT = ("proved", "cited")


def status_scope(status: Status) -> str | None:
    """The scope a claim's own status implies: ``general`` for proved and cited, ``instances``
    for certified, checked and refuted, ``None`` for open."""
    status = Status.parse(status)
    if status is Status.OPEN:
        return None
    return "general" if status.value in _GENERAL_BY_DEFAULT else "instances"


def weakest(statuses) -> Status:
    """The weakest status of an iterable (``proved`` for an empty one: nothing weakens it)."""
    return min(statuses, key=lambda s: s.rank, default=Status.PROVED)


KINDS = ("definition", "assumption", "equation", "lemma", "theorem", "proposition", "corollary", "remark", "experiment")
AXIOM_KINDS = ("definition", "assumption")
_ID_PART = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ID_PATTERN = re.compile(rf"^{_ID_PART}/{_ID_PART}$")


class ClaimError(SymflatError, ValueError):
    """A claim declaration that is malformed (bad id, unknown kind, bad expected status)."""


class EvidenceError(ClaimError):
    """Evidence whose status and scope disagree (``proved`` on finitely many instances, an
    instance-scoped result without its count, an unknown scope)."""


def _json_value(value: Any) -> Any:
    """Turn numbers from numpy, mpmath, SymPy, flint into JSON-friendly values, keeping precision.

    Floats stay floats; high-precision or exact numbers become strings so no digit is lost.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_json_value(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_value(v) for v in value]
    return str(value)


def as_float(value: Any) -> float | None:
    """Float value of a number of any library, ``None`` if it has none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return float(str(value))
        except (TypeError, ValueError):
            return None


@dataclass
class Evidence:
    """What one check found: a status, a one-line detail, and data.

    Every evidence has a **scope** (``data["scope"]``): ``"general"`` when it holds for everything
    the claim quantifies over (every depth, width, data set, point its hypotheses allow), or
    ``"instances"`` when it is exact, rigorous or sampled on a finite set, whose size is
    ``data["instances"]`` (an int) and which ``data["cases"]`` describes ("m = 2..8", "150
    random rational minima"). ``proved`` and ``cited`` default to general, everything else to
    instances. ``proved`` is only ever general: exact computation on finitely many cases is
    ``certified`` ("rigorous on the stated instances"). ``certified`` and ``checked`` must say
    how many instances; ``refuted`` counts its one counterexample unless told otherwise.

    Other conventional data keys: ``slack`` (margin of an inequality, >= 0 when it holds),
    ``dps`` (decimal digits used), ``seed``, ``method``, ``counterexample`` (a JSON-able
    description that reproduces a violation), ``tight`` (equality case reached), ``error`` (set
    by the runner when the check itself failed), ``traceback`` (the stored traceback of a check
    that raised).

    >>> Evidence.certified("exact at m = 2..8", instances=7, cases="m = 2..8").scope
    'instances'
    >>> Evidence.proved("by induction on m").scope
    'general'
    """

    status: Status
    detail: str = ""
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        self.status = Status.parse(self.status)
        self.data = _json_value(dict(self.data))
        _settle_scope(self.status, self.data, strict=True)

    def _with_status(status: Status):  # noqa: N805 - builds the constructors below
        def make(cls, detail: str = "", **data) -> "Evidence":
            return cls(status, detail, data)

        make.__name__ = status.value
        make.__doc__ = f"Evidence with status ``{status.value}``."
        return classmethod(make)

    proved = _with_status(Status.PROVED)
    certified = _with_status(Status.CERTIFIED)
    checked = _with_status(Status.CHECKED)
    refuted = _with_status(Status.REFUTED)
    cited = _with_status(Status.CITED)
    open = _with_status(Status.OPEN)
    del _with_status

    @classmethod
    def error(cls, message: str, **data) -> "Evidence":
        """A check that could not give an answer (raised, timed out, returned NaN)."""
        return cls(Status.OPEN, message, {**data, "error": message})

    @property
    def is_error(self) -> bool:
        return "error" in self.data

    @property
    def slack(self) -> float | None:
        return as_float(self.data.get("slack"))

    @property
    def scope(self) -> str:
        """``"general"`` or ``"instances"`` (see the class docstring)."""
        return self.data["scope"]

    @property
    def instances(self) -> int | None:
        """How many instances an instance-scoped evidence covers (``None`` when general)."""
        return self.data.get("instances")

    def scope_text(self) -> str:
        """The scope in words: ``general`` or ``7 instances (m = 2..8)``."""
        if self.scope == "general":
            return "general"
        n = self.instances
        text = "instances" if n is None else f"{n} instance{'s' if n != 1 else ''}"
        cases = self.data.get("cases")
        if cases:
            cases = ", ".join(map(str, cases)) if isinstance(cases, list) else str(cases)
            text += f" ({cases})"
        return text

    def problem(self) -> str | None:
        """Why this evidence cannot be trusted as returned (NaN or infinite numbers), or None."""
        for key in ("slack", "value", "bound"):
            v = as_float(self.data.get(key))
            if v is not None and not math.isfinite(v):
                return f"check returned a non-finite {key} ({self.data.get(key)})"
        return None

    def to_dict(self) -> dict:
        return {"status": self.status.value, "detail": self.detail, **self.data}

    @classmethod
    def from_dict(cls, d: dict) -> "Evidence":
        """Evidence from its JSON form. Entries recorded before scopes existed are read
        leniently: an old ``proved`` on counted instances comes back ``certified`` (what it was)."""
        d = dict(d)
        d.pop("check", None)
        d.pop("seconds", None)
        status, detail = Status.parse(d.pop("status")), d.pop("detail", "")
        if "scope" not in d:
            if status is Status.PROVED and "instances" in d:
                status = Status.CERTIFIED
                d["legacy"] = "recorded as proved on counted instances before scopes; read as certified"
            _settle_scope(status, d, strict=False)
        ev = cls.__new__(cls)
        ev.status, ev.detail, ev.data = status, detail, _json_value(d)
        return ev


def _settle_scope(status: Status, data: dict, strict: bool) -> None:
    """Fill in and validate ``data["scope"]`` / ``data["instances"]`` (see :class:`Evidence`).

    Raises :class:`EvidenceError` when ``strict`` and the status and the scope disagree."""
    def fail(message: str) -> None:
        if strict:
            raise EvidenceError(message)

    scope = data.get("scope")
    if scope is None:
        scope = "general" if status.value in _GENERAL_BY_DEFAULT and "instances" not in data else "instances"
    if scope not in SCOPES:
        raise EvidenceError(f"unknown evidence scope {scope!r}; use one of {SCOPES}")
    data["scope"] = scope
    n = data.get("instances")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise EvidenceError(f"instances must be a non-negative int, got {n!r}")
    if scope == "general":
        if status in (Status.REFUTED, Status.CHECKED, Status.CERTIFIED):
            what = {Status.REFUTED: "a counterexample", Status.CHECKED: "a numerical check",
                    Status.CERTIFIED: "rigour on stated instances"}[status]
            fail(f"{status.value} evidence cannot be general: {what} covers finitely many instances (give instances=N);"
                 " a derivation for every case is 'proved'")
        if n is not None:
            fail("general evidence carries no instance count; put cross-check counts under another key"
                 " (e.g. cross_checked=12)")
        return
    if status is Status.PROVED:
        fail("'proved' means proved in general; exact computation on finitely many instances is 'certified'"
             " (Evidence.certified(detail, instances=N, cases=...)), or declare the claim about=... one object")
        return
    if n is None:
        if status is Status.REFUTED:
            data["instances"] = 1
        elif status is Status.OPEN:
            data["instances"] = 0
        elif status in (Status.CERTIFIED, Status.CHECKED):
            fail(f"{status.value} evidence must say on how many instances it holds: instances=N (and cases=...)")


@dataclass
class Context:
    """What the runner hands a check: reproducibility knobs and the time it may spend."""

    claim_id: str
    check_name: str
    seed: int = 0
    dps: int = 30
    budget: float = 60.0
    started: float = field(default_factory=time.monotonic)

    @property
    def rng(self) -> np.random.Generator:
        """A generator seeded by the run seed and the check's name, so checks are independent."""
        key = int.from_bytes(hashlib.sha256(f"{self.claim_id}:{self.check_name}".encode()).digest()[:8], "little")
        return np.random.default_rng([self.seed, key])

    def time_left(self) -> float:
        return self.budget - (time.monotonic() - self.started)


@dataclass
class Check:
    """A function that returns :class:`Evidence` for one claim."""

    name: str
    func: Callable

    @property
    def wants_context(self) -> bool:
        return "ctx" in inspect.signature(self.func).parameters

    def __call__(self, ctx: Context) -> Evidence:
        return self.func(ctx) if self.wants_context else self.func()

    def source(self) -> str:
        try:
            return inspect.getsource(self.func)
        except (OSError, TypeError):
            return self.func.__qualname__


def _qualify(paper_id: str, ref: str) -> str:
    """``"eq-8"`` inside paper ``p`` means ``"p/eq-8"``; a full id stays as it is."""
    return ref if "/" in ref else f"{paper_id}/{ref}"


@dataclass(eq=False)
class Claim:
    """One formal statement of a paper, with its edges in the lemma graph and its checks.

    Edges (Lean-blueprint style, kept apart): ``uses`` are what the *statement* mentions
    (definitions, notation), ``proof_uses`` what its *proof* relies on, ``hypotheses`` the
    assumptions it is conditional on. ``expect`` pins the status a run must reach (e.g.
    ``"refuted"`` for a known erratum); ``cite`` is the outside reference of a cited claim;
    ``corrects`` links a repaired claim to the original it replaces; ``note`` records anything a
    reader should know (e.g. how two versions of a paper differ). Engines may attach objects in
    ``extras`` (e.g. the inequality that ``symflat search`` works on).

    ``about`` names the one object a claim is about (a worked example, a counterexample, an
    existence statement shown by one object): exact evidence on that object is its whole scope,
    so it may be ``proved``. ``outline`` lists the claims that are the steps of the claim's
    proof (issue 13, part 2d): the claim's own checks then verify only the combining
    implication, and its own status is the weakest of that and of the steps' statuses, so it is
    ``proved`` only when every step is proved in general and the implication too.
    """

    id: str
    kind: str
    statement: str
    paper: str
    label: str
    where: str = ""
    eq: str = ""
    uses: list[str] = field(default_factory=list)
    proof_uses: list[str] = field(default_factory=list)
    hypotheses: list[str] = field(default_factory=list)
    expect: Status | None = None
    cite: str = ""
    corrects: str = ""
    note: str = ""
    about: str = ""
    outline: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    extras: dict = field(default_factory=dict)
    file: str = ""
    line: int = 0

    def _repr_html_(self) -> str:  # Jupyter
        from symflat.report.jupyter import claim_html

        return claim_html(self)

    def _repr_latex_(self) -> str:
        from symflat.report.jupyter import claim_latex

        return claim_latex(self)

    def __call__(self, func: Callable) -> "Claim":
        """Use the claim as a decorator: the decorated function becomes one of its checks."""
        return self.check(func)

    def check(self, func: Callable | None = None, *, name: str | None = None):
        """Attach ``func`` as a check (usable as ``@claim.check`` or ``@claim.check(name=...)``)."""
        if func is None:
            return lambda f: self.check(f, name=name)
        check_name = name or func.__name__
        if any(c.name == check_name for c in self.checks):
            check_name = f"{check_name}-{len(self.checks) + 1}"
        self.checks.append(Check(check_name, func))
        return self

    def get_check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"claim {self.id} has no check {name!r}; checks: {[c.name for c in self.checks]}")

    @property
    def depends_on(self) -> list[tuple[str, str]]:
        """``(claim id, edge kind)`` for every edge into this claim."""
        steps = [(u, "proof") for u in self.outline if u not in self.proof_uses]
        return ([(u, "uses") for u in self.uses] + [(u, "proof") for u in self.proof_uses] + steps
                + [(h, "hypothesis") for h in self.hypotheses])

    @property
    def is_axiom(self) -> bool:
        """Definitions and assumptions without checks are taken as given (status ``cited``)."""
        return self.kind in AXIOM_KINDS and not self.checks

    def source_hash(self) -> str:
        text = "\n".join([self.statement, *(c.source() for c in self.checks)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def own_status(self, evidence: list[Evidence]) -> Status:
        """A claim's own status from its checks' evidence: refuted if any check refutes it,
        otherwise the strongest status a check established; ``cited`` for a reference or an
        axiom with no checks; ``open`` when nothing is known."""
        if any(e.status is Status.REFUTED for e in evidence):
            return Status.REFUTED
        found = [e.status for e in evidence if not e.is_error]
        if found:
            return max(found, key=lambda s: s.rank)
        if (self.cite or self.is_axiom) and not self.checks:
            return Status.CITED
        return Status.OPEN

    def meets_expectation(self, status: Status, errored: bool) -> bool:
        """Default: not refuted and no check errored. With ``expect``: ``refuted`` must be
        refuted; any other expectation must be reached or exceeded."""
        if self.expect is None:
            return status is not Status.REFUTED and not errored
        if self.expect is Status.REFUTED:
            return status is Status.REFUTED
        return status is not Status.REFUTED and status.rank >= self.expect.rank and not errored


_PAPERS: "weakref.WeakSet[Paper]" = weakref.WeakSet()


def all_papers() -> list["Paper"]:
    """Every :class:`Paper` object alive in this process (discovery filters them by file)."""
    return list(_PAPERS)


class Paper:
    """A paper's claims, declared in reading order. ``paper.lemma(...)`` etc. make claims."""

    def __init__(self, id: str, title: str = "", source: str = "", authors: str = "", year: int | None = None):
        if not re.fullmatch(_ID_PART, id):
            raise ClaimError(f"paper id {id!r} must be lowercase words joined by hyphens, e.g. 'mulayoff-michaeli-2020'")
        self.id, self.title, self.source, self.authors, self.year = id, title, source, authors, year
        self.claims: list[Claim] = []
        _PAPERS.add(self)

    def __repr__(self) -> str:
        return f"Paper({self.id!r}, {len(self.claims)} claims)"

    def _repr_html_(self) -> str:  # Jupyter
        from symflat.report.jupyter import paper_html

        return paper_html(self)

    def claim(self, kind: str, label: str, statement: str, *, where: str = "", eq: str | int = "",
              uses=(), proof_uses=(), hypotheses=(), expect: str | Status | None = None,
              cite: str = "", corrects: str = "", note: str = "", about: str = "", outline=(), **extras) -> Claim:
        if kind not in KINDS:
            raise ClaimError(f"{self.id}/{label}: unknown kind {kind!r}; use one of {KINDS}")
        cid = f"{self.id}/{label}"
        if not ID_PATTERN.match(cid):
            raise ClaimError(f"claim id {cid!r} must be '<paper>/<label>' in lowercase words joined by hyphens")
        try:
            expected = Status.parse(expect) if expect is not None else None
        except ValueError as e:
            raise ClaimError(f"{cid}: {e}") from None
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        c = Claim(id=cid, kind=kind, statement=statement, paper=self.id, label=label, where=where, eq=str(eq),
                  uses=[_qualify(self.id, u) for u in uses], proof_uses=[_qualify(self.id, u) for u in proof_uses],
                  hypotheses=[_qualify(self.id, h) for h in hypotheses], expect=expected, cite=cite,
                  corrects=_qualify(self.id, corrects) if corrects else "", note=note, about=about,
                  outline=[_qualify(self.id, u) for u in outline], extras=dict(extras),
                  file=frame.f_code.co_filename, line=frame.f_lineno)
        self.claims.append(c)
        return c

    def _kind(kind: str):  # noqa: N805 - builds the per-kind shortcuts below
        def make(self, label: str, statement: str, **kw) -> Claim:
            return self.claim(kind, label, statement, **kw)

        make.__name__ = kind
        make.__doc__ = f"Declare a {kind} of this paper (see :meth:`Paper.claim` for the keywords)."
        return make

    definition = _kind("definition")
    assumption = _kind("assumption")
    equation = _kind("equation")
    lemma = _kind("lemma")
    theorem = _kind("theorem")
    proposition = _kind("proposition")
    corollary = _kind("corollary")
    remark = _kind("remark")
    experiment = _kind("experiment")
    del _kind
