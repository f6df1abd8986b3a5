"""The blueprint of the shipped papers in a real browser: headless system Chromium through
Playwright, with every request that is not a local file refused. Screenshots go to tmp dirs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("the system chromium is not installed (Debian package 'chromium')", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
PAPERS = sorted(p.name.replace("_", "-") for p in (ROOT / "proofs").iterdir() if (p / "__init__.py").exists())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("blueprint")
    done = subprocess.run([sys.executable, "-m", "symflat.cli", "report", "proofs", "--html", str(out),
                           "--ledger", str(out / "no-ledger.sqlite")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """``open_page(path) -> page``; records any request that would leave the machine."""
    pages, outside = [], []

    def make(path: Path):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda route: (route.continue_() if route.request.url.startswith("file://")
                                          else (outside.append(route.request.url), route.abort())))
        page.goto(path.as_uri())
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()
    assert outside == [], f"the site asked the network for {outside}"


@pytest.mark.parametrize("paper", PAPERS)
def test_every_claim_has_rendered_math_and_a_graph_node(site, open_page, paper, tmp_path):
    page = open_page(site / f"{paper}.html")
    cards = page.eval_on_selector_all("article.claim", "els => els.map(e => e.dataset.claim)")
    assert cards, "no claim cards"
    nodes = page.eval_on_selector_all("svg.depgraph .gnode", "els => els.map(e => e.dataset.claim)")
    assert sorted(nodes) == sorted(cards)
    without_math = page.eval_on_selector_all(
        "article.claim", "els => els.filter(e => !e.querySelector('.statement math')).map(e => e.id)")
    assert without_math == []
    # MathML is laid out by the browser (it has a size), not shown as markup text
    sizes = page.eval_on_selector_all(
        "article.claim .statement",
        "els => els.map(s => Math.max(...Array.from(s.querySelectorAll('math'), m => m.getBoundingClientRect().height)))")
    assert min(sizes) > 10
    text = page.inner_text("main")
    assert "\\(" not in text and "\\frac" not in text and "\\text" not in text
    statements = page.eval_on_selector_all("article.claim .statement", "els => els.map(e => e.innerText)")
    assert [t for t in statements if "\\" in t] == []                  # no LaTeX source left visible
    page.screenshot(path=str(tmp_path / f"{paper}.png"))


def test_clicking_a_graph_node_brings_its_claim_into_view(site, open_page, tmp_path):
    page = open_page(site / f"{PAPERS[0]}.html")
    last = page.eval_on_selector_all("article.claim", "els => els[els.length - 1].id")
    assert page.evaluate(f"document.getElementById('{last}').getBoundingClientRect().top") > 900  # below the fold
    page.click(f"#node-{last}")
    page.wait_for_function(f"location.hash === '#{last}'")
    page.wait_for_timeout(100)
    top, bottom = page.eval_on_selector(f"[id='{last}']", "e => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]")
    assert 0 <= top < 900 and bottom > 0
    assert "here" in page.get_attribute(f"#node-{last}", "class")
    page.screenshot(path=str(tmp_path / "after-click.png"))


def test_filter_by_status_and_kind_hides_exactly_the_others(site, open_page, tmp_path):
    page = open_page(site / f"{PAPERS[0]}.html")
    statuses = page.eval_on_selector_all("article.claim", "els => els.map(e => e.dataset.status)")
    shown_status = statuses[0]
    for box in page.query_selector_all('form.filter input[name="status"]'):
        if box.get_attribute("value") != shown_status:
            box.uncheck()
    visible = page.eval_on_selector_all("article.claim", "els => els.filter(e => !e.hidden).map(e => e.dataset.status)")
    assert visible and set(visible) == {shown_status} and len(visible) == statuses.count(shown_status)
    dimmed = page.eval_on_selector_all("svg.depgraph .gnode.dim", "els => els.map(e => e.dataset.status)")
    assert len(dimmed) == len(statuses) - len(visible) and shown_status not in dimmed
    assert page.inner_text("form.filter .count") == f"showing {len(visible)} of {len(statuses)}"
    for box in page.query_selector_all('form.filter input[name="status"]'):
        box.check()
    page.select_option('form.filter select[name="kind"]', "definition")
    kinds = page.eval_on_selector_all("article.claim", "els => els.filter(e => !e.hidden).map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {"definition"}
    page.screenshot(path=str(tmp_path / "filtered.png"), full_page=False)


def test_index_lists_every_paper_and_filters_by_paper(site, open_page, tmp_path):
    page = open_page(site / "index.html")
    rows = page.eval_on_selector_all("tr.claim-row", "els => els.map(e => e.dataset.paper)")
    assert sorted(set(rows)) == PAPERS
    page.select_option('form.filter select[name="paper"]', PAPERS[-1])
    visible = page.eval_on_selector_all("tr.claim-row", "els => els.filter(e => !e.hidden).map(e => e.dataset.paper)")
    assert visible and set(visible) == {PAPERS[-1]} and len(visible) == rows.count(PAPERS[-1])
    page.screenshot(path=str(tmp_path / "index.png"))
