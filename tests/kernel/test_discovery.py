"""Discovery of claim files and every registry error, each reported on one line."""

import pytest

from symflat.discovery import UnknownClaimError, claim_files, load_claims

BASIC = """
from symflat import Evidence
from . import paper

paper.assumption("a1", r"x > 0")

@paper.lemma("lemma-1", r"x^2 \\ge 0", uses=["a1"])
def lemma1(ctx):
    return Evidence.proved("square is nonnegative")

@paper.theorem("theorem-1", r"x + 1/x \\ge 2", hypotheses=["a1"], proof_uses=["lemma-1"])
def theorem1(ctx):
    return Evidence.checked("AM-GM", slack=0.0, instances=3)
"""


def test_discovers_claims_and_skips_helpers_and_tests(claim_folder):
    folder, pid = claim_folder({"basic.py": BASIC, "_helpers.py": "raise RuntimeError('helper must not be imported')",
                                "test_something.py": "raise RuntimeError('tests are not claim files')"})
    names = [f.name for f in claim_files([folder])]
    assert names == ["__init__.py", "basic.py"]
    reg = load_claims([folder])
    assert reg.errors == []
    assert reg.selected == [f"{pid}/a1", f"{pid}/lemma-1", f"{pid}/theorem-1"]
    t = reg.get(f"{pid}/theorem-1")
    assert t.proof_uses == [f"{pid}/lemma-1"] and t.hypotheses == [f"{pid}/a1"]
    assert t.file.endswith("basic.py") and t.line > 0


def test_single_file_selection_and_claim_filter(claim_folder):
    folder, pid = claim_folder({"basic.py": BASIC, "more.py": """
        from . import paper
        paper.remark("remark-1", "a remark", uses=["theorem-1"])
    """})
    reg = load_claims([folder / "more.py"])
    assert reg.selected == [f"{pid}/remark-1"]
    assert f"{pid}/theorem-1" in reg.claims  # a dependency outside the selection is known
    reg = load_claims([folder], [f"{pid}/lemma-1"])
    assert reg.selected == [f"{pid}/lemma-1"]


def test_unknown_claim_id_is_a_clear_error(claim_folder):
    folder, pid = claim_folder({"basic.py": BASIC})
    with pytest.raises(UnknownClaimError, match=f"unknown claim id '{pid}/lemma-9'"):
        load_claims([folder], [f"{pid}/lemma-9"])


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_claims([tmp_path / "nope"])


def test_duplicate_id(claim_folder):
    folder, pid = claim_folder({"a.py": """
        from . import paper
        paper.lemma("lemma-1", "first")
        paper.lemma("lemma-1", "second")
    """})
    reg = load_claims([folder])
    assert len(reg.errors) == 1
    assert str(reg.errors[0]).startswith(f"{pid}/lemma-1: duplicate claim id")
    assert reg.get(f"{pid}/lemma-1").statement == "first"


def test_unknown_edge(claim_folder):
    folder, pid = claim_folder({"a.py": """
        from . import paper
        paper.lemma("lemma-1", "uses a ghost", proof_uses=["lemma-ghost"])
    """})
    reg = load_claims([folder])
    assert [str(e) for e in reg.errors] == [f"{pid}/lemma-1: proof edge to unknown claim '{pid}/lemma-ghost'"]


def test_unknown_edge_suggests_the_close_id(claim_folder):
    folder, pid = claim_folder({"a.py": """
        from . import paper
        paper.lemma("lemma-8", "the one meant")
        paper.theorem("theorem-1", "typo in its edge", proof_uses=["lemma-9"])
    """})
    reg = load_claims([folder])
    assert [str(e) for e in reg.errors] == [
        f"{pid}/theorem-1: proof edge to unknown claim '{pid}/lemma-9'; did you mean {pid}/lemma-8?"]
    with pytest.raises(UnknownClaimError, match=f"did you mean {pid}/lemma-8"):
        reg.get(f"{pid}/lemma-9")


def test_cycle_is_named_in_full(claim_folder):
    folder, pid = claim_folder({"a.py": """
        from . import paper
        paper.lemma("lemma-a", "a", proof_uses=["lemma-c"])
        paper.lemma("lemma-b", "b", proof_uses=["lemma-a"])
        paper.lemma("lemma-c", "c", proof_uses=["lemma-b"])
        paper.lemma("lemma-d", "d, outside the cycle", proof_uses=["lemma-a"])
    """})
    reg = load_claims([folder])
    assert len(reg.errors) == 1
    msg = str(reg.errors[0])
    assert "cycle in the lemma graph" in msg
    for x in "abc":
        assert f"{pid}/lemma-{x}" in msg
    assert f"{pid}/lemma-d" not in msg
    assert set(reg.errors[0].claims) == {f"{pid}/lemma-{x}" for x in "abc"}


def test_broken_file_does_not_stop_the_others(claim_folder):
    folder, pid = claim_folder({"good.py": BASIC, "bad.py": "from . import paper\nx = 1 / 0\n"})
    reg = load_claims([folder])
    assert len(reg.errors) == 1
    assert "bad.py:2: cannot import claim file: ZeroDivisionError" in str(reg.errors[0])
    assert f"{pid}/theorem-1" in reg.selected


def test_a_claim_file_calling_sys_exit_is_a_registry_error(claim_folder):
    folder, pid = claim_folder({"good.py": BASIC, "quits.py": "import sys\nsys.exit('no')\n"})
    reg = load_claims([folder])
    assert len(reg.errors) == 1 and "quits.py:2: cannot import claim file: SystemExit: no" in str(reg.errors[0])
    assert f"{pid}/theorem-1" in reg.selected


def test_bad_declarations_raise_named_errors():
    from symflat import Paper
    from symflat.claims import ClaimError

    p = Paper("decl-test")
    with pytest.raises(ClaimError, match="unknown kind 'lema'"):
        p.claim("lema", "lemma-1", "x")
    with pytest.raises(ClaimError, match="lowercase"):
        p.lemma("Lemma_1", "x")
    with pytest.raises(ClaimError, match="unknown status 'maybe'"):
        p.lemma("lemma-2", "x", expect="maybe")
    with pytest.raises(ClaimError, match="paper id"):
        Paper("Bad Paper")


def test_unknown_id_names_the_claim_files_that_failed_to_load(claim_folder):
    folder, pid = claim_folder({"a.py": """
        from . import paper
        paper.lemma("lemma-1", "fine")
    """, "b.py": """
        from . import paper
          paper.lemma("lemma-2", "indented by mistake")
    """})
    with pytest.raises(UnknownClaimError, match=r"failed to load: .*b.py.*IndentationError"):
        load_claims([folder], [f"{pid}/lemma-2"])
