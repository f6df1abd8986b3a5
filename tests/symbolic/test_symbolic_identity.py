"""The identity prover on true identities and on planted false ones."""

import pytest
import sympy as sp

from symflat.claims import Status
from symflat.symbolic import SymbolicError, prove_equal, prove_zero
from symflat.symbolic.identity import degree_bound

x, y, z = sp.symbols("x y z", real=True)
t = sp.Symbol("t", positive=True)


def test_rational_identities_are_proved_by_cancel():
    r = prove_zero((x**3 - y**3) / (x - y) - (x**2 + x * y + y**2))
    assert r.holds and r.proved and r.method == "cancel"
    assert r.evidence().status is Status.CERTIFIED and r.evidence().instances == 1  # one size, unless told
    assert r.evidence(general=True).status is Status.PROVED and r.evidence(general=True).scope == "general"


def test_trig_identity_is_proved_by_simplify_or_checked_at_points():
    e = sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1 + 0 * y
    assert prove_zero(sp.sin(2 * x) - 2 * sp.sin(x) * sp.cos(x)).method == "simplify"
    r = prove_zero(sp.sin(x + y) - sp.sin(x) * sp.cos(y) - sp.cos(x) * sp.sin(y), max_ops=0)
    assert r.holds and not r.proved and r.method == "high-precision-points"
    assert r.evidence().status is Status.CHECKED and r.evidence().data["dps"] == 60
    assert prove_zero(e).holds


def test_large_polynomial_identity_by_exact_points_with_schwartz_zippel_bound():
    lhs = (x + y - z) ** 9
    r = prove_equal(lhs, sp.expand(lhs), max_ops=0, points=4)
    assert r.holds and r.method == "random-rational-points" and r.points == 4
    assert 0 < r.failure_bound <= (9 / 2**31) ** 4
    ev = r.evidence(seed=0)
    assert ev.status is Status.CHECKED and ev.data["seed"] == 0


def test_algebraic_constants_are_decided_exactly():
    assert prove_zero(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)), max_ops=0).proved
    near = sp.sqrt(2) - sp.Rational(14142135623730951, 10**16)  # |near| ~ 5e-17
    r = prove_zero(near, max_ops=0)
    assert not r.holds and r.evidence().status is Status.REFUTED
    assert prove_zero(sp.sqrt(t) * sp.sqrt(4 * t) - 2 * t).proved  # positivity assumption respected


@pytest.mark.parametrize("lhs, planted", [
    ((x + y) ** 8, sp.expand((x + y) ** 8) + x**3 * y**5 / 10**9),
    ((x - 2 * y) ** 6, sp.expand((x - 2 * y) ** 6) - 1),
    ((x + y) / (x - y), (x**2 + 2 * x * y + y**2) / (x**2 - y**2) + z / 10**6),
])
def test_planted_false_identities_are_refuted_with_a_valid_counterexample(lhs, planted):
    for max_ops in (400, 0):  # decided by cancel + point search, and by points alone
        r = prove_equal(lhs, planted, max_ops=max_ops)
        assert not r.holds and r.evidence().status is Status.REFUTED
        point = {sp.Symbol(k, real=True): sp.Rational(v) for k, v in r.counterexample.items()}
        value = (lhs - planted).xreplace(point)
        assert value != 0 and value == sp.Rational(r.value)


def test_matrix_identities_entrywise():
    A = sp.Matrix([[x, y], [y, z]])
    r = prove_equal(A * A.T, (A.T * A).T)
    assert r.proved and r.entries == 4
    bad = A * A
    bad[1, 0] += sp.Rational(1, 10**12)
    r = prove_equal(A * A.T, bad)
    assert not r.holds and r.entry == (1, 0)
    with pytest.raises(SymbolicError, match="shapes differ"):
        prove_equal(A, sp.Matrix([x]))


def test_undefined_points_are_skipped_and_bad_arguments_rejected():
    assert prove_zero((x**2 - 1) / (x - 1) - x - 1, max_ops=0).holds
    with pytest.raises(SymbolicError, match="points"):
        prove_zero(x, points=0)


def test_degree_bound():
    assert degree_bound((x + y) ** 3 * z) == (4, 0)
    assert degree_bound(1 / (x - y) + z) == (2, 1)
    assert degree_bound(sp.sqrt(x)) is None
