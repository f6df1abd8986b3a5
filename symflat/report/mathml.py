"""LaTeX to MathML at build time, so a page shows its formulas with no script and no network.

Claim statements are written as one LaTeX formula (prose inside ``\\text{..}``); notes and
evidence details are prose that may hold ``\\(..\\)`` or ``$..$`` segments. Each formula goes
through :mod:`latex2mathml`; Chromium and Firefox render MathML natively. A formula the converter
rejects, or leaves with commands it did not know, is shown as its LaTeX source in a ``code``
element (class ``tex-fallback``): readable, and the build goes on.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

__all__ = ["formula", "pieces", "prose", "statement_html"]

# \(..\), \[..\] and $..$ (not $$); a backslash-escaped dollar is text
_SEGMENT = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)
# delimiter sizes that latex2mathml does not pair with every fence (\Big\lceil ...)
_SIZING = re.compile(r"\\(?:big|Big|bigg|Bigg)[lrm]?(?![A-Za-z])")
_LEFTOVER = re.compile(r">[^<]*\\[^<]*<")  # a backslash left as text in the output: an unknown command
_SPACING = r"(?:\s|\\[ ,;:!]|\\q?quad(?![A-Za-z]))+"  # white space and spacing commands
_LEAD, _TRAIL = re.compile("^" + _SPACING), re.compile(_SPACING + "$")


@lru_cache(maxsize=4096)
def formula(latex: str, display: bool = False) -> str:
    """MathML for one LaTeX formula, or its escaped source in ``<code class="tex-fallback">``."""
    try:
        from latex2mathml.converter import convert
    except ImportError:  # the report extra is not installed: readable source, never a crash
        return _fallback(latex, "latex2mathml is not installed")
    mode = "block" if display else "inline"
    for source in (latex, _SIZING.sub("", latex)):
        try:
            out = convert(source, display=mode)
        except Exception as e:  # noqa: BLE001 - any converter failure falls back to the source
            problem = f"not converted: {type(e).__name__}"
            continue
        if not _LEFTOVER.search(out):
            return out
        problem = "not converted: unknown command"
    return _fallback(latex, problem)


def _fallback(latex: str, why: str) -> str:
    return f'<code class="tex-fallback" title="{html.escape(why)}">{html.escape(latex)}</code>'


def prose(text: str) -> str:
    """Escaped text with its ``\\(..\\)``, ``\\[..\\]`` and ``$..$`` segments as MathML."""
    out, pos = [], 0
    for m in _SEGMENT.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        inline, block, dollar = m.groups()
        out.append(formula((inline or block or dollar).strip(), display=block is not None))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def statement_html(text: str) -> str:
    """A statement as HTML: prose with math segments when it has delimiters, else one formula
    written as a run of pieces (see :func:`pieces`) so that a long statement wraps like text."""
    if _SEGMENT.search(text):
        return prose(text)
    out = []
    for kind, piece in pieces(text.strip()):
        if kind == "text":
            out.append(f'<span class="prose">{prose(piece)}</span>')
        elif kind == "space":
            out.append(" ")
        else:
            core = _TRAIL.sub("", _LEAD.sub("", piece))
            if not core:
                out.append(" ")
                continue
            converted = formula(core)
            if converted.startswith("<code"):  # a piece that does not stand alone: convert the whole
                return formula(text.strip())
            out.extend([" " if _LEAD.match(piece) else "", converted, " " if _TRAIL.search(piece) else ""])
    return "".join(out)


_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)


def pieces(latex: str) -> list[tuple[str, str]]:
    """Split a formula where a browser may break the line: at top-level ``\\text{..}`` (which
    becomes prose), after a top-level ``,\\ `` or ``;\\ ``, and at ``\\quad``/``\\qquad``. "Top
    level" is outside braces, ``\\left..\\right`` pairs and environments, and not a sub- or
    superscript. Returns ``("math" | "text" | "space", source)`` pieces; joined back, the math
    pieces and the ``\\text`` contents give the original statement."""
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    depth = i = 0

    def flush():
        if "".join(buf).strip():
            out.append(("math", "".join(buf)))
        buf.clear()

    while i < len(latex):
        ch = latex[i]
        if ch == "\\":
            m = _COMMAND.match(latex, i)
            token, name = m.group(0), m.group(1)
            if name in ("left", "begin"):
                depth += 1
            elif name in ("right", "end"):
                depth -= 1
            script = bool(buf) and "".join(buf).rstrip()[-1:] in ("_", "^")
            if depth == 0 and name == "text" and not script:
                j = m.end()
                while j < len(latex) and latex[j] == " ":
                    j += 1
                if j < len(latex) and latex[j] == "{":
                    end = _closing(latex, j)
                    if end is not None:
                        flush()
                        out.append(("text", latex[j + 1:end]))
                        i = end + 1
                        continue
            if depth == 0 and (name in ("quad", "qquad") or (name == " " and "".join(buf).rstrip()[-1:] in (",", ";"))):
                flush()
                out.append(("space", " "))
                i = m.end()
                continue
            buf.append(token)
            i = m.end()
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        buf.append(ch)
        i += 1
    flush()
    return out


def _closing(text: str, start: int) -> int | None:
    """Index of the brace closing the one at ``start`` (escaped braces skipped), or None."""
    level, i = 0, start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "{":
            level += 1
        elif text[i] == "}":
            level -= 1
            if level == 0:
                return i
        i += 1
    return None
