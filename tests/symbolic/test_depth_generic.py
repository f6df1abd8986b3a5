"""Depth-generic derivations (symflat.symbolic.depth_generic, scalar_chain_generic) against hand
derivations and explicit computations at fixed depths."""

import itertools
from fractions import Fraction

import pytest
import sympy as sp

from symflat.claims import Status
from symflat.symbolic import depth_generic as D
from symflat.symbolic import scalar_chain_generic as G


def _conditions(proof):
    return {sp.sstr(c.relation) for c in proof.conditions}


# ----------------------------------------------------------------------------- the induction rules

@pytest.mark.parametrize("rule", [D.sum_of_constant, D.product_of_constant, D.log_of_product, D.derivative_of_product,
                                  D.product_of_quotients, D.nonnegative_sum, D.sign_pattern_count, D.am_gm])
def test_rules_hold(rule):
    step = rule()
    assert "every n >= 1" in step.statement


def test_induction_rejects_a_wrong_closed_form():
    n, S = D.n, sp.Symbol("S_n")
    # claim sum_{j<=n} j = n^2: base holds (1 = 1), the step does not
    with pytest.raises(D.DerivationFailed, match="step"):
        D.by_induction("wrong", "sum j = n^2", base=1 - 1**2, step=(S + n + 1).subs(S, n**2) - (n + 1) ** 2)
    with pytest.raises(D.DerivationFailed, match="base"):
        D.by_induction("wrong base", "sum 1 = n + 1", base=1 - 2, step=0)


def test_sign_pattern_count_matches_enumeration():
    """The rule's closed form 2^(n-1) against brute force for n = 1..9."""
    for length in range(1, 10):
        plus = sum(1 for s in itertools.product((1, -1), repeat=length) if sp.prod(s) == 1)
        assert plus == 2 ** (length - 1) == 2**length - plus


def test_a_failing_step_becomes_open_with_the_reason():
    def wrong():
        p = D.DepthProof("wrong")
        p.identity("not an identity", sp.Symbol("x") ** 2, sp.Symbol("x"))
        return p
    ev = D.run(wrong)
    assert ev.status is Status.OPEN and "not an identity" in ev.detail


def test_sign_step_needs_its_assumption():
    p = D.DepthProof("sign")
    r = sp.Symbol("r", real=True)
    with pytest.raises(D.DerivationFailed):
        p.sign("(r-1)^2/r >= 0", (r - 1) ** 2 / r, "nonnegative", assuming={r: ["nonzero"]}, why="")
    p.sign("(r-1)^2/r >= 0", (r - 1) ** 2 / r, "nonnegative", assuming={r: ["positive"]}, why="orthant")
    assert _conditions(p) == {"r > 0"}


# ----------------------------------------------------------------------------- the scalar chain at every depth

def _explicit_hessian(depth):
    w = sp.symbols(f"w1:{depth + 1}", real=True)
    P = sp.Mul(*w)
    loss = G.SY2 - 2 * G.SX2 * G.TAU * P + G.SX2 * P**2
    on_omega = {w[-1]: G.TAU / sp.Mul(*w[:-1])}
    return w, sp.hessian(loss, w).subs(on_omega), on_omega


@pytest.mark.parametrize("depth", [2, 5])
def test_generic_entry_formula_agrees_with_explicit_hessians(depth):
    """The formula the generic proof establishes, 2 sigma^2 tau^2/(w_k w_q), against sympy.hessian at a fixed depth."""
    w, H, on_omega = _explicit_hessian(depth)
    for a, b in itertools.product(range(depth), repeat=2):
        want = (2 * G.SX2 * G.TAU**2 / (w[a] * w[b])).subs(on_omega)
        assert sp.cancel(H[a, b] - want) == 0


def test_eqs_8_to_13_are_proved_for_every_depth_with_their_conditions():
    proofs = {f.__name__: f() for f in G.EQS_8_TO_13}
    ev = D.run(G.top_eigenvalue)
    assert ev.status is Status.PROVED and ev.scope == "general" and "instances" not in ev.data
    # eq. (8) needs only the divisors of its own right-hand side (and two indices)
    assert _conditions(proofs["hessian_entries"]) == {"m >= 2", "Ne(w_k, 0)", "Ne(w_q, 0)"}
    # eq. (9) does not need sigma_x^2 > 0; eq. (10) does (otherwise the one non-zero eigenvalue is the smallest)
    assert "sigma_x2 > 0" not in _conditions(proofs["rank_one_form"])
    assert {"sigma_x2 > 0", "Ne(tau, 0)"} <= _conditions(proofs["top_eigenvalue"])
    assert _conditions(proofs["flattest_set"]) == {"Ne(tau, 0)"}


def test_flattest_sharpness_matches_brute_force_minimum():
    """eq. (13) with |tau| against a direct minimisation of 2 sigma^2 tau^2 sum w^-2 over Omega (m = 3, tau = -8)."""
    import numpy as np
    from scipy.optimize import minimize
    tau, sx2, depth = -8.0, 1.5, 3
    f = lambda x: 2 * sx2 * tau**2 * (np.sum(1 / x**2) + (x[0] * x[1] / tau) ** 2)  # noqa: E731
    best = minimize(f, [1.0, 3.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-12}).fun
    closed = 2 * depth * sx2 * abs(tau) ** (2 * (1 - 1 / depth))
    assert best == pytest.approx(closed, rel=1e-8)
    assert G.flattest_sharpness().conditions


def test_claim_s1_identity_at_a_fixed_depth_and_its_conditions():
    """Hand derivation: k(w1) - k(w2) = 2 sigma^2 tau^2 (S - R)(S + R - 2m), at m = 4 with exact rationals."""
    w1 = [Fraction(1), Fraction(-2), Fraction(3), Fraction(1, 6)]          # tau = -1
    r = [Fraction(2), Fraction(1, 3), Fraction(3, 2), Fraction(1)]          # prod r = 1: w2 in Omega, same orthant
    w2 = [a * b for a, b in zip(w1, r)]
    tau, depth = Fraction(-1), 4

    def curvature(a, b, at):      # (P')^2 at the end `at` of the line a -> b, in units of 2 sigma_x^2
        point = a if at == 0 else b
        d = sum((bi - ai) * sp.prod([x for i2, x in enumerate(point) if i2 != i]) for i, (ai, bi) in enumerate(zip(a, b)))
        return d * d
    S, R = sum(r), sum(1 / x for x in r)
    assert curvature(w1, w2, 0) - curvature(w1, w2, 1) == tau**2 * (S - R) * (S + R - 2 * depth)
    proof = G.line_curvatures()
    assert {"r_j > 0", "sigma_x2 > 0", "Ne(tau, 0)"} <= _conditions(proof)     # tau != 0 suffices, not tau > 0


def test_lemma_2_needs_neither_flattest_w1_nor_one_orthant():
    conds = _conditions(G.reflected_minimum())
    assert conds == {"Ne(w[j], 0)", "Ne(tau, 0)"}


def test_lemma_2_at_zero_target_rests_on_a_positive_semidefinite_hessian():
    """tau = 0: H_kq = 2 sigma_x^2 P_{-k} P_{-q} on Omega; checked against sympy.hessian at m = 4, w = (0, 0, 2, 3)."""
    w = sp.symbols("w1:5", real=True)
    P = sp.Mul(*w)
    H = sp.hessian(G.SY2 + G.SX2 * P**2, w).subs({w[0]: 0, w[1]: 0, w[2]: 2, w[3]: 3})
    assert H.is_zero_matrix                               # two zero weights: flattest, lambda_max = 0
    assert G.reflected_minimum_at_zero_target().conditions
