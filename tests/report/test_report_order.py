"""A paper's reading order from where= and eq=, checked against orders written out by hand."""

from symflat.claims import Paper
from symflat.report.order import reading_order, section_of


def test_section_of_reads_main_text_appendices_and_supplements():
    assert section_of("Sec. 4.1.2, Proposition 12")[1] == (4, 1, 2)
    sec, path = section_of("App. B.8")
    assert (sec.part, sec.number, sec.name, path) == (1, 2, "Appendix B", (2, 8))
    sec, path = section_of("supp. VI", roman=True)
    assert (sec.part, sec.number, sec.name) == (1, 6, "Supplement VI")
    assert section_of("ours (corrects S64)") is None


def _labels(groups):
    return [(s.name, [c.label for c in cs]) for s, cs in groups]


def test_sections_then_equations_and_undated_claims_read_where_declared():
    p = Paper("order-test-a")
    p.theorem("thm-app", "T", where="App. A, Theorem 9")
    p.equation("eq-5", "E", where="Sec. 3", eq="5")
    p.lemma("lemma-after-5", "L", where="Sec. 3, Lemma 2")        # no eq: stays after eq-5
    p.remark("ours-note", "R", where="ours")                        # no section: stays after lemma-after-5
    p.equation("eq-2", "E", where="Sec. 3", eq="2")
    p.definition("def-1", "D", where="Sec. 2", eq="1")
    p.equation("eq-s3", "E", where="Sec. 3", eq="S3")               # supplementary numbers after main ones
    assert _labels(reading_order(p.claims)) == [
        ("Section 2", ["def-1"]),
        ("Section 3", ["eq-2", "eq-5", "lemma-after-5", "ours-note", "eq-s3"]),
        ("Appendix A", ["thm-app"]),
    ]


def test_roman_appendices_only_when_the_paper_numbers_them_so():
    letters = Paper("order-test-b")
    letters.lemma("i", "x", where="App. I.13")
    letters.lemma("c", "x", where="App. C")
    assert [c.label for _, cs in reading_order(letters.claims) for c in cs] == ["c", "i"]  # C before I
    roman = Paper("order-test-c")
    roman.lemma("iv", "x", where="App. IV")
    roman.lemma("ii", "x", where="App. II")
    roman.lemma("v", "x", where="App. V.2")
    assert [c.label for _, cs in reading_order(roman.claims) for c in cs] == ["ii", "iv", "v"]
