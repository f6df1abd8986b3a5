"""Jupyter displays: a claim, a paper and a sharpness result render as self-contained HTML."""

import numpy as np

from symflat.claims import Paper
from symflat.numeric.sharpness import SharpnessResult


def test_claim_html_and_latex():
    p = Paper("jupyter-test")
    p.definition("d", r"\ell(w) = w^2")
    c = p.lemma("l", r"\ell''(w) = 2", where="Sec. 1", eq="3", uses=["d"])
    out = c._repr_html_()
    assert "<math" in out and "jupyter-test/l" in out and "Sec. 1, eq. 3" in out and "jupyter-test/d" in out
    assert c._repr_latex_() == r"$\ell''(w) = 2$"
    page = p._repr_html_()
    assert page.count('class="gnode"') == 2 and page.count("<math") == 2 and "Section 1" in page


def test_sharpness_result_html_flags_non_convergence():
    r = SharpnessResult(eigenvalue=4.0, eigenvector=np.ones(2), method="lanczos", requested="auto", which="largest",
                        backend="numpy", residual=1e-3, converged=False, hvps=12, dimension=2, seconds=0.01, note="auto chose lanczos")
    out = r._repr_html_()
    assert "NOT CONVERGED" in out and ">4 (largest)<" in out and "asked: auto" in out and "auto chose lanczos" in out
