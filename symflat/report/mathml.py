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

__all__ = ["formula", "prose", "statement_html"]

# \(..\), \[..\] and $..$ (not $$); a backslash-escaped dollar is text
_SEGMENT = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)
# delimiter sizes that latex2mathml does not pair with every fence (\Big\lceil ...)
_SIZING = re.compile(r"\\(?:big|Big|bigg|Bigg)[lrm]?(?![A-Za-z])")
_LEFTOVER = re.compile(r">[^<]*\\[A-Za-z]+[^<]*<")  # a command name left as text in the output


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
    """A statement as HTML: prose with math segments when it has delimiters, else one formula."""
    return prose(text) if _SEGMENT.search(text) else formula(text.strip())
