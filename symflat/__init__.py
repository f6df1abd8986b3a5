"""symflat: make a theory paper about flat minima and sharpness executable.

Claims (:class:`Paper`, :class:`Claim`) carry checks that return :class:`Evidence`; the runner
records them in a ledger and the lemma graph propagates support (see ``DESIGN.md``).
"""

from symflat.claims import Check, Claim, Context, Evidence, Paper, Status

__all__ = ["Check", "Claim", "Context", "Evidence", "Paper", "Status"]
__version__ = "0.1.0"
