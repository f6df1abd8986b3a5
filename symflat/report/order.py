"""A paper's reading order: claims sorted by section, then equation number, as the paper prints them.

A claim's place comes from ``where=`` (its first "Sec. 4.1", "App. B.8", "supp. VI" reference;
the main text comes before appendices and supplements) and then ``eq=`` (main-text equations
before supplementary ``S``-numbered ones). A claim whose ``where`` names no section, or that has no
equation number, reads where it was declared: it takes the place of the claim declared just before
it in the same file. Ties keep declaration order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Section", "reading_order", "section_of"]

_PART = re.compile(r"\b(Sec(?:tion)?s?|App(?:endix|endices)?|Supp(?:lement(?:ary)?)?)\.?\s*([A-Z]+|\d+)((?:\.\d+)*)", re.I)
_EQ = re.compile(r"(S?)(\d+)")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}
_WORD = {"sec": "Section", "app": "Appendix", "sup": "Supplement"}


@dataclass(frozen=True, order=True)
class Section:
    """A top-level part of a paper: ``part`` 0 is the main text, 1 appendices/supplement, 2 unplaced."""

    part: int
    number: int
    name: str = ""  # how the heading reads, e.g. "Section 4", "Appendix B"


def _roman(token: str) -> int | None:
    if not token or any(ch not in _ROMAN for ch in token):
        return None
    values = [_ROMAN[ch] for ch in token]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _appendix_number(token: str, roman: bool) -> int:
    if token.isdigit():
        return int(token)
    if roman and _roman(token.upper()) is not None:
        return _roman(token.upper())
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(token.upper())))


def _uses_roman(claims) -> bool:
    """Appendices numbered I, II, III ... rather than A, B, C: some token is a roman numeral of two
    or more letters (``App. I`` alone is the letter I in a paper whose appendices run A-I)."""
    tokens = {m.group(2).upper() for c in claims for m in _PART.finditer(c.where) if not m.group(2).isdigit()}
    return any(len(t) > 1 and _roman(t) is not None for t in tokens)


def section_of(where: str, roman: bool = False) -> tuple[Section, tuple[int, ...]] | None:
    """The top-level section and the full subsection path of a ``where=`` text, or None."""
    m = _PART.search(where or "")
    if not m:
        return None
    word, token, rest = m.group(1)[:3].lower(), m.group(2), m.group(3)
    subs = tuple(int(x) for x in rest.split(".") if x)
    if word == "sec":
        top = int(token) if token.isdigit() else _appendix_number(token, roman)
        return Section(0, top, f"Section {top}"), (top, *subs)
    top = _appendix_number(token, roman)
    return Section(1, top, f"{_WORD[word]} {token.upper() if not token.isdigit() else token}"), (top, *subs)


def _eq_key(eq: str) -> tuple[int, int] | None:
    m = _EQ.search(eq or "")
    return (1 if m.group(1) else 0, int(m.group(2))) if m else None


def reading_order(claims) -> list[tuple[Section, list]]:
    """``claims`` (one paper's, in declaration order) grouped by top-level section, sections and
    the claims inside them in the paper's order."""
    claims = list(claims)
    roman = _uses_roman(claims)
    keyed = []
    previous: dict[str, tuple] = {}  # file -> (section, path, eq key) of the claim declared before
    for index, c in enumerate(claims):
        found = section_of(c.where, roman)
        before = previous.get(c.file)
        if found is None:
            section, path = (before[0], before[1]) if before else (Section(2, 0, "Other claims"), ())
        else:
            section, path = found
        eq = _eq_key(c.eq)
        if eq is None:
            eq = before[2] if before and (before[0], before[1]) == (section, path) else (-1, 0)
        previous[c.file] = (section, path, eq)
        keyed.append(((section, path, eq, index), c))
    keyed.sort(key=lambda kc: kc[0])
    groups: list[tuple[Section, list]] = []
    for (section, *_), c in keyed:
        if not groups or groups[-1][0] != section:
            groups.append((section, []))
        groups[-1][1].append(c)
    return groups
