"""The Inequality object: construction errors, slack conventions, equality cases, the precision
ladder, certification, domains and exact points."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from symflat.precision import (Hypothesis, Inequality, InequalityError, Matrices, Matrix, MpOps, Point, Scalar,
                               Vector, certify)


def amgm(factor=Fraction(1)):
    return Inequality(lambda x, o: (x["a"] + x["b"]) / 2 * o.num(factor), lambda x, o: o.sqrt(x["a"] * x["b"]), ">=",
                      variables=[Scalar("a", lo=0), Scalar("b", lo=0)], name="amgm")


def at(a, b):
    return Point({}, {"a": [a], "b": [b]})


def test_bad_declarations_raise_clear_errors():
    with pytest.raises(InequalityError, match="relation"):
        Inequality(lambda x, o: 0, lambda x, o: 0, "=<")
    with pytest.raises(InequalityError, match="duplicate variable"):
        Inequality(lambda x, o: 0, lambda x, o: 0, variables=[Scalar("a"), Scalar("a")])
    with pytest.raises(InequalityError, match="dimension 'n'"):
        Inequality(lambda x, o: 0, lambda x, o: 0, variables=[Matrix("A", ("n", "n"))])
    with pytest.raises(InequalityError, match="empty domain"):
        Scalar("t", lo=1, hi=0)
    with pytest.raises(InequalityError, match="unknown kind"):
        Matrix("A", (2, 2), kind="unitary")
    with pytest.raises(InequalityError, match="must be square"):
        Inequality(lambda x, o: 0, lambda x, o: 0, variables=[Matrix("S", (2, 3), "psd")])
    ineq = amgm()
    with pytest.raises(InequalityError, match="no hypothesis named"):
        ineq.drop("a2")
    with pytest.raises(InequalityError, match="missing variables"):
        ineq.evaluate({"a": 1}, 30)
    with pytest.raises(InequalityError, match="malformed stored point"):
        Point.from_json({"dims": {}})


def test_slack_sign_conventions_against_direct_computation():
    ev = amgm().evaluate(at(1, 2), 40)
    with mpmath.workdps(40):
        assert abs(ev.slack - (mpmath.mpf(3) / 2 - mpmath.sqrt(2))) < mpmath.mpf(10) ** -38
    assert ev.verdict == "holds"
    le = Inequality(lambda x, o: o.sqrt(x["a"] * x["b"]), lambda x, o: (x["a"] + x["b"]) / 2, "<=",
                    variables=[Scalar("a", lo=0), Scalar("b", lo=0)])
    assert abs(le.evaluate(at(1, 2), 40).slack - ev.slack) < mpmath.mpf(10) ** -38


def test_equality_case_is_tight_not_violated():
    ineq = amgm()
    for p in (at(Fraction(1, 3), Fraction(1, 3)), at(0.1, 0.1), at(7, 7)):
        for dps in (30, 60, 120):
            assert ineq.evaluate(p, dps).verdict == "tight"
        assert ineq.confirm(p).verdict == "tight"


def test_tiny_violation_is_seen_only_at_enough_precision_and_confirmed():
    ineq = amgm(Fraction(10**40 - 1, 10**40))  # violated by 1e-40 at a = b = 1
    p = at(1, 1)
    assert ineq.evaluate(p, 30).verdict == "tight"
    assert ineq.evaluate(p, 60).verdict == "violated"
    conf = ineq.confirm(p, (30, 60, 120))
    assert conf.verdict == "violated"
    with mpmath.workdps(120):
        assert abs(conf.slack + mpmath.mpf(10) ** -40) < mpmath.mpf(10) ** -100
    assert ineq.objective(p) == 0.0  # float64 cannot see it at all


def test_rounding_artefact_is_not_confirmed():
    # sqrt(2)^2 - 2 is zero; at low precision rounding makes it look non-zero
    ineq = Inequality(lambda x, o: o.sqrt(x["t"]) * o.sqrt(x["t"]), lambda x, o: x["t"], "<=", variables=[Scalar("t", lo=0)])
    assert ineq.confirm(Point({}, {"t": [2]})).verdict == "tight"


def test_certify_never_trusts_floats():
    ineq = amgm(Fraction(10**30 - 1, 10**30))
    p = at(1, 1)
    lhs, rhs = (1 + 1) / 2 * float(Fraction(10**30 - 1, 10**30)), 1.0
    assert lhs - rhs == 0.0  # float64 says equality (holds)
    cert = certify(ineq, p, dps=50)
    assert cert.status == "refuted" and "-1.00000000000e-30" in cert.enclosure
    assert certify(amgm(), at(1, 2), dps=30).status == "certified"
    eq = certify(amgm(), at(2, 2), dps=30, max_dps=60)
    assert eq.status in ("certified", "inconclusive")  # exact zero ball may certify ">=", never refute
    irr = Inequality(lambda x, o: o.sqrt(x["t"]) * o.sqrt(x["t"]), lambda x, o: x["t"], "<=", variables=[Scalar("t", lo=0)])
    assert certify(irr, Point({}, {"t": [2]}), dps=30, max_dps=120).status == "inconclusive"


def test_hypotheses_and_drop():
    h = Hypothesis("big", lambda x, o: x["t"] - 1)
    ineq = Inequality(lambda x, o: 1, lambda x, o: x["t"], "<=", variables=[Scalar("t")], hypotheses=[h])
    assert ineq.confirm(Point({}, {"t": [0.5]})).verdict == "inadmissible"
    dropped = ineq.drop("paper-x/big")
    assert dropped.hypothesis_names == [] and dropped.confirm(Point({}, {"t": [0.5]})).verdict == "violated"
    assert ineq.objective(Point({}, {"t": [0.5]})) > 1  # infeasible points score above any feasible one


def test_matrix_kinds_decode_into_their_domains_exactly():
    rng = np.random.default_rng(1)
    ineq = Inequality(lambda x, o: 0, lambda x, o: 0, variables=[
        Matrix("Q", (3, 3), "rotation"), Matrix("S", (3, 3), "psd"), Matrix("Y", (3, 3), "symmetric"),
        Matrix("D", (2, 3), "diagonal"), Vector("u", 3, "unit"), Vector("p", 3, "nonnegative")])
    d = {}
    n = sum(k for _, k in ineq.layout(d))
    p = ineq.point(d, rng.standard_normal(n))
    ops = MpOps(50)
    with ops.active():
        x = ineq.values(p, ops)
        q = x["Q"]
        assert max(abs(v) for v in (q.T @ q - ops.eye(3)).ravel()) < mpmath.mpf(10) ** -45
        assert abs(ops.det(q) - 1) < mpmath.mpf(10) ** -45
        assert min(ops.eigvalsh(x["S"])) > -mpmath.mpf(10) ** -40
        assert (x["Y"] == x["Y"].T).all()
        assert x["D"][0, 1] == 0 and x["D"].shape == (2, 3)
        assert abs(ops.norm(x["u"]) - 1) < mpmath.mpf(10) ** -45
        assert all(v >= 0 for v in x["p"])


def test_point_json_round_trip_is_exact():
    p = Point({"n": 2}, {"A": [0.1, Fraction(1, 3), 2]})
    q = Point.from_json(p.to_json())
    assert q.params["A"] == [Fraction(0.1), Fraction(1, 3), Fraction(2)] and q.dims == {"n": 2}


def test_matrices_chain_and_dims_grid():
    ineq = Inequality(lambda x, o: 0, lambda x, o: 0,
                      variables=[Matrices("W", lambda d: [(d["n"], d["n"])] * d["m"])], dims={"m": [1, 2], "n": [3, 1]})
    assert ineq.dims_grid() == [{"m": 1, "n": 1}, {"m": 2, "n": 1}, {"m": 1, "n": 3}, {"m": 2, "n": 3}]
    assert ineq.layout({"m": 2, "n": 3})[0][1] == 18
