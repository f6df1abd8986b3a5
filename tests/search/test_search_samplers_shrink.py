"""Samplers (checked against their defining properties), hypothesis strategies, shrinking, drop."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from search_planted_cases import FALSE, cond_bound, opnorm_le_fro, _lemma4
from symflat.precision import InequalityError
from symflat.search import samplers, search, shrink
from symflat.search import strategies as sst


def test_matrix_families_have_their_properties():
    rng = np.random.default_rng(0)
    s = np.linalg.svd(samplers.matrix(rng, (4, 3), "near_singular"), compute_uv=False)
    assert s[-1] < 1e-3 * s[0]
    a = samplers.matrix(rng, (4, 4), "rank_deficient")
    assert np.linalg.matrix_rank(a) < 4
    q = samplers.matrix(rng, (3, 3), "orthogonal")
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)
    s = np.linalg.svd(samplers.matrix(rng, (3, 5), "ill_conditioned"), compute_uv=False)
    assert s[0] / s[-1] > 50
    with pytest.raises(samplers.SamplerError, match="unknown matrix family"):
        samplers.matrix(rng, (2, 2), "wild")


def test_covariance_has_requested_condition_number():
    c = samplers.covariance(np.random.default_rng(1), 4, 1e6)
    np.testing.assert_allclose(c, c.T, atol=1e-15)
    assert abs(np.linalg.cond(c) / 1e6 - 1) < 1e-6
    with pytest.raises(samplers.SamplerError):
        samplers.covariance(np.random.default_rng(1), 3, 0.5)


def test_deep_linear_global_minima_multiply_to_the_target():
    rng = np.random.default_rng(2)
    t = rng.standard_normal((2, 3))
    ws = samplers.deep_linear_global_minimum(rng, [3, 4, 5, 2], t)
    np.testing.assert_allclose(ws[2] @ ws[1] @ ws[0], t, atol=1e-10)
    flat = samplers.deep_linear_global_minimum(rng, [3, 3, 3, 3], rng.standard_normal((3, 3)), flattest=True)
    prod = flat[2] @ flat[1] @ flat[0]
    s_t = np.linalg.svd(prod, compute_uv=False)
    for w in flat:  # eq. 27: every layer has the cube roots of T's singular values
        np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), s_t ** (1 / 3), rtol=1e-10)
    with pytest.raises(samplers.SamplerError, match="d_j >= d_0"):
        samplers.deep_linear_global_minimum(rng, [3, 1, 2], None)


def test_relu_knots_steps_depths():
    rng = np.random.default_rng(3)
    xs = np.array([-1.0, 0.5, 2.0])
    w1, b1, w2, b2 = samplers.relu_knots_near_data(rng, 6, xs, spread=1e-4)
    knots = -b1 / w1
    assert np.all(np.min(np.abs(knots[:, None] - xs[None, :]), axis=1) < 1e-3)
    assert all(1e-3 <= samplers.step_size(rng, 1e-3, 1) <= 1 for _ in range(50))
    assert all(2 <= samplers.depth(rng, 2, 5) <= 5 for _ in range(50))


@settings(max_examples=25, deadline=None)
@given(sst.points(_lemma4()))
def test_lemma4_holds_on_strategy_points(point):
    assert _lemma4().confirm(point, (30, 60)).verdict in ("holds", "tight")


@settings(max_examples=20, deadline=None)
@given(sst.matrices((3, 2)), sst.covariances(3, 1e4))
def test_strategies_draw_valid_objects(a, c):
    assert a.shape == (3, 2) and np.all(np.isfinite(a))
    assert np.linalg.eigvalsh(c).min() > 0 and np.linalg.cond(c) <= 1e4 * (1 + 1e-6)


def test_shrinking_reaches_small_dims_and_simple_rationals():
    ineq = FALSE["cond-without-hypothesis"]()
    res = search(ineq, budget=5, seed=1)
    pt = res.counterexample.point
    assert pt.dims == {"n": 2}
    assert all(Fraction(v).denominator <= 4 for v in pt.params["A"]), pt.params
    assert res.counterexample.shrunk
    # shrink never makes a counterexample more complex, and keeps it a counterexample
    raw = search(ineq, budget=5, seed=1, shrink=False).counterexample
    small = shrink(ineq, raw)
    assert ineq.confirm(small.point).verdict == "violated"
    assert small.point.dims["n"] <= raw.point.dims["n"]


def test_drop_shows_a_hypothesis_is_necessary():
    ineq = cond_bound()
    assert not search(ineq, budget=1.0, seed=0).found
    assert search(ineq.drop("well-conditioned"), budget=5, seed=0).found
    with pytest.raises(InequalityError, match="no hypothesis named"):
        ineq.drop("a2")


def test_search_rejects_bad_budget_and_is_reproducible():
    ineq = opnorm_le_fro((99, 100))
    with pytest.raises(InequalityError, match="budget"):
        search(ineq, budget=0)
    a = search(ineq, budget=3, seed=5, shrink=False, certify=False)
    b = search(ineq, budget=3, seed=5, shrink=False, certify=False)
    assert a.counterexample.point.to_json() == b.counterexample.point.to_json()


def test_evaluation_budget_makes_a_search_reproducible():
    from search_planted_cases import TRUE

    runs = [search(TRUE["submult"](), budget=60, seed=9, max_evaluations=1500) for _ in range(2)]
    assert runs[0].evaluations == runs[1].evaluations == 1500
    assert runs[0].best_objective == runs[1].best_objective
    assert runs[0].best_point.to_json() == runs[1].best_point.to_json()


@settings(max_examples=15, deadline=None)
@given(sst.relu_networks(4, [0.0, 1.0], 1e-3), sst.step_sizes(1e-3, 1.0), sst.depths(2, 5))
def test_relu_step_depth_strategies(net, eta, m):
    w1, b1, w2, b2 = net
    knots = -b1 / w1
    assert np.all(np.min(np.abs(knots[:, None] - np.array([0.0, 1.0])[None, :]), axis=1) < 0.05)
    assert 1e-3 <= eta <= 1.0 + 1e-12 and 2 <= m <= 5


def test_simpler_candidates_are_simpler_and_ordered():
    from symflat.search.shrink import height, simpler

    cands = simpler(-0.000395961)
    heights = [height(c) for c in cands]
    assert heights == sorted(heights) and cands[0] == 0 and cands[1:3] == [1, -1]
    assert Fraction(-4, 10**4) in cands and Fraction(-0.000395961) not in cands
    assert simpler(2) == [0, 1, -1] and simpler(0) == []
