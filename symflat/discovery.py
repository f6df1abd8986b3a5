"""Find claim files under paths and collect their claims into a :class:`Registry`.

Discovery follows pytest's habits: a folder is walked recursively; every ``*.py`` file is a claim
file except ``test_*.py`` and helper files whose names start with ``_`` (``__init__.py`` is
imported as part of its package). A file inside a package (folders with ``__init__.py``) is
imported under its dotted package name, with the first folder above the package put on
``sys.path``, so claim files can import their paper's package and its helpers.

Problems never stop discovery: a file that fails to import, a duplicate id, an edge to an unknown
id and a cycle each become one :class:`RegistryError` line naming the claim (or file) and the
problem.
"""

from __future__ import annotations

import difflib

import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from symflat.claims import Claim, all_papers
from symflat.errors import SymflatError

SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", ".symflat", "node_modules", ".pytest_cache", ".hypothesis"}


class UnknownClaimError(SymflatError, KeyError):
    """A claim id that no discovered paper declares."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class RegistryError:
    """One problem with the declared claims: where it is (a claim id or a file), what is wrong,
    and every claim it breaks (a cycle breaks all of its members)."""

    where: str
    problem: str
    claims: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass
class Registry:
    """All claims found, which of them were selected, and the problems found on the way."""

    claims: dict[str, Claim] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    errors: list[RegistryError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def get(self, claim_id: str) -> Claim:
        try:
            return self.claims[claim_id]
        except KeyError:
            raise UnknownClaimError(f"unknown claim id {claim_id!r}{did_you_mean(claim_id, self.claims)}") from None

    def errors_for(self, claim_id: str) -> list[RegistryError]:
        return [e for e in self.errors if claim_id in e.claims]


def did_you_mean(claim_id: str, known, exclude: str = "") -> str:
    """``"; did you mean a, b?"`` naming up to three known ids whose label is close to the label
    of ``claim_id`` (edit similarity at least 0.8, same paper first) or contains it, or ``""``.
    ``exclude`` leaves one id out (the claim whose edge is broken)."""
    known = [k for k in known if k != exclude]
    paper, _, label = claim_id.rpartition("/")
    by_label: dict[str, list[str]] = {}
    for k in sorted(known, key=lambda k: not k.startswith(paper + "/")):
        by_label.setdefault(k.rpartition("/")[2], []).append(k)
    close = [k for m in difflib.get_close_matches(label, list(by_label), n=3, cutoff=0.8) for k in by_label[m]]
    close += [k for k in known if label and label in k.rpartition("/")[2]]
    close = list(dict.fromkeys(close))[:3]
    return f"; did you mean {', '.join(close)}?" if close else ""


def claim_files(paths) -> list[Path]:
    """The claim files under ``paths`` (files or folders), sorted, without repeats."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
        if p.is_file():
            found.append(p.resolve())
            continue
        for f in sorted(p.rglob("*.py")):
            rel_parts = f.relative_to(p).parts
            if any(part in SKIP_DIRS or part.startswith(".") for part in rel_parts[:-1]):
                continue
            name = f.name
            if name.startswith("test_") or (name.startswith("_") and name != "__init__.py"):
                continue
            found.append(f.resolve())
    return list(dict.fromkeys(found))


def module_name_for(path: Path) -> tuple[str, Path]:
    """Dotted module name of ``path`` and the folder that must be on ``sys.path`` (pytest's
    'prepend' rule: climb while the folder is a package)."""
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def import_claim_file(path: Path):
    """Import one claim file (cached in ``sys.modules``) and return the module."""
    name, root = module_name_for(path)
    module = sys.modules.get(name)
    if module is not None and Path(getattr(module, "__file__", "") or "").resolve() == path.resolve():
        return module
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    _forget_other_package(name, root)
    if "." in name:
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_claims(paths=("proofs",), claim_ids=()) -> Registry:
    """Discover claim files under ``paths`` and build the registry.

    Every claim of every paper reached is known (so edges into files outside the selection
    resolve); the *selected* claims are those declared in the files under ``paths``, narrowed
    to ``claim_ids`` when given (an unknown id raises :class:`UnknownClaimError`).
    """
    reg = Registry()
    reg.files = claim_files(paths)
    for f in [*reg.files, *package_siblings(reg.files)]:
        try:
            import_claim_file(f)
        except (Exception, SystemExit) as e:  # a broken claim file (even one calling sys.exit) must not stop the others
            tb = traceback.extract_tb(e.__traceback__)
            line = next((fr.lineno for fr in reversed(tb) if Path(fr.filename).resolve() == f), None)
            at = f"{f}:{line}" if line else str(f)
            reg.errors.append(RegistryError(at, f"cannot import claim file: {type(e).__name__}: {e}"))
    file_set = {str(f) for f in reg.files}
    papers = [p for p in all_papers() if any(str(Path(c.file).resolve()) in file_set for c in p.claims)]
    for paper in sorted(papers, key=lambda p: p.id):
        for c in paper.claims:
            if c.id in reg.claims:
                first = reg.claims[c.id]
                reg.errors.append(RegistryError(c.id, f"duplicate claim id (declared at {first.file}:{first.line} and again at {c.file}:{c.line})", (c.id,)))
                continue
            reg.claims[c.id] = c
            if str(Path(c.file).resolve()) in file_set:
                reg.selected.append(c.id)
    _check_edges(reg)
    if claim_ids:
        for cid in claim_ids:
            try:
                reg.get(cid)
            except UnknownClaimError as e:
                broken = [str(err) for err in reg.errors if not err.claims]
                if broken:  # the claim may live in a file that did not import: say so, with its error
                    raise UnknownClaimError(f"{e}; these claim files failed to load: {'; '.join(broken[:3])}") from None
                raise
        reg.selected = [cid for cid in claim_ids]
    return reg


def package_siblings(files: list[Path]) -> list[Path]:
    """Claim files of the top-level packages that hold ``files`` but are not among them, so a
    claim selected alone still sees the claims it depends on."""
    tops = set()
    for f in files:
        name, root = module_name_for(f)
        if "." in name or f.name == "__init__.py":
            tops.add(root / name.split(".")[0])
    chosen = set(files)
    return [f for top in sorted(tops) for f in claim_files([top]) if f not in chosen]


def _forget_other_package(name: str, root: Path) -> None:
    """Drop cached modules of a *different* package with the same top-level name (two claim
    folders elsewhere that both call their package ``demo``), so the right one is imported."""
    top = name.split(".")[0]
    cached = sys.modules.get(top)
    origin = getattr(cached, "__file__", None) if cached is not None else None
    if origin and not Path(origin).resolve().is_relative_to((root / top).resolve()) and Path(origin).resolve() != (root / f"{top}.py").resolve():
        for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
            del sys.modules[key]


def _check_edges(reg: Registry) -> None:
    """Report edges to unknown ids and every cycle (named in full)."""
    g = nx.DiGraph()
    for c in reg.claims.values():
        g.add_node(c.id)
        for dep, kind in c.depends_on:
            if dep not in reg.claims:
                hint = did_you_mean(dep, reg.claims, exclude=c.id)
                reg.errors.append(RegistryError(c.id, f"{kind} edge to unknown claim {dep!r}{hint}", (c.id,)))
            else:
                g.add_edge(dep, c.id)
        if c.corrects and c.corrects not in reg.claims:
            reg.errors.append(RegistryError(c.id, f"corrects unknown claim {c.corrects!r}{did_you_mean(c.corrects, reg.claims, exclude=c.id)}", (c.id,)))
    for cycle in nx.simple_cycles(g):
        loop = " -> ".join([*cycle, cycle[0]])
        reg.errors.append(RegistryError(cycle[0], f"cycle in the lemma graph: {loop}", tuple(cycle)))
