"""Elkabetz & Cohen 2021: the general proofs (z3 decisions, calculus reductions, outlines) reach ``proved``, and the
decided formulas are tested independently: each becomes false when a hypothesis it rests on is dropped, and agrees
with a direct numeric computation (mpmath quadrature, a hand-written derivative, brute-force minimisation)."""

import math
import sys
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from symflat.claims import Context, Status
from symflat.discovery import load_claims
from symflat.precision.decide import decide_formula

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
PKG = PROOFS / "elkabetz_cohen_2021"
sys.path.insert(0, str(PROOFS))

from elkabetz_cohen_2021 import _general as g  # noqa: E402
from elkabetz_cohen_2021._lib import WorstCase  # noqa: E402

P = "elkabetz-cohen-2021"


@pytest.fixture(scope="module")
def registry():
    reg = load_claims([str(PKG)])
    assert not reg.errors, reg.errors
    return reg


@pytest.mark.parametrize("label,check", [
    ("lemma-67", "lemma67_general"), ("lemma-73", "lemma73_general"), ("lemma-75", "lemma75_general"),
    ("lemma-77", "lemma77_general"), ("lemma-78", "lemma78_general"), ("lemma-83", "lemma83_general"),
    ("lemma-84", "lemma84_general"), ("lemma-85", "lemma85_general"), ("lemma-86", "lemma86_general"),
    ("lemma-87", "lemma87_general"), ("proposition-20", "prop20_cases"), ("claim-27", "claim27_scalar_witness"),
    ("claim-28", "claim28_scalar_witness"), ("claim-29", "claim29_scalar_witness"), ("lemma-48", "lemma48_general"),
    ("proposition-6", "prop6_general"), ("lemma-58", "lemma58_general"), ("theorem-15-step", "theorem15_step_general"),
    ("theorem-32-step", "theorem32_step_general"),
])
def test_general_check_is_proved_in_general(registry, label, check):
    claim = registry.get(f"{P}/{label}")
    ev = claim.get_check(check)(Context(claim.id, check, seed=0, dps=30))
    assert ev.status is Status.PROVED, ev.detail
    assert ev.scope == "general"
    assert label == "proposition-6" or ev.data["solver"] == "z3"


def test_outlined_lemmas_name_their_steps(registry):
    assert set(registry.get(f"{P}/lemma-86").outline) >= {f"{P}/lemma-75", f"{P}/lemma-77", f"{P}/lemma-84"}
    assert set(registry.get(f"{P}/proposition-20").outline) >= {f"{P}/lemma-66", f"{P}/lemma-85", f"{P}/lemma-87"}


def test_printed_pieces_match_the_hand_written_derivatives():
    """The SymPy pieces of (25)-(26) differentiate to WorstCase.dphi/dphibar (written separately from the paper)."""
    av, bv, eps = 2.0, 5.0, 0.3
    w = WorstCase(av, bv, eps)
    subs = {g.a: av, g.zc: w.zc, g.zbc: w.zbc, g.rho: w.rho}
    for pieces, ref in ((g.PHI, w.dphi), (g.PHIBAR, w.dphibar)):
        for expr, lo, hi in pieces:
            lo_v = float(sp.sympify(lo).subs(subs))
            hi_v = lo_v + 1.0 if hi is sp.oo else float(sp.sympify(hi).subs(subs))
            for zv in np.linspace(lo_v, hi_v, 7)[1:-1]:
                mine = float(sp.diff(expr, g.z).subs(subs).subs(g.z, zv))
                assert mine == pytest.approx(ref(zv), rel=1e-9, abs=1e-6 * max(1.0, abs(zv)))


def test_lemma67_sign_fails_below_the_start_set():
    """Without z >= rho/2 - 1 (the reflected half of (26)) minus the derivative of the anisotropic piece is negative."""
    (goal, hyp), = g.piece_conditions(g.PHIBAR[:1])
    dropped = [h for h in hyp if not (isinstance(h, sp.GreaterThan) and h.lhs == g.z)]
    assert decide_formula(goal, dropped).status == "refuted"


def test_start_set_inequality_needs_the_size_of_z_c():
    """theta_0 A^2 <= z_c is false without z_c >= 1209 e^24, and holds numerically (factor 19) at b = 3."""
    weak = [h for h in g.START if not (isinstance(h, sp.GreaterThan) and h.lhs == g.zc)]
    assert decide_formula(g.th0 * g.A ** 2 <= g.zc, weak).status == "refuted"
    e12, rho = mp.e ** 12, mp.e ** -12 / 2
    A_max = (2 - 1.5 * rho) / (1 / (2 * e12) + 1 - rho / 2 - 1)     # theta_bar_0 at the bottom of its interval
    assert A_max ** 2 < (3 * mp.e ** 30 + 1) / 10


def test_lemma75_bounds_against_quadrature():
    """t_1 - t_{1-rho} = int dz/g by mpmath lies between the two stated logarithms."""
    with mp.workdps(30):
        for a, rho in ((1, mp.mpf("0.1")), (3, mp.mpf("1e-4")), (mp.mpf("0.5"), mp.e ** -12 / 2)):
            t = mp.quad(lambda z: 1 / (a * z + a * (z - 1) ** 2 / (4 * rho)), [1 - rho, 1])
            assert mp.log((4 + rho) / (4 - 3 * rho)) / a <= t <= mp.log(1 / (1 - rho)) / a


def test_lemma77_ratio_bound_numerically_and_its_step_size_hypothesis():
    """r = ln(1+x)/ln(1+x/2) <= 2 - x/3 on (0, 1/6] (mpmath), while the final polynomial bound fails for large x."""
    for xv in np.linspace(1e-6, 1 / 6, 50):
        assert mp.log(1 + xv) / mp.log(1 + xv / 2) <= 2 - xv / 3
    x, rho = sp.Symbol("x", positive=True), g.rho
    assert decide_formula((1 + x) ** 2 <= (1 + 4 * x) * (1 - rho) * (1 - x / 10), [rho <= x / 10]).status == "refuted"


def test_region_ranges_need_b_at_least_3():
    items = g.range_items("zbc")
    goal, hyp = items[0]
    assert decide_formula(goal, [h for h in hyp if not (isinstance(h, sp.GreaterThan) and h.lhs == g.b)]).status == "refuted"


def test_lemma86_distance_bound_against_brute_force():
    """min over s > 0 of |s(q, 1) - (P, Q)| (closed form: distance to a line) against P(1 - beta)/(2 alpha) at random
    admissible points, and the decided geometry is false without alpha >= 1."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        al, be = 1 + 5 * rng.random(), rng.random()
        q = al * be * rng.random()
        Q = rng.random() * 3 + 0.1
        P = al * Q * (1 + rng.random())
        u = np.array([q, 1.0]) / math.hypot(q, 1.0)
        v = np.array([P, Q])
        dist = np.linalg.norm(v - max(v @ u, 0.0) * u)
        assert dist >= P * (1 - be) / (2 * al) - 1e-12
    s, q, Pq, Qq, al, be = sp.symbols("s q P Q alpha beta", positive=True)
    goal = 4 * al ** 2 * ((s * q - Pq) ** 2 + (s - Qq) ** 2) >= Pq ** 2 * (1 - be) ** 2
    assert decide_formula(goal, [q <= al * be, Pq >= al * Qq, be < 1]).status == "refuted"


def test_scalar_witness_hessian_against_finite_differences():
    """lambda_min of the finite-difference Hessian of l(D w_1 w_2) stays >= -|D| (here -1), and the decided quadratic
    bound is false for |D| > 1 (the slope bound is needed)."""
    rng = np.random.default_rng(1)
    loss = lambda v: math.log1p(math.exp(-v)) if v > -30 else -v  # noqa: E731
    for D in (1.0, 0.2):
        for _ in range(50):
            w = rng.standard_normal(2) * rng.uniform(0.1, 5)
            if D == 0.2:
                w[0] = -abs(w[0])                                    # the leaky side
            f = lambda p: loss(D * p[0] * p[1])  # noqa: E731
            h, H = 1e-4, np.zeros((2, 2))
            for i in range(2):
                for j in range(2):
                    e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
                    H[i, j] = (f(w + e_i + e_j) - f(w + e_i - e_j) - f(w - e_i + e_j) + f(w - e_i - e_j)) / (4 * h * h)
            assert np.linalg.eigvalsh(H)[0] >= -1 - 1e-5
    w1, w2, u1, u2, D, Pp, S = sp.symbols("w1 w2 u1 u2 D P S", real=True)
    quad = S * (D * w2 * u1 + D * w1 * u2) ** 2 + 2 * Pp * D * u1 * u2
    assert decide_formula(quad >= -(u1 ** 2 + u2 ** 2), [D >= -2, D <= 2, Pp >= -1, Pp <= 0, S >= 0]).status == "refuted"


def test_lemma48_needs_the_small_start_and_nu_reaches_w_at_t_b():
    """K <= (3/2) R fails without ||w_{n:1}(0)|| <= 1/5; nu(t) of Lemma 44 (iii) evaluated in floats hits w at t_b."""
    w, nu = sp.Symbol("w", positive=True), sp.Symbol("nu", real=True)
    R = (1 - nu) / (1 + nu)
    assert decide_formula((1 + w) / (1 - w) * R <= sp.Rational(3, 2) * R, [w < 1, nu > -1, nu < 1]).status == "refuted"
    for wv, nv in ((0.2, -0.9), (0.01, 0.0), (0.15, 0.1)):
        Rv = (1 - nv) / (1 + nv)
        tb = 0.5 * math.log((1 + wv) / (1 - wv) * Rv)
        assert 1 - 2 * Rv / (Rv + math.exp(2 * tb)) == pytest.approx(wv, rel=1e-12)


def test_proposition6_construction_on_a_depth4_network_numerically():
    """The general construction at depth 4, widths 2-3-2-2-1, half-square loss: the float Hessian has the Rayleigh
    quotient -c along dtheta (c = 5), so lambda_min <= -5."""
    from symflat.models import DeepNetwork, Points
    from symflat.numeric import hessian

    model = DeepNetwork((2, 3, 2, 2, 1), activation="linear", loss="half_square")
    data = Points([[1.0, 0.0], [0.0, 1.0]], [[1.0], [-1.0]])       # grad phi(0) = -(1/2)(1, -1): G_00 = -1/2
    c, kappa = 5.0, -0.5
    e = lambda m, k, r, q: np.outer(np.eye(m)[r], np.eye(k)[q])  # noqa: E731  (e_r e_q^T, size m x k)
    Ws = [np.zeros((3, 2)), np.zeros((2, 3)), (-c / kappa) * e(2, 2, 0, 0), e(1, 2, 0, 0)]
    dWs = [e(3, 2, 0, 0), e(2, 3, 0, 0), np.zeros((2, 2)), np.zeros((1, 2))]
    th = np.concatenate([W.reshape(-1, order="F") for W in Ws])
    dth = np.concatenate([W.reshape(-1, order="F") for W in dWs])
    H = np.asarray(hessian(model, th, data), dtype=float)
    assert dth @ H @ dth == pytest.approx(-c * (dth @ dth), rel=1e-9)
    assert np.linalg.eigvalsh(H)[0] <= -c + 1e-9


def test_lemma58_reduction_needs_depth_at_least_2_and_matches_t_bar():
    """The decided linear inequality is false for small n (the 3/(2n) coefficients blow up), and at a sample point
    the left side is (t_a + t_c + t_eps) at u_min = w/Q and the right side t_bar w/Q, computed directly in floats."""
    from elkabetz_cohen_2021.section5 import tbar

    n = sp.Symbol("n", positive=True)
    l, a, m, z = sp.symbols("ell a m z", nonnegative=True)
    lhs = sp.Rational(3, 2) / n * (l + a) + sp.Rational(1, 2) * m
    assert decide_formula(lhs <= 2 * n * (2 + l + m + a + z), [n >= sp.Rational(1, 10)]).status == "refuted"
    nv, wv, nuv, eb = 3, 0.1, -0.5, 0.01
    R = (1 - nuv) / (1 + nuv)
    Q = max(1.0, (1.5 * R) ** nv)
    um = wv / Q
    t_sum = 0.5 * math.log(max(5 * R, 1)) + 1.5 / nv * math.log(2 * nv / (3 * um)) + 1.5 * (nv + 1) / nv * math.log(1.2 / math.sqrt(2 * eb))
    assert t_sum / um <= tbar(nv, wv, nuv, eb)
    assert tbar(nv, wv, nuv, eb) * um == pytest.approx(2 * nv * math.log(15 * nv * max(1, R) / (wv * 2 * eb)), rel=1e-12)


def test_theorem15_step_ratio_closed_form_against_the_search_encoding():
    """The closed form 1440 u w^2 e^e n^-2 e^{-2n-11} big^{-3n} A K^2/L^2 equals the first ratio of the precision-engine
    encoding (section5.theorem15_parts, written separately) at sample points, in mpmath, and stays below the reduction's
    bound 0.22."""
    from elkabetz_cohen_2021.section5 import theorem15_parts
    from symflat.precision import MpOps

    ops = MpOps(40)
    for n, wv, nuv, ev, uv in ((2, 0.2, 0.5, 1.0, 1.0), (5, 0.01, -0.9, 1e-3, 0.5)):
        x = {"n": n, "w": mp.mpf(wv), "nu": mp.mpf(nuv), "e": mp.mpf(ev), "u": mp.mpf(uv)}
        r1 = theorem15_parts(x, ops)[0]
        R = (1 - x["nu"]) / (1 + x["nu"])
        big, M = max(1, R), max(1, 1.5 * R)
        L = mp.log(15 * n * big / (x["w"] * x["e"]))
        eta = x["u"] * x["w"] ** 5 * x["e"] / (mp.mpf(n) ** 8.5 * mp.e ** (7 * n + 6) * big ** ((11 * n - 5) / 2)) / L ** 2
        K = 2 * n * M ** n / x["w"] * L + 2 * eta
        closed = 1440 * x["u"] * x["w"] ** 2 * mp.e ** x["e"] * mp.mpf(n) ** -2 * mp.e ** (-2 * n - 11) * big ** (-3 * n) * M ** n * K ** 2 / L ** 2
        assert float(r1) == pytest.approx(float(closed), rel=1e-9)
        assert r1 < 0.22


def test_theorem32_step_needs_lemma_88s_lower_bound_on_w_hat():
    """The k-step 2 L~/a < 3 L is false once ||W_hat|| may fall below 2/3 ||W|| ((88)/(90)); the gap ratio's closed form
    agrees with a direct float evaluation of eB * gap / (eps/2) at a sample point."""
    a, Lt, L = sp.symbols("a Lt L", positive=True)
    assert decide_formula(2 * Lt / a < 3 * L, [a >= sp.Rational(1, 2), Lt < L]).status == "refuted"
    n, w, e, av, R, rh = 3, 0.05, 0.5, 0.8, 4.0, 2.5
    L_ = math.log(23 * n * R / (w * e))
    Lt_ = math.log(15 * n * rh / (av * w * e))
    M = 1.5 * rh
    eps_hat = w ** 8 * e ** 2 / (n ** 15 * math.e ** (12 * n + 6) * R ** (9 * n - 5) * L_ ** 2)
    gap = n ** 1.5 * math.sqrt(eps_hat)
    K = 2 * n * M ** n / (av * w) * Lt_
    eps_K = av * w * e / (15 * n ** 3 * M ** n * K)
    eB = math.e * n ** 2 * (math.e ** 2 * rh) ** (2.5 * (n - 1)) / (av * w) ** 2
    closed = 30 * K * M ** n * w ** 4 * rh ** ((5 * n - 5) / 2) / ((av * w) ** 3 * n * math.e ** (n + 7) * R ** ((9 * n - 5) / 2) * L_)
    assert eB * gap / (eps_K / 2) == pytest.approx(closed, rel=1e-9)
    assert closed <= 0.38
