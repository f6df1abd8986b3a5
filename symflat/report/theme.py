"""The blueprint's visual vocabulary: one colour per status (used for fill and outline alike),
the sentence the legend gives each status, and how each edge kind is drawn."""

from __future__ import annotations

from symflat.claims import Status
from symflat.graph import STATUS_COLOURS

__all__ = ["STATUS_COLOURS", "LEGEND", "EDGE_DASH", "EDGE_WORDS", "text_colour"]

LEGEND = {  # strongest first, as a reader scans for what holds
    Status.PROVED: "an exact derivation establishes it for everything it quantifies over (or for the one object it is about)",
    Status.CERTIFIED: "rigorous computation (exact rationals, interval balls) establishes it on the stated instances",
    Status.CITED: "taken as given: a definition, an assumption, or a result cited from elsewhere",
    Status.CHECKED: "high-precision evaluation found no violation on the instances tried: evidence, not proof",
    Status.OPEN: "no evidence yet, or its check failed to give an answer",
    Status.REFUTED: "a stored counterexample shows it false as stated",
}
EDGE_DASH = {"uses": "6 4", "proof": "", "hypothesis": "2 3"}
EDGE_WORDS = {"uses": "its statement uses", "proof": "its proof uses", "hypothesis": "it assumes"}


def text_colour(status: Status) -> str:
    """Black or white, whichever reads better on the status colour (WCAG relative luminance)."""
    hexa = STATUS_COLOURS[Status.parse(status)].lstrip("#")
    r, g, b = (int(hexa[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000" if lum > 0.179 else "#fff"
