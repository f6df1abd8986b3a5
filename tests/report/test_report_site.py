"""The site built from a small paper with a two-run ledger: reading order, math, evidence with its
scope, the counterexample and its replay command, the run plot, corrections, impact, figures."""

import re

import pytest

from symflat.claims import Evidence, Paper, Status
from symflat.discovery import Registry
from symflat.graph import lemma_graph, propagate_support
from symflat.report.history import RunPoint, history_svg, load_history
from symflat.report.html import figures_for, write_blueprint
from symflat.runner.ledger import Ledger


@pytest.fixture
def site(tmp_path):
    p = Paper("site-test-2025", title="A test paper", authors="A. Author", year=2025)
    p.definition("def-loss", r"\ell(w) = \tfrac12 \|Xw - y\|^2", where="Sec. 2", eq="1")
    lem = p.lemma("lemma-bound", r"\lambda_{\max}(H) \le 2 \|X\|^2", where="Sec. 3 (Fig. 1)", eq="4", uses=["def-loss"])
    thm = p.theorem("theorem-main", r"\text{GD with } \eta < 2/\lambda \text{ converges}", where="Sec. 3", eq="3",
                    proof_uses=["lemma-bound"], expect="refuted")
    fix = p.theorem("theorem-main-corrected", r"\text{GD with } \eta < 1/\lambda \text{ converges}", where="Sec. 3",
                    proof_uses=["lemma-bound"], corrects="theorem-main")
    for c in (lem, thm, fix):
        c.check(lambda: Evidence.open("placeholder check so the claim is not an axiom"), name="c")
    claims = {c.id: c for c in p.claims}
    runs = [
        {lem.id: Evidence.checked("sampled", slack=0.5, instances=20, cases="20 random X, seed 0"),
         thm.id: Evidence.checked("no violation yet", slack=0.1, instances=5),
         fix.id: Evidence.proved("by the descent lemma")},
        {lem.id: Evidence.checked("sampled", slack=0.25, instances=20, cases="20 random X, seed 0"),
         thm.id: Evidence.refuted("diverges", counterexample={"eta": "3/2", "lambda": "1"}, slack=-0.5),
         fix.id: Evidence.proved("by the descent lemma")},
    ]
    ledger = tmp_path / "ledger.sqlite"
    with Ledger(ledger) as led:
        for found in runs:
            run = led.start_run()
            for cid, ev in found.items():
                led.record(run, claims[cid], "c", ev)
            led.finish_run(run)
    evidence = {cid: [("c", ev)] for cid, ev in runs[-1].items()}
    statuses = {cid: c.own_status([e for _, e in evidence.get(cid, [])]) for cid, c in claims.items()}
    g = lemma_graph(claims)
    support = propagate_support(g, statuses)
    figs = tmp_path / "figures"
    figs.mkdir()
    (figs / "site_test_2025_fig1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    history = load_history(ledger, claims)
    out = tmp_path / "site"
    write_blueprint(Registry(claims=claims), statuses, support, evidence, g, out, history=history, figures_dir=figs)
    return p, out, history


def test_history_has_one_point_per_run_with_the_run_status_and_smallest_slack(site):
    p, _, history = site
    points = history[f"{p.id}/theorem-main"]
    assert [pt.status for pt in points] == [Status.CHECKED, Status.REFUTED]
    assert [pt.slack for pt in points] == [0.1, -0.5]
    svg = history_svg(points)
    assert svg.count("<circle") == 4 and "run 2" in svg  # two status dots, two slack dots


def test_history_svg_of_no_runs_is_empty_and_without_a_ledger_history_is_empty(tmp_path):
    assert history_svg([]) == ""
    assert load_history(tmp_path / "missing.sqlite", {}) == {}
    one = history_svg([RunPoint(1, 0.0, Status.PROVED, None)])
    assert one.count("<circle") == 1 and ">slack<" not in one


def test_paper_page_in_reading_order_with_math_and_evidence(site):
    p, out, _ = site
    page = (out / f"{p.id}.html").read_text()
    ids = re.findall(r'<article class="claim" id="([^"]+)"', page)
    assert ids == ["def-loss", "theorem-main", "theorem-main-corrected", "lemma-bound"]  # Sec. 2; Sec. 3 by eq.
    assert page.count("<math") >= 4 and "\\(" not in page and "A test paper" in page
    card = page[page.index('id="lemma-bound"'):]
    assert "20 instances: 20 random X, seed 0" in card                      # scope of the check
    assert 'href="figures/site_test_2025_fig1.png"' in card                 # Fig. 1 named in where=
    assert (out / "figures" / "site_test_2025_fig1.png").exists()
    thm = page[page.index('id="theorem-main"'):page.index('id="theorem-main-corrected"')]
    assert "&#34;3/2&#34;" in thm or '"3/2"' in thm
    assert f"symflat search {p.id}/theorem-main --replay" in thm
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="history"' in thm
    assert f'href="{p.id}.html#theorem-main-corrected"' in thm              # corrected by, as a link
    assert re.search(r"If this fails, 0|If this fails", thm) is None         # nothing uses theorem-main
    lemma = page[page.index('id="lemma-bound"'):]
    assert "If this fails, 2 claims fall" in lemma


def test_index_totals_corrections_and_impact(site):
    p, out, _ = site
    index = (out / "index.html").read_text()
    row = re.search(r"<tr><td><a href=\"%s.html\">.*?</tr>" % p.id, index, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # proved, certified, cited, checked, open, refuted, then decided in general / on instances
    assert cells == ["1", "", "1", "1", "", "1", "1", "2"]
    corrections = index[index.index('id="refuted"'):index.index('id="impact"')]
    assert "theorem-main</a>" in corrections and "theorem-main-corrected" in corrections
    impact = index[index.index('id="impact"'):index.index('id="all"')]
    first = re.search(r'<tr><td><a href="[^"]+">([^<]+)</a>', impact).group(1)
    assert first == f"{p.id}/def-loss"                                       # 3 claims rest on it


def test_figures_match_by_number_and_by_name(tmp_path):
    p = Paper("fig-test-2024")
    a = p.remark("a", "x", where="Sec. 1 (Fig. 2)")
    b = p.remark("b", "x", where="Sec. 1", figures=["fig_test_2024_fig3.png"])
    p.remark("c", "x", where="Sec. 1")
    for n in (2, 3):
        (tmp_path / f"fig_test_2024_fig{n}.png").write_bytes(b"")
    (tmp_path / "other_paper_fig2.png").write_bytes(b"")
    figs = figures_for(p.id, p.claims, tmp_path)
    assert [(f.path.name, f.claims) for f in figs] == [("fig_test_2024_fig2.png", [a.id]), ("fig_test_2024_fig3.png", [b.id])]
