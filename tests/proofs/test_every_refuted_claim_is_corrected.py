"""Issue 16, part 5: every claim the shipped papers expect to be refuted has a corrected claim beside it."""

from pathlib import Path

import pytest

from symflat.claims import Status
from symflat.discovery import load_claims

PROOFS = Path(__file__).resolve().parents[2] / "proofs"


@pytest.fixture(scope="module")
def registry():
    return load_claims([str(PROOFS)])


def test_every_expected_refutation_has_a_correction(registry):
    corrected = {c.corrects for c in registry.claims.values() if c.corrects}
    refuted = {cid for cid, c in registry.claims.items() if c.expect is Status.REFUTED}
    assert refuted, "the shipped papers have known errata"
    assert sorted(refuted - corrected) == []


def test_a_correction_points_at_a_claim_that_fails_as_printed(registry):
    for c in registry.claims.values():
        if c.corrects:
            assert registry.claims[c.corrects].expect is Status.REFUTED, (c.id, c.corrects)
