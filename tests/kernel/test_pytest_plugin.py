"""``pytest --symflat`` collects claims as items and fails those that miss their expectation."""

import textwrap

pytest_plugins = ["pytester"]


def test_claims_become_test_items(pytester):
    pkg = pytester.mkpydir("plugdemo")
    (pkg / "__init__.py").write_text("from symflat import Paper\npaper = Paper('plug-demo')\n")
    (pkg / "claims.py").write_text(textwrap.dedent("""
        from symflat import Evidence
        from . import paper

        @paper.lemma("lemma-good", "true")
        def good(ctx):
            return Evidence.proved("ok")

        @paper.lemma("lemma-bad", "false")
        def bad(ctx):
            return Evidence.refuted("counterexample", counterexample={"x": 1})

        @paper.lemma("lemma-known-erratum", "false as printed", expect="refuted")
        def erratum(ctx):
            return Evidence.refuted("counterexample", counterexample={"x": 2})

        @paper.lemma("lemma-ghost-edge", "uses a missing claim", proof_uses=["lemma-missing"])
        def ghost(ctx):
            return Evidence.proved("ok")
    """))
    (pkg / "_helpers.py").write_text("raise RuntimeError('not a claim file')\n")
    result = pytester.runpytest("--symflat", "plugdemo", "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*plug-demo/lemma-good PASSED*", "*plug-demo/lemma-bad FAILED*",
                                 "*plug-demo/lemma-known-erratum PASSED*", "*plug-demo/lemma-ghost-edge FAILED*",
                                 "*proof edge to unknown claim*"])


def test_without_the_flag_nothing_is_collected(pytester):
    pkg = pytester.mkpydir("plugquiet")
    (pkg / "claims.py").write_text("raise RuntimeError('must not be imported')\n")
    result = pytester.runpytest("plugquiet", "-p", "no:cacheprovider")
    assert result.ret == 5  # no tests collected
