"""Section 5 of Elkabetz & Cohen 2021 (with App. F and the proof of Theorem 15 in App. I.13):
balanced initialisation (19), Procedure 13, the whitened least-squares loss (20), gradient flow
(Proposition 14) and its translation to gradient descent (Theorem 15, Corollary 18)."""

import math

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.numeric.objective import layer_product
from symflat.precision import Inequality, Scalar
from symflat.search import search_check

from . import _lib as lib
from . import paper

balanced = paper.definition(
    "eq-19", r"W_{j+1}^\top W_{j+1} = W_jW_j^\top,\ j = 1..n-1 \text{ (balanced initialisation)}",
    where="Sec. 5", eq="19", uses=["eq-8"],
)

procedure13 = paper.definition(
    "procedure-13",
    r"A\sim\mathcal P \text{ on } \mathbb{R}^{d_n\times d_0},\ A = U\Sigma V^\top;\ W_n\simeq U\Sigma^{1/n},\ W_j\simeq\Sigma^{1/n}\ (1<j<n),\ "
    r"W_1\simeq\Sigma^{1/n}V^\top \text{ (zero padding)}",
    where="Sec. 5, Procedure 13", uses=["eq-19"],
)

whitened = paper.assumption(
    "assumption-whitened",
    r"\sigma(z)=z,\ d_n = 1,\ \ell(\hat y,y) = \tfrac12(\hat y-y)^2,\ \Lambda_{xx} = \tfrac1{|S|}\sum_ix_ix_i^\top = I,\ "
    r"\|\Lambda_{yx}\|_F = 1,\ \Lambda_{yx} = \tfrac1{|S|}\sum_iy_ix_i^\top",
    where="Sec. 5", uses=["eq-9"],
)

eq20 = paper.equation(
    "eq-20",
    r"f(\theta) = \tfrac12\|W_{n:1}-\Lambda_{yx}\|_F^2 + c,\ c = \min_q f(q)",
    where="Sec. 5 and App. F", eq="20", uses=["eq-9", "eq-10", "assumption-whitened"], hypotheses=["assumption-whitened"],
)


@eq20.check
def eq20_symbolic():
    """App. F: (1/|S|) sum (W x_i - y_i)^2 / 2 = W Lambda_xx W^T / 2 - Lambda_yx W^T + mean(y^2)/2 for symbolic W,
    x_i, y_i (|S| = 3, d_0 = 2); with Lambda_xx = I it is ||W - Lambda_yx||^2/2 + c, c = (mean y^2 - ||Lambda_yx||^2)/2
    >= 0 (Cauchy-Schwarz), attained at W = Lambda_yx."""
    from symflat.symbolic import prove_zero

    N, d = 3, 2
    X = sp.Matrix(N, d, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    y = sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"y{i}", real=True))
    W = sp.Matrix(1, d, lambda _, j: sp.Symbol(f"w{j}", real=True))
    f = sum(((W * X[i, :].T)[0, 0] - y[i]) ** 2 for i in range(N)) / (2 * N)
    Lxx, Lyx = X.T * X / N, y.T * X / N
    rhs = (W * Lxx * W.T)[0, 0] / 2 - (Lyx * W.T)[0, 0] + sum(v ** 2 for v in y) / (2 * N)
    bad = lib.not_zero(prove_zero(sp.expand(f - rhs)), "the expansion of the loss")
    if bad:
        return bad
    white = (W * W.T)[0, 0] / 2 - (Lyx * W.T)[0, 0] + sum(v ** 2 for v in y) / (2 * N)
    form = ((W - Lyx) * (W - Lyx).T)[0, 0] / 2 + (sum(v ** 2 for v in y) / N - (Lyx * Lyx.T)[0, 0]) / 2
    bad = lib.not_zero(prove_zero(sp.expand(white - form)), "the completed square")
    if bad:
        return bad
    return Evidence.certified("the loss equals (1/2) W Lambda_xx W^T - Lambda_yx W^T + const identically, and with Lambda_xx = I "
                              "it is (1/2)||W - Lambda_yx||^2 + c", method="sympy expand", instances=1,
                              cases="|S| = 3 symbolic examples, d_0 = 2, symbolic W")


@eq20.check
def eq20_general():
    """Symbolic sample count N and widths: (9) is (1/2N)||W_{n:1} X - Y||_F^2 = (1/2)||W_{n:1} - Lambda_yx||_F^2 + c once
    X X^T = N I (Lambda_xx = I); c is the minimum because W_{n:1} = Lambda_yx (d_n = 1) is reached, for every depth, by
    W_1 = e_1 Lambda_yx, W_j = e_j e_(j-1)^T, W_n = e_(n-1)^T with unit vectors e_j (W_{j:1} = e_j Lambda_yx by induction)."""
    from symflat.symbolic.matrix_calculus import GeneralProof, LayerChain, MatPoly, Relation, Rules, check_equal, matrix
    ch = LayerChain("W", "n", ("j",), room_above=1)
    n, j = ch.depth, ch["j"]
    N = sp.Symbol("N", integer=True, positive=True)
    X, Y, P = matrix("X", ch.d[0], N), matrix("Y", ch.d[n], N), ch.product()
    Lyx = (Y @ X.T).scale(1 / N)
    white = Rules([Relation.of(X @ X.T, MatPoly.identity(ch.d[0]).scale(N), "Lambda_xx = I")])
    loss = ((P @ X - Y) @ (P @ X - Y).T).trace().scale(1 / (2 * N))
    c = (Y @ Y.T).trace().scale(1 / (2 * N)) - (Lyx @ Lyx.T).trace().scale(sp.Rational(1, 2))
    proof = GeneralProof("eq. (20)", standard=("cyclic trace",), hypotheses=("assumption-whitened",))
    square = ((P - Lyx) @ (P - Lyx).T).trace().scale(sp.Rational(1, 2)) + c
    proof.add(check_equal("f = ||W_{n:1} - Lambda_yx||^2 / 2 + c", loss, square, white))
    e = lambda k: matrix(f"e_{{{k}}}", ch.d[k], 1)  # noqa: E731  unit vectors
    row = matrix("Lambda_yx", 1, ch.d[0])
    rules = Rules([Relation.of(ch.layer(1), e(1) @ row, "W_1 = e_1 Lambda_yx"),
                   Relation.of(ch.layer(j + 1), e(j + 1) @ e(j).T, "W_(j+1) = e_(j+1) e_j^T"),
                   Relation.of(e(j).T @ e(j), MatPoly.identity(1), "|e_j| = 1")])
    proof.add(check_equal("base: W_{1:1} = e_1 Lambda_yx", ch.layer(1), e(1) @ row, rules))
    proof.add(check_equal("step: W_(j+1) e_j Lambda_yx = e_(j+1) Lambda_yx", ch.layer(j + 1) @ e(j) @ row, e(j + 1) @ row, rules))
    last = Rules([Relation.of(e(n - 1).T @ e(n - 1), MatPoly.identity(1), "|e_(n-1)| = 1")])
    proof.add(check_equal("end: W_n W_{n-1:1} = e_(n-1)^T e_(n-1) Lambda_yx = Lambda_yx", e(n - 1).T @ e(n - 1) @ row, row, last))
    return proof.evidence("for every depth n, widths and sample count: f = (1/2)||W_{n:1} - Lambda_yx||^2 + c at symbolic size "
                          "using only X X^T = N I; f >= c with equality at W_{n:1} = Lambda_yx, which W_1 = e_1 Lambda_yx, "
                          "W_j = e_j e_(j-1)^T (1 < j < n), W_n = e_(n-1)^T reach (W_{j:1} = e_j Lambda_yx by induction on j), "
                          "so c = min f")


def whitened_problem(rng, N, d0):
    """Points with Lambda_xx = I exactly (X = sqrt(N) Q) and Lambda_yx a unit row vector."""
    from symflat.models import Points

    Q, _ = np.linalg.qr(rng.standard_normal((N, d0)))
    X = math.sqrt(N) * Q
    u = rng.standard_normal(d0)
    u /= np.linalg.norm(u)
    noise = rng.standard_normal(N)
    noise -= Q @ (Q.T @ noise)
    y = X @ u + 0.3 * noise
    return Points(X, y.reshape(-1, 1)), u, float(np.mean(y ** 2) / 2 - 0.5)


def procedure13_init(dims, A):
    """Procedure 13 for a 1 x d0 matrix A: W_n = [s^(1/n), 0..], W_j = s^(1/n) e_1 e_1^T, W_1 = s^(1/n) e_1 v^T."""
    n = len(dims) - 1
    U, S, Vt = np.linalg.svd(np.atleast_2d(A), full_matrices=False)
    r = S[0] ** (1.0 / n)
    Ws = [np.zeros((dims[j + 1], dims[j])) for j in range(n)]
    Ws[0][0, :] = r * Vt[0]
    for j in range(1, n - 1):
        Ws[j][0, 0] = r
    Ws[-1][0, 0] = U[0, 0] * r
    return Ws


def init_with(rng, dims, u, norm, nu):
    """A balanced initial point with ||W_{n:1}|| = norm and cosine nu with Lambda_yx = u."""
    d0 = dims[0]
    v = rng.standard_normal(d0)
    v -= (v @ u) * u
    v /= np.linalg.norm(v)
    A = norm * (nu * u + math.sqrt(1 - nu ** 2) * v)
    return procedure13_init(dims, A.reshape(1, -1))


def tbar(n, norm, nu, eps_bar):
    r = (1 - nu) / (1 + nu)
    return 2 * n * max(1.0, 1.5 * r) ** n / norm * math.log(15 * n * max(1.0, r) / (norm * min(1.0, 2 * eps_bar)))


def eq22_rhs(n, norm, nu, t, eps):
    r = (1 - nu) / (1 + nu)
    return (15 * n ** 3 * max(1.0, 1.5 * r) ** n * t * eps / norm
            + math.log(n ** 2 * (math.e ** 2 * max(1.0, r)) ** (5 * (n - 1) / 2) / norm ** 2))


prop14 = paper.proposition(
    "proposition-14",
    r"\text{(19) at }\theta_s,\ \|W_{n:1,s}\|_F\in(0,0.2],\ \nu\ne-1 \Rightarrow t_e=\infty,\ f(\theta(\bar t)) - \min f\le\bar\epsilon "
    r"\text{ at } \bar t = \tfrac{2n(\max\{1,\frac32\frac{1-\nu}{1+\nu}\})^n}{\|W_{n:1,s}\|_F}\ln\tfrac{15n\max\{1,\frac{1-\nu}{1+\nu}\}}"
    r"{\|W_{n:1,s}\|_F\min\{1,2\bar\epsilon\}};\ \forall t>0,\epsilon\in(0,\tfrac1{2n}]:\ \beta_{t,\epsilon} = 16n,\ \gamma_{t,\epsilon} = 6\sqrt n,\ "
    r"\int_0^tm \le \tfrac{15n^3(\max\{1,\frac32\frac{1-\nu}{1+\nu}\})^nt\epsilon}{\|W_{n:1,s}\|_F} + "
    r"\ln\tfrac{n^2(e^2\max\{1,\frac{1-\nu}{1+\nu}\})^{5(n-1)/2}}{\|W_{n:1,s}\|_F^2},\ m\ge0",
    where="Sec. 5, Proposition 14", eq="21, 22", uses=["eq-20", "eq-19", "eq-5", "theorem-3-corrected"],
    hypotheses=["assumption-whitened"],
    proof_uses=["lemma-37", "lemma-59", "lemma-63", "lemma-65"],
    note="Proof: App. I.12.9 combines Lemmas 37, 59, 63 and 65 (appendix_i12.py encodes Definitions 34-55 and Lemmas "
         "35-65). Uses: the tube, beta, gamma and m are those of Theorem 3, identical in theorem-3-corrected.",
)


@prop14.check
def prop14_flows(ctx):
    """Whitened problems (|S| = 20), balanced Procedure-13 starts with ||W_{n:1,s}|| in {0.05, 0.2} and
    nu in {0.6, -0.5}, n = 2, 3, 4: (i) f(theta(t_bar)) - min f <= eps_bar for eps_bar in {0.1, 1e-3} (checked at
    t_c = min(t_bar, 2000): f is non-increasing along the flow, so f(theta(t_bar)) <= f(theta(t_c)));
    (ii) on the tube of radius eps in {1/(2n), 1e-2} around theta([0, t]), t = min(t_bar(0.1), 400) (any t > 0 is
    allowed): sampled ||H||_2 <= 16n and ||grad f|| <= 6 sqrt(n); (iii) the integral of max(0, sampled -lambda_min)
    over [0, t] <= (22)."""
    from symflat.models import DeepNetwork
    from symflat.numeric import gradient_flow

    rng = ctx.rng
    worst = {"opt": 0.0, "beta": 0.0, "gamma": 0.0, "int": 0.0}
    count = 0
    for dims in [(2, 2, 1), (3, 3, 3, 1), (2, 3, 2, 3, 1)]:
        n = len(dims) - 1
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        for norm, nu in [(0.2, 0.6), (0.05, -0.5)]:
            data, u, fmin = whitened_problem(rng, 20, dims[0])
            w0 = lib.flat(init_with(rng, dims, u, norm, nu))
            for eps_bar in (0.1, 1e-3):
                T = min(tbar(n, norm, nu, eps_bar), 2000.0)
                gf = gradient_flow(model, w0, data, T, t_eval=[0.0, T], rtol=1e-10, atol=1e-12)
                worst["opt"] = max(worst["opt"], (gf.loss[-1] - fmin) / eps_bar)
                count += 1
            T = min(tbar(n, norm, nu, 0.1), 400.0)
            times = np.linspace(0.0, T, 41)
            gf = gradient_flow(model, w0, data, T, t_eval=times, rtol=1e-10, atol=1e-12)
            for eps in (1 / (2 * n), 1e-2):
                beta, gamma, m, _ = lib.tube_estimates(model, data, gf.weights, eps, rng, directions=2)
                _, M = lib.growth_integrals(times, np.maximum(m, 0.0))
                worst["beta"] = max(worst["beta"], beta / (16 * n))
                worst["gamma"] = max(worst["gamma"], gamma / (6 * math.sqrt(n)))
                worst["int"] = max(worst["int"], M[-1] / eq22_rhs(n, norm, nu, T, eps))
                count += 1
    if max(worst.values()) > 1:
        return Evidence.refuted(f"a bound of Proposition 14 fails: ratios {worst}", counterexample=worst)
    return Evidence.checked(
        f"{count} flows/tubes (n = 2, 3, 4): max (f - min)/eps_bar = {worst['opt']:.3e}, max ||H||/(16n) = {worst['beta']:.3f}, "
        f"max ||grad||/(6 sqrt n) = {worst['gamma']:.3f}, max int m / (22) = {worst['int']:.3f}",
        slack=1 - max(worst.values()), instances=count, cases="flows and sampled tubes for n = 2, 3, 4", seed=ctx.seed, method="DOP853 flow + dense Hessians on the tube")


def theorem15_parts(x, ops):
    """The three ratios of theorem-15-step (each must be < 1, resp. <= 1)."""
    n, w, nu, e, u = x["n"], x["w"], x["nu"], x["e"], x["u"]
    r = (1 - nu) / (1 + nu)
    big = ops.max(ops.q(1, 1), r)
    M = ops.max(ops.q(1, 1), ops.q(3, 2) * r)           # the max of (21)
    Mp = M  # (24), (74), (75) print max{1, 3/2, r}; (77) needs the same max as (76): the reading of (21)
    L = ops.log(15 * n * big / (w * e))
    eta23 = ops.pow(w, 5) * e / (ops.pow(ops.q(n, 1), ops.q(17, 2)) * ops.exp(ops.q(7 * n + 6, 1)) * ops.pow(big, ops.q(11 * n - 5, 2))) / (L * L)
    eta = u * eta23
    T = 2 * n * ops.pow(Mp, n) / w * L
    keta = T + 2 * eta
    eps = w * e / (15 * ops.pow(ops.q(n, 1), 3) * ops.pow(Mp, n) * keta)
    B = 15 * ops.pow(ops.q(n, 1), 3) * ops.pow(M, n) * keta * eps / w + ops.log(
        ops.pow(ops.q(n, 1), 2) * ops.pow(ops.exp(ops.q(2, 1)) * big, ops.q(5 * (n - 1), 2)) / (w * w))
    r1 = eta * 16 * n * 6 * ops.sqrt(ops.q(n, 1)) * keta * ops.exp(B) / eps
    r2 = eps * 2 * n
    r3 = (6 * ops.sqrt(ops.q(n, 1)) * eps + e / 2) / e
    return r1, r2, r3


def _theorem15_step():
    """App. I.13: with eta = u * (23) (0 < u <= 1), k eta <= T' + 2 eta (k from (24)), eps from (74), beta = 16n,
    gamma = 6 sqrt(n) and int m bounded by (76), the quantity eta beta gamma k eta e^{int m} / eps is < 1 (this
    gives (79)); also eps < 1/(2n) and 6 sqrt(n) eps + eps~/2 <= eps~. lhs = max of the three ratios."""

    def lhs(x, ops):
        r1, r2, r3 = theorem15_parts(x, ops)
        return ops.max(r1, r2, r3)

    return Inequality(lhs, lambda x, ops: ops.q(1, 1), "<",
                      variables=[Scalar("w", 0, 0.2, lo_open=True), Scalar("nu", -1, 1, lo_open=True, hi_open=True),
                                 Scalar("e", 0, 1, lo_open=True), Scalar("u", 0, 1, lo_open=True)],
                      dims={"n": range(2, 9)}, name="Elkabetz & Cohen Theorem 15, step (23)-(24) => (79)")


theorem15_step_ineq = _theorem15_step()
theorem15_step = paper.equation(
    "theorem-15-step",
    r"\eta\le(23),\ k = (24),\ \epsilon = (74),\ \beta = 16n,\ \gamma = 6\sqrt n,\ \int m\le(76) \Rightarrow "
    r"\eta\,\beta\gamma\,k\eta\,e^{\int_0^{k\eta}m}<\epsilon,\ \epsilon<\tfrac1{2n},\ 6\sqrt n\,\epsilon+\tilde\epsilon/2\le\tilde\epsilon",
    where="App. I.13 (proof of Theorem 15), eq. 74-79", eq="74-79", uses=["proposition-14"],
    inequality=theorem15_step_ineq,
    note="The proof's arithmetic, with k eta replaced by its upper bound T' + 2 eta (the ratio grows with k eta). "
         "(24), (74) and (75) print max{1, 3/2, (1-nu)/(1+nu)} where (21), (77) and (78) have max{1, 3/2 (1-nu)/(1+nu)}; "
         "the equality in (77) needs the same max in (74) and (76), so the reading of (21) is used throughout. "
         "Mixing the two (printed max in k and eps, (21)'s in (76)) breaks the step: n = 7, nu = -0.9999 gives ratio 2.1.",
)
theorem15_step.check(search_check(theorem15_step_ineq, budget=4.0))


#: Rational enclosures of the constants of theorem-15-step's reduction, each checked exactly by SymPy.
_T15_FACTS = [(sp.E, "<=", sp.Rational(27183, 10000)), (sp.exp(-11), "<=", sp.Rational(168, 10 ** 7)),
              ((sp.Rational(27, 8) / sp.E ** 2) ** 2, "<=", sp.Rational(2087, 10 ** 4)), (sp.Rational(27, 8) / sp.E ** 2, "<", 1),
              (sp.Integer(2) ** sp.Rational(17, 2), ">=", 362), (sp.log(150), ">=", 5)]


@theorem15_step.check
def theorem15_step_general():
    """Every depth n >= 2 (real), ||W|| = w in (0, 1/5], nu in (-1, 1), e = min{1, eps~} in (0, 1], eta = u (23), u in
    (0, 1]; big = max{1, R}, M = max{1, 3R/2} <= (3/2) big, A = M^n, L = ln(15 n big/(w e)) >= ln 150 >= 5, T = 2nAL/w,
    k eta = K in [T, T + 2 eta] (from (24)), eps = w e/(15 n^3 A K) ((74) at the actual k eta), B = (76).
    SymPy: eta beta gamma K e^B/eps = 1440 u w^2 e^e n^-2 e^{-2n-11} big^{-3n} A K^2/L^2 identically (symbolic n).
    Decided (z3): 2 eta <= T (eta <= w^5/(362 L^2)), so K <= 2T and the ratio is <= 23040 u e^e e^-11 S with
    S = e^{-2n} A^3 big^{-3n} <= (27/(8e^2))^n <= (27/(8e^2))^2 (A <= (3/2)^n big^n, base < 1, n >= 2); that bound is < 1
    with the enclosures; eps <= w^2 e/(30 n^4 L) (K >= T, A >= 1) gives 2n eps < 1 and 6 sqrt(n) eps <= e/2."""
    from ._general import decide_all

    if not all(bool(sp.Ge(v, q)) if op == ">=" else bool(sp.Le(v, q)) if op == "<=" else bool(sp.Lt(v, q))
               for v, op, q in _T15_FACTS):
        return Evidence.open("a rational enclosure of a constant used by the reduction is wrong")
    n, w, e, u, big, M, L, K = sp.symbols("n w e u big M L K", positive=True)
    A = M ** n
    eta = u * w ** 5 * e / (n ** sp.Rational(17, 2) * sp.exp(7 * n + 6) * big ** ((11 * n - 5) / 2)) / L ** 2
    eps = w * e / (15 * n ** 3 * A * K)
    B = 15 * n ** 3 * A * K * eps / w + sp.log(n ** 2 * (sp.exp(2) * big) ** (sp.Rational(5, 2) * (n - 1)) / w ** 2)
    r1 = eta * 16 * n * 6 * sp.sqrt(n) * K * sp.exp(B) / eps
    target = u * 1440 * w ** 2 * sp.exp(e) * n ** -2 * sp.exp(-2 * n - 11) * big ** (-3 * n) * A * K ** 2 / L ** 2
    q = sp.powsimp(sp.expand_log(sp.expand_power_base(r1 / target, force=True), force=True), force=True)
    if sp.simplify(q) != 1:
        return Evidence.open("the ratio of (79) did not reduce to its closed form symbolically")
    X, Y, S, s_, etav, T = sp.symbols("X Y S s eta T", positive=True)     # e^e, e^-11, S, sqrt(n), eta, T
    Rr = sp.Symbol("R", nonnegative=True)
    base = [n >= 2, w <= sp.Rational(1, 5), e <= 1, L >= 5]
    items = [(2 * etav <= T, base + [etav <= w ** 5 / (362 * L ** 2), T >= 4 * L / w]),
             (23040 * u * X * Y * S < 1, [u <= 1, X <= sp.Rational(27183, 10000), Y <= sp.Rational(168, 10 ** 7),
                                           S <= sp.Rational(2087, 10 ** 4)]),
             (2 * n * w ** 2 * e / (30 * n ** 4 * L) < 1, base),
             (6 * s_ * w ** 2 * e / (30 * n ** 4 * L) <= e / 2, base + [s_ ** 2 == n]),
             (sp.Max(1, sp.Rational(3, 2) * Rr) <= sp.Rational(3, 2) * sp.Max(1, Rr), []),      # M <= (3/2) big
             (15 * n * big / (w * e) >= 150, [n >= 2, w <= sp.Rational(1, 5), e <= 1, big >= 1])]   # L >= ln 150
    return decide_all("theorem-15-step", items,
                      "the ratio of (79) is < 1, 2n eps < 1 and 6 sqrt(n) eps + eps~/2 <= eps~ for every depth n >= 2, "
                      "start, eps~ and eta <= (23), k eta anywhere in [T', T' + 2 eta]: SymPy closed form of the ratio "
                      "(symbolic n) and four decided inequalities with exact constant enclosures")


T15_HEAD = (
    r"\text{Prop. 14's conditions at }\theta_0,\ \eta\le\tfrac{\|W_{n:1,0}\|_F^5\min\{1,\tilde\epsilon\}}{n^{17/2}e^{7n+6}"
    r"(\max\{1,\frac{1-\nu}{1+\nu}\})^{(11n-5)/2}}\ln\!\big(\tfrac{15n\max\{1,\frac{1-\nu}{1+\nu}\}}{\|W_{n:1,0}\|_F\min\{1,\tilde\epsilon\}}\big)^{-2}"
    r"\Rightarrow f(\theta_k)-\min f\le\tilde\epsilon,\ k = \Big\lceil\tfrac{2n(%s)^n}{\|W_{n:1,0}\|_F\eta}"
    r"\ln\tfrac{15n\max\{1,\frac{1-\nu}{1+\nu}\}}{\|W_{n:1,0}\|_F\min\{1,\tilde\epsilon\}}+1\Big\rceil"
)

theorem15 = paper.theorem(
    "theorem-15", T15_HEAD % r"\max\{1,\frac32,\frac{1-\nu}{1+\nu}\}",
    where="Sec. 5, Theorem 15", eq="23, 24", uses=["eq-6", "eq-20", "proposition-14"], hypotheses=["assumption-whitened"],
    proof_uses=["proposition-14", "theorem-3-corrected", "theorem-15-step", "lemma-43"],
    note="Encoded as printed: (24) has max{1, 3/2, (1-nu)/(1+nu)}. With it the proof's 'k eta >= t_bar' fails "
         "(remark-eq-24-as-printed), but the theorem still holds on the grid checked: t_bar of (21) is far above the "
         "time the flow actually needs (Lemma 59: at least 20x), and the exact end-to-end trajectory is eps~/2-optimal "
         "by k eta. The reading with (21)'s max is theorem-15-read-with-21. The step size (23) is 1e-17 or smaller "
         "already for n = 2, so the theorem cannot be run as stated.",
)


def _chain_at(n, w, nu, e, printed):
    """k eta (k of (24), eta = (23)) and the three ratios of App. I.13's chain at that k eta, with eps of (74) and the
    bound (76) both taken with (21)'s max (valid choices for Proposition 14): each ratio must be < 1 (<= 1 the last)."""
    import mpmath as mp

    with mp.workdps(200):
        ke, _ = k_eta(n, w, nu, e, printed)
        w, nu, e = mp.mpf(w), mp.mpf(nu), min(mp.mpf(1), mp.mpf(e))
        r = (1 - nu) / (1 + nu)
        big, M = max(mp.mpf(1), r), max(mp.mpf(1), mp.mpf(3) / 2 * r)
        L = mp.log(15 * n * big / (w * e))
        eta = w ** 5 * e / (mp.mpf(n) ** mp.mpf(8.5) * mp.e ** (7 * n + 6) * big ** ((11 * n - 5) / mp.mpf(2))) / L ** 2
        eps = w * e / (15 * mp.mpf(n) ** 3 * M ** n * ke)
        B = 15 * mp.mpf(n) ** 3 * M ** n * ke * eps / w + mp.log(mp.mpf(n) ** 2 * (mp.e ** 2 * big) ** (mp.mpf(5 * (n - 1)) / 2) / w ** 2)
        return ke, (eta * 16 * n * 6 * mp.sqrt(n) * ke * mp.exp(B) / eps, 2 * n * eps, (6 * mp.sqrt(n) * eps + e / 2) / e)


@theorem15.check
def theorem15_as_printed():
    """With k of (24) as printed and eta = (23): (i) the exact end-to-end trajectory (closed form, Lemma 43) first
    reaches (1/2)||w_{n:1} - lambda||^2 = eps~/2 at a flow time xi(tau*) <= k eta, so f(theta(k eta)) - min f <= eps~/2
    (the flow is monotone); (ii) at that k eta the chain of App. I.13 closes (Theorem 3 corrected with beta = 16n,
    gamma = 6 sqrt(n) and (76)), so ||theta_k - theta(k eta)|| <= eps and f(theta_k) - min f <= 6 sqrt(n) eps + eps~/2
    <= eps~. Grid: n = 2..6, ||W|| in {0.2, 0.05, 1e-3}, nu in {0.99, 0, -0.9, -0.99}, eps~ in {1, 1e-2, 1e-6}."""
    worst, count, loosest = math.inf, 0, math.inf
    for n in range(2, 7):
        for w in (0.2, 0.05, 1e-3):
            for nu in (0.99, 0.0, -0.9, -0.99):
                e2e = lib.EndToEnd(n, w, nu, dps=None)
                for eps_t in (1.0, 1e-2, 1e-6):
                    ke, ratios = _chain_at(n, w, nu, eps_t, printed=True)
                    lo, hi = 0.0, 1.0
                    while e2e.distance(hi) ** 2 / 2 > eps_t / 2:
                        hi *= 2
                    for _ in range(60):
                        mid = (lo + hi) / 2
                        lo, hi = (mid, hi) if e2e.distance(mid) ** 2 / 2 > eps_t / 2 else (lo, mid)
                    need = e2e.xi(hi)
                    worst = min(worst, 1 - need / float(ke), *(1 - float(x) for x in ratios))
                    loosest = min(loosest, float(ke) / need)
                    count += 1
    if worst < 0:
        return Evidence.refuted(f"Theorem 15 as printed fails on the grid (margin {worst:.3e})")
    return Evidence.checked(f"{count} parameter points: the flow is eps~/2-optimal by k eta (k eta / time needed >= "
                            f"{loosest:.1f}) and the chain closes (min margin {worst:.3e})", slack=float(worst), instances=count,
                            cases="n = 2..6, ||W|| in {0.2, 0.05, 1e-3}, nu in {0.99, 0, -0.9, -0.99}, eps~ in {1, 1e-2, 1e-6}",
                            method="closed-form trajectory (float64) + mpmath 200 digits for k eta and the chain")


theorem15_read = paper.theorem(
    "theorem-15-read-with-21", T15_HEAD % r"\max\{1,\frac32\frac{1-\nu}{1+\nu}\}",
    where="Sec. 5, Theorem 15 with (24) read with the max of (21)", eq="23, 24", uses=["eq-6", "eq-20", "proposition-14"],
    hypotheses=["assumption-whitened"], proof_uses=["proposition-14", "theorem-3-corrected", "theorem-15-step"],
    corrects="remark-eq-24-as-printed",
    note="The reading under which App. I.13's proof goes through verbatim (k eta >= t_bar); a larger k than printed. "
         "Its check certifies the proof's own arithmetic (theorem-15-step) on which, with Proposition 14, it rests.",
)


def k_eta(n, w, nu, e, printed):
    """k eta for k of (24) and the largest eta of (23), in mpmath (200 digits: eta / t_bar can be 1e-100); ``printed``
    uses max{1, 3/2, r}."""
    import mpmath as mp

    with mp.workdps(200):
        w, nu, e = mp.mpf(w), mp.mpf(nu), mp.mpf(e)
        r = (1 - nu) / (1 + nu)
        big = max(mp.mpf(1), r)
        M = max(mp.mpf(1), mp.mpf(3) / 2, r) if printed else max(mp.mpf(1), mp.mpf(3) / 2 * r)
        L = mp.log(15 * n * big / (w * min(1, e)))
        eta = w ** 5 * min(1, e) / (mp.mpf(n) ** mp.mpf(8.5) * mp.e ** (7 * n + 6) * big ** ((11 * n - 5) / mp.mpf(2))) / L ** 2
        k = mp.ceil(2 * n * M ** n / (w * eta) * L + 1)
        tb = 2 * n * max(mp.mpf(1), mp.mpf(3) / 2 * r) ** n / w * mp.log(15 * n * big / (w * min(1, e)))
        return k * eta, tb


@theorem15_read.check
def theorem15_consistency(ctx):
    """For n = 2..6 and a grid of (||W||, nu, eps~): with eta the largest step of (23) and k from (24) (read with the
    max of (21)), k eta >= t_bar of (21) at eps_bar = eps~/2, so the flow is eps_bar-optimal at time k eta (Prop. 14);
    mpmath, 200 digits."""
    bad, count = [], 0
    for n in range(2, 7):
        for w in (0.2, 0.05, 1e-3):
            for nu in (0.99, 0.0, -0.9):
                for e in (1.0, 1e-2, 1e-6):
                    ke, tb = k_eta(n, w, nu, e, printed=False)
                    if not ke >= tb:
                        bad.append((n, w, nu, e))
                    count += 1
    if bad:
        return Evidence.refuted(f"k eta < t_bar at {bad[:3]}")
    return Evidence.checked(f"{count} parameter points: (24) gives k eta >= t_bar of (21) with eps_bar = eps~/2; "
                            "the remaining step (79) is theorem-15-step", instances=count, cases="grid over n, ||W||, nu, eps~ (200 digits)", method="mpmath 200 digits")


eq24_printed = paper.remark(
    "remark-eq-24-as-printed",
    r"k \text{ of (24) with } \max\{1,\tfrac32,\tfrac{1-\nu}{1+\nu}\} \text{ (as printed) satisfies } k\eta\ge\bar t \text{ of (21)}",
    where="Sec. 5, eq. 24; App. I.13, eq. 74-75 ('k = floor(t_bar/eta + 1)')", uses=["theorem-15", "proposition-14"],
    expect="refuted",
    note="Typo: with the comma, the max is (1-nu)/(1+nu) instead of 3/2 (1-nu)/(1+nu) once nu < -1/5, so k eta falls "
         "short of t_bar by a factor up to (3/2)^n and the proof's 'k eta >= t_bar' fails. Theorem 15 as printed still "
         "holds on the grid of its check (t_bar is loose); theorem-15-read-with-21 is the reading the proof needs.",
)


@eq24_printed.check
def eq24_printed_counterexample():
    """n = 2, ||W_{n:1,0}|| = 1/5, nu = -9/10, eps~ = 1 (mpmath, 200 digits)."""
    ke, tb = k_eta(2, "0.2", "-0.9", 1, printed=True)
    if ke < tb:
        return Evidence.refuted(f"k eta = {float(ke):.6g} < t_bar = {float(tb):.6g}", method="mpmath 200 digits",
                                counterexample={"n": 2, "norm": "1/5", "nu": "-9/10", "eps": 1, "k_eta": str(ke), "t_bar": str(tb)})
    return Evidence.open(f"k eta = {float(ke):.6g} >= t_bar = {float(tb):.6g}: the printed max did not fail here")


remark17 = paper.remark(
    "remark-17",
    r"\text{for } d_0 = \dots = d_n = 1, \text{ exponential dependence of the iteration count on } n \text{ is unavoidable}",
    where="Sec. 5, Remark 17", uses=["theorem-15"], cite="Shamir (2019)",
)

corollary18 = paper.corollary(
    "corollary-18",
    r"\text{GD from Procedure 13 with continuous }\mathcal P,\ \Pr[\|A\|_F\le0.2]=1,\ d_0\ge2:\ \text{a.s., } \forall\tilde\epsilon>0,\ "
    r"\eta \text{ as in (23)} \Rightarrow f(\theta_k)-\min f\le\tilde\epsilon \text{ with } k \text{ of (24)}",
    where="Sec. 5, Corollary 18", uses=["procedure-13", "theorem-15"], proof_uses=["theorem-15", "procedure-13"],
)


@corollary18.check
def corollary18_init(ctx):
    """The proof's claim that Procedure 13 meets Theorem 15's conditions: 400 draws of A uniform in the Frobenius
    ball of radius 0.2 (d_0 = 2, 3; depth 2-5): balanced to 1e-12, W_{n:1} = A, 0 < ||A|| <= 0.2, nu > -1."""
    rng = ctx.rng
    worst_bal = worst_e2e = 0.0
    min_gap = np.inf
    count = 0
    for dims in [(2, 3, 1), (3, 3, 3, 1), (2, 2, 4, 3, 2, 1)]:
        u = rng.standard_normal(dims[0])
        u /= np.linalg.norm(u)
        for _ in range(134):
            A = rng.standard_normal((1, dims[0]))
            A *= 0.2 * rng.uniform() ** (1 / dims[0]) / np.linalg.norm(A)
            Ws = procedure13_init(dims, A)
            for j in range(len(Ws) - 1):
                worst_bal = max(worst_bal, float(np.max(np.abs(Ws[j + 1].T @ Ws[j + 1] - Ws[j] @ Ws[j].T))))
            E = layer_product(Ws, 1, len(Ws), dims[0])
            worst_e2e = max(worst_e2e, float(np.max(np.abs(E - A))))
            nu = float(A[0] @ u / np.linalg.norm(A))
            min_gap = min(min_gap, nu + 1)
            count += 1
    if worst_bal > 1e-12 or worst_e2e > 1e-12 or not min_gap > 0:
        return Evidence.refuted(f"Procedure 13 failed: balance {worst_bal:.1e}, end-to-end {worst_e2e:.1e}, 1+nu {min_gap:.1e}")
    return Evidence.checked(f"{count} draws: balance error {worst_bal:.1e}, |W_(n:1) - A| <= {worst_e2e:.1e}, min(1 + nu) = {min_gap:.2e}",
                            instances=count, cases="random Procedure-13 draws", seed=ctx.seed, method="float64")
