"""Scalar chain fast path (Mulayoff & Michaeli 2020, eq. 6-10), closed forms (eq. 12-13), the
KKT solution of eq. 11, and the bench comparison against naive SymPy."""

import argparse

import numpy as np
import pytest
import sympy as sp

from symflat.bench import symbolic as bench
from symflat.models import Moments, Points, ScalarChain
from symflat.symbolic import (
    NotAMinimumError,
    SymbolicError,
    chain_at_minimum,
    chain_hessian,
    chain_minimum,
    derive,
    generic_minimum,
    kkt_points,
    minimisers,
    prove_equal,
    random_rational,
    scalar_widest_minima,
    scalar_widest_sharpness,
)

sx, tau = sp.Symbol("sigma_x", positive=True), sp.Symbol("tau", positive=True)


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_chain_hessian_equals_differentiation(m):
    a, b = sp.symbols("a b", positive=True)
    d = derive(ScalarChain(m), Moments([[a]], [[b]]))
    assert prove_equal(chain_hessian(d.params.vector, a, b), d.hessian()).proved


def test_chain_hessian_at_rational_points_with_zeros():
    rng = np.random.default_rng(0)
    d = derive(ScalarChain(4), Moments([[3]], [[2]]))
    for w in ([0, 1, 2, 3], [random_rational(rng) for _ in range(4)]):
        assert (chain_hessian(w, 3, 2) - d.at(w)).is_zero_matrix


@pytest.mark.parametrize("m", [2, 3, 6])
def test_hessian_at_generic_minimum_is_rank_one(m):
    """Eq. 8-10 at a symbolic point of Omega: H = 2 sigma^2 tau^2 z z^T, top eigenpair (lambda, z)."""
    w = generic_minimum(m, tau)
    res = chain_at_minimum(w, sx**2, sx**2 * tau)
    d = derive(ScalarChain(m), Moments([[sx**2]], [[sx**2 * tau]]))
    H = d.at(list(w))
    assert prove_equal(H, res.hessian()).proved
    z = sp.Matrix([1 / x for x in w])
    assert prove_equal(res.hessian(), 2 * sx**2 * tau**2 * z * z.T).proved
    assert prove_equal(H * res.eigenvector, res.top_eigenvalue * res.eigenvector).proved
    assert prove_equal(res.top_eigenvalue, 2 * sx**2 * tau**2 * sum(1 / x**2 for x in w)).proved
    assert res.eigenvalues()[0] == m - 1
    valley = res.valley_directions()
    assert len(valley) == m - 1 and sp.Matrix.hstack(res.eigenvector, *valley).rank() == m
    assert all(prove_equal(H * u, sp.zeros(m, 1)).holds for u in valley)


def test_rank_one_spectrum_against_sympy_eigenvals():
    w = generic_minimum(3, tau)
    res = chain_at_minimum(w, sx**2, sx**2 * tau)
    eig = res.hessian().eigenvals()
    nonzero = [e for e in eig if sp.simplify(e) != 0]
    assert len(nonzero) == 1 and sp.simplify(nonzero[0] - res.top_eigenvalue) == 0


def test_chain_minimum_from_model_and_points():
    data = Points([[1], [2]], [3, 6])  # sigma_x^2 = 5/2, sigma_xy = 15/2, tau = 3
    res = chain_minimum(ScalarChain(3), data, [1, -1, -3])
    assert res.tau == 3 and res.top_eigenvalue == 2 * sp.Rational(5, 2) * (9 + 9 + 1)
    with pytest.raises(SymbolicError, match="depth 3"):
        chain_minimum(ScalarChain(3), data, [1, 3])
    with pytest.raises(SymbolicError, match="1x1"):
        chain_minimum(ScalarChain(2), Points([[1, 2]], [1]), [1, 1])


def test_off_minimum_point_is_rejected():
    with pytest.raises(NotAMinimumError, match="not a global minimum"):
        chain_at_minimum([1, 2, 3], 1, 5)
    with pytest.raises(SymbolicError, match="positive integer"):
        generic_minimum(0)


@pytest.mark.parametrize("m, t", [(2, tau), (3, 8), (4, 16), (3, -27), (3, tau)])
def test_kkt_of_eq11_gives_exactly_the_set_of_eq12(m, t):
    w = sp.symbols(f"w1:{m + 1}", real=True)
    points = kkt_points(sum(1 / x**2 for x in w), w, [sp.Mul(*w) - t])
    found = {tuple(p.values[x] for x in w) for p in points}
    assert found == set(scalar_widest_minima(m, t))
    assert len(found) == 2 ** (m - 1)
    best = minimisers(points)
    assert len(best) == len(points)  # every stationary point attains the minimum of eq. 11
    value = m / sp.Abs(sp.sympify(t)) ** sp.Rational(2, m)
    assert sp.simplify(best[0].objective - value) == 0
    # eq. 13: sharpness at these points, from the Hessian eigenvalue (eq. 10)
    s2 = sp.Rational(3, 2)
    res = chain_at_minimum(next(iter(found)), s2, s2 * t)
    assert sp.simplify(res.top_eigenvalue - scalar_widest_sharpness(m, s2, t)) == 0


def test_kkt_with_inequality_constraints():
    x, y = sp.symbols("x y", real=True)
    (p,) = kkt_points(x**2 + y**2, [x, y], inequalities=[1 - x - y])
    assert p.values == {x: sp.Rational(1, 2), y: sp.Rational(1, 2)} and p.multipliers == {"mu1": 1}
    (q,) = kkt_points((x - 2) ** 2 + y**2, [x, y], inequalities=[x - 1, -x - 5])
    assert q.values == {x: 1, y: 0} and q.active == (0,)


def test_kkt_reports_non_isolated_stationary_sets():
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(SymbolicError, match="not finite"):
        kkt_points(x**2, [x, y])
    with pytest.raises(SymbolicError, match="no variables"):
        kkt_points(x**2, [])


def test_bench_rows_agree_and_targets_logic():
    rows = bench.compare((2, 4), timeout=30)
    assert [r["depth"] for r in rows] == [2, 4]
    assert all(r["agree"] is True and r["naive_s"] > 0 and r["fast_s"] > 0 for r in rows)
    assert all(0 < r["naive_hessian_s"] <= r["naive_s"] for r in rows)
    assert bench.targets_met([{"depth": 64, "fast_s": 0.2, "naive_s": None, "ratio": None, "agree": None}])
    assert not bench.targets_met([{"depth": 4, "fast_s": 0.1, "naive_s": 1.0, "ratio": 10.0, "agree": True}])
    assert not bench.targets_met([{"depth": 64, "fast_s": 1.5, "naive_s": None, "ratio": None, "agree": None}])


def test_bench_cli_protocol(capsys):
    parser = argparse.ArgumentParser()
    bench.configure(parser)
    args = parser.parse_args(["--depths", "2,3", "--timeout", "30", "--json", "-"])
    code = bench.run(args)
    out = capsys.readouterr().out
    assert code in (0, 1) and "speed-up" in out and '"depth": 3' in out
    with pytest.raises(ValueError, match="depths"):
        bench._ints("4,x")
