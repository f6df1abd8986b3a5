"""Mulayoff, Michaeli & Soudry 2021: the paper's mathematics against independent computations
(finite differences of the network and the loss, hand-computed values of g, brute-force Hessians,
numpy re-derivations of the stored counterexamples)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from symflat.claims import Context, Status
from symflat.discovery import load_claims
from symflat.models import Points, ReluOneHidden
from symflat.numeric import sharpness

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
PKG = PROOFS / "mulayoff_michaeli_soudry_2021"
sys.path.insert(0, str(PROOFS))

from mulayoff_michaeli_soudry_2021 import _lib as lib  # noqa: E402

PID = "mulayoff-michaeli-soudry-2021"


def loss(theta, k, xs, ys):
    """(1/2n) sum (f(x_j) - y_j)^2 written out directly (no use of S32)."""
    w1, b1, w2, b2 = theta[:k], theta[k:2 * k], theta[2 * k:3 * k], theta[3 * k]
    f = np.maximum(np.outer(xs, w1) + b1, 0) @ w2 + b2
    return float(np.sum((f - ys) ** 2) / (2 * len(xs)))


def fd_hessian(theta, k, xs, ys, h=1e-4):
    p = theta.size
    E = np.eye(p) * h
    H = np.empty((p, p))
    f = lambda t: loss(t, k, xs, ys)  # noqa: E731
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (f(theta + E[i] + E[j]) - f(theta + E[i] - E[j]) - f(theta - E[i] + E[j]) + f(theta - E[i] - E[j])) / (4 * h * h)
    return H


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_registry_has_every_claim():
    reg = load_claims([str(PKG)])
    assert not reg.errors, reg.errors
    for label in ["definition-network", "definition-loss", "eq-s32", "eq-25", "eq-26", "eq-27", "eq-28", "eq-s81", "eq-s36",
                  "eq-fpp-footnote", "eq-fpp", "definition-g", "eq-g-closed-form", "definition-1", "definition-2", "definition-3",
                  "definition-4", "eq-s54", "eq-s3", "lemma-1", "lemma-1-gd", "lemma-2", "lemma-3", "c-once", "h-mode", "eq-s33",
                  "eq-s35-s37", "eq-s40", "eq-s41", "lemma-4", "theorem-1", "eq-s78-s79", "lemma-5", "lemma-5-modes",
                  "lemma-5-corrected", "eq-s64", "eq-s68", "eq-33", "eq-34-step", "eq-34", "c-pmax", "theorem-2-sub",
                  "theorem-2-supp", "eq-s72-s74", "eq-s75", "eq-s75-corrected", "corollary-1", "eq-s83-s85", "eq-s87", "eq-s88",
                  "eq-s89-s90", "prose-headline", "prose-outside-data", "prose-smoother-with-step", "prose-once-differentiable",
                  "eq-s87-as-printed", "eq-s88-as-printed", "eq-s40-all-neurons", "eq-s40-all-neurons-corrected",
                  "lemma-5-output-bound", "lemma-5-output-bound-repaired", "lemma-5-main-repaired", "lemma-5-repeated-inputs",
                  "lemma-5-repeated-inputs-corrected", "lemma-3-indefinite-modes", "lemma-3-psd-modes", "eq-34-step-corrected",
                  "eq-34-corrected", "remark-lemma-4-any-minimiser"]:
        assert f"{PID}/{label}" in reg.claims, label
    refuted = ["eq-fpp-footnote", "lemma-5", "lemma-5-modes", "eq-s64", "eq-s68", "eq-33", "eq-34-step", "eq-34", "eq-s75",
               "eq-s87-as-printed", "eq-s88-as-printed", "eq-s40-all-neurons", "lemma-5-output-bound", "lemma-5-repeated-inputs",
               "lemma-3-indefinite-modes"]
    for label in refuted:
        assert reg.get(f"{PID}/{label}").expect is Status.REFUTED
    corrected = {reg.claims[c].corrects for c in reg.claims if c.startswith(PID) and reg.claims[c].corrects}
    assert {f"{PID}/{label}" for label in refuted} <= corrected     # every refuted claim has a corrected claim beside it
    assert reg.get(f"{PID}/eq-s75-corrected").corrects == f"{PID}/eq-s75"
    assert reg.get(f"{PID}/lemma-5-corrected").corrects == f"{PID}/lemma-5-modes"
    assert "inequality" in reg.get(f"{PID}/eq-s41").extras


def test_gradient_s32_matches_finite_differences(rng):
    for _ in range(5):
        k = int(rng.integers(1, 6))
        theta, x = lib.random_theta(rng, k), float(rng.standard_normal())
        g = lib.grad_in_pattern(theta, k, x, lib.pattern(theta, k, [x])[0])
        h = 1e-6
        fd = [(lib.output(theta + h * e, k, x) - lib.output(theta - h * e, k, x)) / (2 * h) for e in np.eye(3 * k + 1)]
        assert np.allclose(fd, g, atol=1e-7)


def test_hessian_at_interpolation_is_gram_of_tangent_features(rng):
    """(26): the finite-difference Hessian of the loss itself equals Phi Phi^T / n at y := f(x)."""
    n, k = 4, 3
    theta, xs, ys = lib.random_minimum(rng, n, k)
    P = lib.phi(theta, k, xs)
    H = fd_hessian(theta, k, xs, ys)
    assert np.allclose(H, P @ P.T / n, atol=1e-5)
    # (27): the n x n Gram matrix has the same top eigenvalue, as does the numeric engine's dense Hessian
    lam = np.linalg.eigvalsh(H)[-1]
    assert lib.lam_max_gram(theta, k, xs) == pytest.approx(lam, rel=1e-5)
    dense = sharpness(ReluOneHidden(k), theta, Points(xs[:, None], ys[:, None]), method="dense").eigenvalue
    assert dense == pytest.approx(lam, rel=1e-5)


def test_rescaling_keeps_function_and_congruence_of_hessian(rng):
    n, k = 4, 2
    theta, xs, ys = lib.random_minimum(rng, n, k)
    beta = np.array([0.5, 3.0])
    w1, b1, w2, b2 = lib.split(theta, k)
    tt = lib.join(beta * w1, beta * b1, w2 / beta, b2)
    grid = np.linspace(-5, 5, 101)
    assert np.allclose(lib.outputs(tt, k, grid), lib.outputs(theta, k, grid))
    D = np.diag(np.concatenate([1 / beta, 1 / beta, beta, [1.0]]))
    assert np.allclose(fd_hessian(tt, k, xs, ys), D @ fd_hessian(theta, k, xs, ys) @ D, atol=1e-4)


def test_g_by_hand():
    """Data {0, 1}, t = 1/2: g^+ = (1/2)^2 (1/2) sqrt(2) = sqrt(2)/8, g^- = (1/2)^2 (1/2) 1 = 1/8."""
    xs = [0.0, 1.0]
    assert lib.g_plus(0.5, xs) == pytest.approx(np.sqrt(2) / 8)
    assert lib.g_minus(0.5, xs) == pytest.approx(1 / 8)
    assert lib.g(0.5, xs) == pytest.approx(1 / 8)
    assert lib.g(-0.1, xs) == 0 and lib.g(1.1, xs) == 0 and lib.g(0.0, xs) == 0


def test_dirac_masses_are_jumps_of_the_derivative(rng):
    """f''s mass at each knot = f'(tau+) - f'(tau-) by one-sided difference quotients; the footnote's
    w1 w2 has the wrong sign for left-facing neurons."""
    k = 3
    theta = lib.join([1.5, -2.0, 0.7], [0.3, 1.0, -1.4], [1.0, 0.8, -2.0], 0.1)
    masses = lib.second_derivative_masses(theta, k)
    foot = lib.second_derivative_masses(theta, k, footnote=True)
    h = 1e-7
    for t, c in masses.items():
        jump = (lib.output(theta, k, t + 2 * h) - lib.output(theta, k, t + h)) / h - (lib.output(theta, k, t - h) - lib.output(theta, k, t - 2 * h)) / h
        assert jump == pytest.approx(c, abs=1e-5)
    t_left = -1.0 / -2.0
    assert foot[t_left] == pytest.approx(-masses[t_left])


def test_lemma4_bound_with_independent_hessian(rng):
    """lambda_max of the finite-difference Hessian >= 1 + 2 sum_t |c_t| g(t), g from conditional means."""
    for _ in range(4):
        n, k = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        theta, xs, ys = lib.random_minimum(rng, n, k)
        lam = np.linalg.eigvalsh(fd_hessian(theta, k, xs, ys))[-1]
        bound = 1 + 2 * sum(abs(c) * lib.g(t, list(xs)) for t, c in lib.second_derivative_masses(theta, k).items())
        assert lam >= bound - 1e-5


def test_linearised_gd_threshold(rng):
    """Lemma 1 / its GD converse on the finite-difference Hessian: the linearised GD map contracts
    (weakly) at eta = 1.99/lambda and blows up at eta = 2.02/lambda."""
    theta, xs, ys = lib.random_minimum(rng, 4, 2)
    H = fd_hessian(theta, 2, xs, ys)
    w, V = np.linalg.eigh(H)
    for f, grows in ((1.99, False), (2.02, True)):
        v = V[:, -1] * 1e-3 + 1e-3 * rng.standard_normal(len(w))
        r0 = np.linalg.norm(v)
        for _ in range(2000):
            v = v - f / w[-1] * H @ v
        assert (np.linalg.norm(v) > 10 * r0) == grows


def test_lemma5_counterexample_recomputed():
    """k = 1, x = (-3/4, 0), theta = (5/2, 0, -3, -2): tangent columns typed in by hand."""
    off = np.array([[0, 0, 0, 1], [0, 0, 0, 1]], dtype=float).T
    on = np.array([[0, 0, 0, 1], [0, -3, 0, 1]], dtype=float).T
    H_off, H_on = off @ off.T / 2, on @ on.T / 2
    w, V = np.linalg.eigh(H_on)
    lam, q = w[-1], V[:, -1]
    assert lam == pytest.approx((11 + np.sqrt(85)) / 4)
    lhs = np.linalg.norm(H_off @ q - lam * q)
    rhs = np.sqrt(3) * 1 * (np.sqrt(lam) + 1) * np.sqrt(1 / 2)
    assert lhs > rhs + 0.9


def test_lemma5_modes_counterexample_by_brute_force():
    """f = 0 via a neuron with w1 = b1 = 0, w2 = 4 on x = (-3, -5/2, 2, 5/2, 3): enumerate all 32 modes."""
    import itertools

    xs = np.array([-3, -2.5, 2, 2.5, 3])
    n = len(xs)
    Hs = []
    for bits in itertools.product((0, 1), repeat=n):
        P = np.array([[4 * x * b, 4 * b, 0.0, 1.0] for x, b in zip(xs, bits)]).T
        Hs.append(P @ P.T / n)
    C = 12.0
    worst = np.inf
    for H in Hs:
        w, V = np.linalg.eigh(H)
        for Ht in Hs:
            lhs = np.linalg.norm(Ht @ V[:, -1] - w[-1] * V[:, -1])
            rhs = np.sqrt(3) * C * (np.sqrt(w[-1]) + np.sqrt(np.linalg.eigvalsh(Ht)[-1])) * np.sqrt(1 / n)
            worst = min(worst, rhs - lhs)
    assert worst < -3


def test_s75_arithmetic():
    """C = 1, p/n = 1/3, eta = 1: the largest lambda allowed by (S71) is (1 + sqrt 3)^2 > 3 + sqrt 3."""
    lam = (1 + np.sqrt(3)) ** 2
    assert lam == pytest.approx(2 + 2 * np.sqrt(3) * np.sqrt(lam) * np.sqrt(1 / 3))
    printed = 2 + 3 * (1 / 3) + np.sqrt(3 * (1 / 3) * (3 * (1 / 3) + 2))
    corrected = 2 + 6 * (1 / 3) + 2 * np.sqrt(3 * (1 / 3) * (3 * (1 / 3) + 2))
    assert lam > printed + 2 and lam == pytest.approx(corrected)


def test_eq34_fails_when_n_exceeds_12():
    """x = 0..19, one neuron with its knot on x = 19 and w2 = 100: the off mode annihilates the top
    eigenvector of the on mode, so ||H_off q - lambda q|| = lambda ||q - q_4 e4|| ~ lambda > 2 sqrt(3/20) lambda."""
    n = 20
    P_on = np.array([[0, 0, 0, 1]] * (n - 1) + [[1900, 100, 0, 1]], dtype=float).T
    P_off = np.array([[0, 0, 0, 1]] * n, dtype=float).T
    H_on, H_off = P_on @ P_on.T / n, P_off @ P_off.T / n
    w, V = np.linalg.eigh(H_on)
    lam, q = w[-1], V[:, -1]
    assert lam > np.linalg.eigvalsh(H_off)[-1]
    assert np.linalg.norm(H_off @ q - lam * q) > 1.25 * 2 * np.sqrt(3) * lam * np.sqrt(1 / n)


def test_c_is_not_bounded_by_sqrt_lambda():
    P = np.array([[0, 0, 0, 1], [30, 10, 0.5, 1]]).T
    lam = np.linalg.eigvalsh(P @ P.T / 2)[-1]
    assert np.max(np.abs(P)) > np.sqrt(lam)
    assert np.max(np.abs(P)) <= np.linalg.norm(P, 2)


@pytest.mark.parametrize("label", ["eq-fpp-footnote", "lemma-5", "eq-s75", "eq-s68", "eq-34-step", "eq-34", "c-once", "eq-26", "eq-s87",
                                   "eq-s87-as-printed", "eq-s88-as-printed", "eq-s40-all-neurons", "lemma-5-output-bound",
                                   "lemma-5-main-repaired", "eq-34-corrected", "prose-headline",
                                   "lemma-3-indefinite-modes", "lemma-3-psd-modes", "lemma-5-repeated-inputs", "eq-27"])
def test_claim_checks_reach_expectation(label):
    reg = load_claims([str(PKG)])
    claim = reg.get(f"{PID}/{label}")
    found = [c(Context(claim.id, c.name, seed=0, dps=30)) for c in claim.checks]
    status = claim.own_status(found)
    assert claim.meets_expectation(status, any(e.is_error for e in found)), [e.detail for e in found]


@pytest.mark.parametrize("label,check", [("eq-s32", "s32_general"), ("eq-25", "eq25_general"), ("eq-26", "eq26_general"),
                                         ("eq-fpp", "fpp_general"), ("eq-g-closed-form", "g_closed_general"), ("eq-s81", "s81_exact"),
                                         ("eq-27", "eq27_general"), ("c-once", "c_once_general"), ("h-mode", "h_mode_general"),
                                         ("eq-s35-s37", "s35_s37_general"), ("eq-s40", "s40_general"), ("eq-s3", "s3_general")])
def test_general_derivations_are_proved_in_general(label, check):
    """The derivations that hold for every width, sample size and data set give general ``proved`` evidence with no
    instance count; the exact computations beside them stay on their stated instances."""
    reg = load_claims([str(PKG)])
    claim = reg.get(f"{PID}/{label}")
    for c in claim.checks:
        ev = c(Context(claim.id, c.name, seed=0, dps=30))
        if c.name == check:
            assert ev.status is Status.PROVED and ev.scope == "general" and ev.instances is None, ev.detail
        elif ev.status is Status.CERTIFIED:
            assert ev.scope == "instances" and ev.instances > 0 and ev.data.get("cases"), ev.detail



def test_curvature_outside_the_data_leaves_the_hessian_spectrum(rng):
    """prose-outside-data by finite differences of the loss (no use of S32): a neuron facing away from the data with its
    knot left of x_min adds only zero rows and columns to the Hessian at the minimum."""
    k, xs = 2, np.array([-1.0, 0.0, 0.5, 1.5])
    theta = np.array([1.0, -1.0, 0.3, 0.2, 0.7, -1.2, 0.4])
    ys = np.maximum(np.outer(xs, theta[:k]) + theta[k:2 * k], 0) @ theta[2 * k:3 * k] + theta[3 * k]
    big = np.array([1.0, -1.0, -3.0, 0.3, 0.2, -3.0 * 2.0, 0.7, -1.2, 50.0, 0.4])   # extra neuron: 50 relu(-3 (x + 2))
    h_small, h_big = fd_hessian(theta, k, xs, ys), fd_hessian(big, k + 1, xs, ys)
    assert np.allclose(np.linalg.eigvalsh(h_small)[-1], np.linalg.eigvalsh(h_big)[-1], atol=1e-5)
    assert np.allclose(h_big[[2, 5, 8], :], 0, atol=1e-5)


def test_as_printed_counterexamples_by_hand():
    """eq-s87-as-printed: with n = 3k + 1 the parameter-space form q^T (Phi Phi^T / n) q and the Gram form
    ||Phi q||^2 / n differ (finite-difference Hessian, no S32); eq-s88-as-printed: the rescaled objective stays above
    its infimum for every beta tried; eq-s40-all-neurons: the w1 = 0 neuron's left side is 0 < g(0)."""
    k, xs = 1, np.array([1.0, 2.0, 3.0, 4.0])
    theta = np.array([1.0, 0.0, 1.0, 0.0])
    ys = np.maximum(xs, 0)
    H = fd_hessian(theta, k, xs, ys)
    assert abs(H[0, 0] - 7.5) < 1e-4                  # q = e_1 in parameter space
    gram_form = np.sum(np.array([1.0, 1.0, 1.0, 1.0]) ** 2) / 4   # column of Phi for sample 1: (x w2, w2, x w1 + b1, 1) = (1, 1, 1, 1)
    assert abs(gram_form - 1.0) < 1e-12
    q = np.array([2.0, -1.0]) / np.sqrt(5)
    x2 = np.array([1.0, 2.0])
    values = []
    for b in np.logspace(-1, 4, 30):
        cols = np.stack([x2 / b, np.ones(2) / b, b * x2, np.ones(2)])
        values.append(np.sum((cols @ q) ** 2) / 2)
    inf = (q.sum()) ** 2 / 2
    assert min(values) > inf and min(values) - inf < 1e-8
    assert lib.g(0.0, [-1.0, 1.0]) == pytest.approx(np.sqrt(2) / 4)   # while the left side of (S40) is 0


def test_lemma3_needs_psd_modes_by_simulation():
    """lemma-3-indefinite-modes: plain GD on L = |t1^2 - t2^2| / 2 (gradient by central differences, no mode algebra) at
    eta = 2 = 2/lambda_upper leaves the unit ball from (0.8, 0.6) in one step and keeps growing."""
    L = lambda t: abs(t[0] ** 2 - t[1] ** 2) / 2  # noqa: E731
    th, h = np.array([0.8, 0.6]), 1e-7
    norms = []
    for _ in range(4):
        g = np.array([(L(th + h * e) - L(th - h * e)) / (2 * h) for e in np.eye(2)])
        th = th - 2.0 * g
        norms.append(np.linalg.norm(th))
    assert norms[0] > 1.9 and norms[-1] > norms[0]
