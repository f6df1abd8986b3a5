"""LaTeX to MathML at build time: formulas convert, prose keeps its text, failures stay readable."""

import re

from symflat.report.mathml import formula, prose, statement_html


def test_formula_is_mathml_with_the_symbols_of_the_source():
    out = formula(r"\lambda_{\max}(H) \le \tfrac{2}{\eta}")
    assert out.startswith("<math") and "<mfrac>" in out
    assert "&#x003BB;" in out and "&#x02264;" in out  # lambda and <=, as MathML characters
    assert "\\" not in out


def test_sized_fences_that_the_converter_leaves_as_text_are_retried_without_the_size():
    # latex2mathml keeps "\Big\lceil" as literal text; without the size it is the ceiling bracket
    out = formula(r"k = \Big\lceil \tfrac{n}{2} \Big\rceil")
    assert out.startswith("<math") and "&#x02308;" in out and "&#x02309;" in out
    assert "\\" not in out


def test_a_formula_that_cannot_convert_shows_its_escaped_source():
    out = formula(r"\frac{a<b}{")  # unbalanced brace
    assert out.startswith('<code class="tex-fallback"') and r"\frac{a&lt;b}{" in out


def test_prose_converts_each_delimited_segment_and_escapes_the_text():
    out = prose(r"if $x^2 < 1$ then \(y\) & \[z\] hold")
    assert out.count("<math") == 3 and 'display="block"' in out
    assert "if " in out and " then " in out and " &amp; " in out
    assert "$" not in out and "\\(" not in out


def test_a_statement_without_delimiters_is_one_formula_and_one_with_them_is_prose():
    assert statement_html(r"\text{for all } m:\ \lambda \ge 0").count("<math") == 1
    mixed = statement_html(r"Every minimum with $m \ge 2$ is flat.")
    assert mixed.startswith("Every minimum with <math") and mixed.endswith(" is flat.")


def test_long_statements_break_into_pieces_with_text_as_prose():
    from symflat.report.mathml import pieces

    latex = r"X\in\mathbb{R}^{n},\ y:\ \text{every network } x_\text{in} \mapsto \left(\text{no}\right) \quad z"
    assert pieces(latex) == [("math", r"X\in\mathbb{R}^{n},"), ("space", " "), ("math", r"y:\ "),
                             ("text", "every network "), ("math", r" x_\text{in} \mapsto \left(\text{no}\right) "),
                             ("space", " "), ("math", " z")]
    out = statement_html(latex)
    assert out.count("<math") == 4 and '<span class="prose">every network </span>' in out
    assert "\\" not in re.sub(r"<[^>]+>", "", out)                      # no LaTeX left as visible text
    assert pieces(r"\begin{cases} 1 & \text{if } x \end{cases}") == [("math", r"\begin{cases} 1 & \text{if } x \end{cases}")]
