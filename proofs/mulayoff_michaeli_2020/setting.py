"""Sec. 2 (problem setting, eqs. 1-5), the assumptions A1-A2 of Sec. 4, App. I (linear stability)
and Lemma 1 with its proof in App. II."""

from __future__ import annotations

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.models import DeepLinear, Moments
from symflat.numeric import get_backend, gradient_flow
from symflat.numeric import minimum_set as NM
from symflat.numeric.objective import layer_product, pack, unpack
from symflat.symbolic import minimum_set as OM
from symflat.symbolic.exact import rational_orthogonal

from . import paper
from . import _linear as L

# ----------------------------------------------------------------------------- definitions, Sec. 2

eq1 = paper.definition(
    "eq-1", r"f_{\mathbf w}(x)=\mathbf W_m\mathbf W_{m-1}\cdots\mathbf W_1x,\quad \mathbf w=\operatorname{vec}([\mathbf W_1,\dots,\mathbf W_m])\in\mathbb R^N,\ N=\sum_j d_jd_{j-1}",
    where="Sec. 2", eq="1", note="vec is column-major; d_0 = d_x, d_m = d_y.")

eq2 = paper.definition(
    "eq-2", r"\ell(\mathbf w)=\hat{\mathbb E}\big[\|y-f_{\mathbf w}(x)\|^2\big]", where="Sec. 2", eq="2", uses=["eq-1"])

full_rank = paper.assumption(
    "full-rank", r"\hat\Sigma_x=\hat{\mathbb E}[xx^T]\ \text{is full rank}", where="Sec. 2",
    note="Stated in the text of Sec. 2 (not numbered); every later result assumes it.")

eq14 = paper.definition(
    "eq-14", r"\prod_{j=q}^k\mathbf W_j\triangleq\mathbf W_k\mathbf W_{k-1}\cdots\mathbf W_q,\ \ \prod_{j=q}^{k}\mathbf W_j=\mathbf I\ (q>k)",
    where="Sec. 4", eq="14")

a1 = paper.assumption(
    "a1", r"\min_i d_i\ \ge\ \min\{d_x,d_y\}", where="Sec. 4 (also Sec. 2)", uses=["eq-1"],
    note="Capacity: the network can implement every linear map R^{d_x} -> R^{d_y}.")

a2 = paper.assumption("a2", r"\hat\Sigma_x=\mathbf I", where="Sec. 4", note="White data.")

eq5 = paper.definition(
    "eq-5", r"\Omega_0=\operatorname*{argmin}_{\mathbf w\in\Omega}\lambda_{\max}(\mathbf H_{\mathbf w})", where="Sec. 2", eq="5",
    uses=["eq-4"], note="H_w is the Hessian of l at w; lambda_max(H_w) is the sharpness of a minimum.")


@paper.remark(
    "remark-flat-directions", r"\hat\Sigma_x\ \text{singular}\ \Rightarrow\ \exists\,\tilde{\mathbf w}\neq0:\ \ell(\mathbf w+\alpha\tilde{\mathbf w})=\ell(\mathbf w)\ \ \forall\mathbf w,\alpha",
    where="Sec. 2", uses=["eq-2"],
    note="The paper's reason for assuming full rank. The direction changes W_1 by D with D Sigma_x = 0.")
def flat_directions_exact():
    """Symbolic: data on an arbitrary line through 0 in R^2 (x_i = t_i p, p = (p1, p2), three samples, targets, weights
    all symbolic) has singular Sigma_x; moving W_1 along D = e (-p2, p1) leaves the loss unchanged identically."""
    a = sp.Symbol("alpha", real=True)
    p1, p2 = sp.symbols("p1 p2", real=True)
    W1 = sp.Matrix(2, 2, sp.symbols("a1:5", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("b1:5", real=True))
    e = sp.Matrix(2, 1, sp.symbols("e1:3", real=True))
    D = e * sp.Matrix([[-p2, p1]])                          # D x = 0 for every x on the line
    samples = [(t * sp.Matrix([p1, p2]), sp.Matrix(2, 1, sp.symbols(f"y{i}_1:3", real=True)))
               for i, t in enumerate(sp.symbols("t1:4", real=True))]

    def loss(W):
        return sum(((y - W2 * W * x).T * (y - W2 * W * x))[0] for x, y in samples)

    if sp.expand(loss(W1 + a * D) - loss(W1)) != 0:
        return Evidence.refuted("loss changed along the null direction")
    return Evidence.certified("symbolic: for every 2-d data set on a line through 0 (three samples, all coordinates, "
                           "targets and weights symbolic), loss(W1 + alpha D, W2) = loss(W1, W2) identically, "
                           "D = e (-p2, p1)", instances=1, cases="d_x = d_y = 2, m = 2, three samples on a line",
                           method="sympy")


@flat_directions_exact.check
def flat_directions_every_size():
    """Every depth, width and data set (matrix-calculus engine, symbolic sizes): with W_{m:2} the product of the
    other layers, l(W_{m:2} (W_1 + alpha D)) - l(W_{m:2} W_1) = 0 under D Sigma_x = 0 and Sigma_yx D^T = 0."""
    from symflat.symbolic.matrix_calculus.algebra import MatPoly, Relation, Rules
    from symflat.symbolic.matrix_calculus.networks import matrix

    dx, dy, d1 = sp.symbols("d_x d_y d_1", positive=True, integer=True)
    alpha = sp.Symbol("alpha", real=True)
    W1, Q, D = matrix("W_1", d1, dx), matrix("W_{m:2}", dy, d1), matrix("D", d1, dx)
    Sx, Syx = matrix("Sigma_x", dx, dx, symmetric=True), matrix("Sigma_yx", dy, dx)
    Sy = matrix("Sigma_y", dy, dy, symmetric=True)
    loss = lambda P: Sy.trace() - (P @ Syx.T).trace().scale(2) + (P @ Sx @ P.T).trace()  # noqa: E731
    change = loss(Q @ (W1 + D.scale(alpha))) - loss(Q @ W1)
    rules = Rules([Relation.of(D @ Sx, MatPoly(d1, dx), "D Sigma_x = 0"),
                   Relation.of(Syx @ D.T, MatPoly(dy, d1), "Sigma_yx D^T = 0")])
    if not change.is_zero(rules):
        return Evidence.open("matrix-calculus normal form did not reach 0", reason=str(change.normal(rules)))
    return Evidence.proved("for every depth and all sizes: the loss change along D in layer 1 is 0 given D Sigma_x = 0 and "
                           "Sigma_yx D^T = 0. Both hold for D = e v^T with Sigma_x v = 0: D Sigma_x D^T = mean ||D x_i||^2 = 0 "
                           "forces D x_i = 0, so Sigma_yx D^T = mean y_i (D x_i)^T = 0. General: symbolic sizes and depth",
                           method="symflat.symbolic.matrix_calculus normal form")


@paper.equation(
    "eq-3", r"\mathbf T=\hat\Sigma_{yx}\hat\Sigma_x^{-1}\ \text{is the unique minimising end-to-end map}",
    where="Sec. 2", eq="3", uses=["eq-2"], hypotheses=["full-rank"])
def eq3_completing_square():
    """l = tr(Sy) - 2tr(A Syx^T) + tr(A Sx A^T) equals l(T) + tr((A-T) Sx (A-T)^T) identically (A, Sx, Syx symbolic)."""
    A = sp.Matrix(2, 2, sp.symbols("p1:5", real=True))
    s11, s12, s22 = sp.symbols("s11 s12 s22", real=True)
    Sx = sp.Matrix([[s11, s12], [s12, s22]])
    Syx = sp.Matrix(2, 2, sp.symbols("c1:5", real=True))
    Sy = sp.Matrix(2, 2, sp.symbols("e1:5", real=True))
    loss = lambda P: (Sy - 2 * P * Syx.T + P * Sx * P.T).trace()  # noqa: E731
    T = Syx * Sx.inv()
    diff = loss(A) - loss(T) - ((A - T) * Sx * (A - T).T).trace()
    if sp.simplify(sp.together(diff)) != 0:
        return Evidence.refuted("completing the square fails")
    return Evidence.certified("symbolic 2x2 (all moments symbolic): l(A) = l(T) + tr((A-T) Sigma_x (A-T)^T); with Sigma_x "
                           "positive definite the second term is > 0 unless A = T", instances=1, cases="d_x = d_y = 2",
                           method="sympy")


@paper.equation(
    "eq-4", r"\Omega=\{\mathbf w\in\mathbb R^N:\mathbf W_m\mathbf W_{m-1}\cdots\mathbf W_1=\mathbf T\}", where="Sec. 2", eq="4",
    uses=["eq-1", "eq-3"], proof_uses=["eq-3"], hypotheses=["full-rank", "a1"],
    note="Without A1 (a bottleneck narrower than rank T) this set is empty and the global minima are elsewhere.")
def eq4_nonempty_under_a1(ctx):
    """Exact: under A1 the construction (27) lies in the set for several shapes; without A1 rank T > min d_j
    makes the set empty (rank argument)."""
    rng = ctx.rng
    shapes = [[2, 2, 2], [2, 3, 2], [3, 2, 2], [2, 3, 4, 3], [3, 3, 3, 3]]
    for dims in shapes:
        dx, dy, m = dims[0], dims[-1], len(dims) - 1
        if min(dims) < min(dx, dy):
            continue
        U, V = rational_orthogonal(rng, dy).T, rational_orthogonal(rng, dx).T
        roots = [sp.Rational(k + 2, 2) for k in range(min(dx, dy))][::-1]
        Ws = OM.canonical_minimum(U, roots, V, dims)
        if layer_product(Ws, 1, m, dx) != OM.target(U, roots, V, m):
            return Evidence.refuted(f"construction (27) misses T for dims {dims}")
    bottleneck = [2, 1, 2]
    T = OM.target(rational_orthogonal(rng, 2).T, [sp.Integer(2), sp.Integer(1)], rational_orthogonal(rng, 2).T, 2)
    if T.rank() <= min(bottleneck):
        return Evidence.refuted("bottleneck example is not rank-deficient as intended")
    return Evidence.certified(f"exact rational points of Omega exist for dims {shapes} (eq. 27); for dims {bottleneck} "
                           f"(A1 fails) rank T = {T.rank()} > 1 so no product equals T", instances=len(shapes) + 1,
                           cases=[str(s) for s in shapes] + [f"{bottleneck} (A1 fails)"], method="exact")


@eq4_nonempty_under_a1.check
def eq4_general():
    """Every depth and widths with A1 and full-rank Sigma_x: l(w) = l(T) + tr((A - T) Sigma_x (A - T)^T), A = W_{m:1}
    (eq. 3, matrix-calculus engine at symbolic sizes); the last term is >= 0 and 0 exactly when A = T (Sigma_x
    positive definite); the set A = T is non-empty (the layers of (27) multiply to T under A1, by induction). z3 then
    decides that the global minimisers are exactly that set."""
    from ._general import DerivationFailed, combine_eq4, diagonal_chain, run
    square = eq3_completing_square.get_check("eq3_every_size").func()
    chain = run(diagonal_chain)
    for ev in (square, chain):
        if ev.status.value != "proved":
            return ev
    try:
        version = combine_eq4()
    except DerivationFailed as e:
        return Evidence.open(str(e))
    return Evidence.proved("for every depth, widths with A1 and full-rank Sigma_x: the global minimisers of l are exactly "
                           "the w with W_m ... W_1 = T. Steps: " + square.detail + "; tr(M Sigma_x M^T) = ||M Sigma_x^{1/2}||_F^2 "
                           "vanishes only at M = 0 (Sigma_x^{1/2} invertible); non-empty: " + chain.detail + "; combining "
                           "step decided by z3 (negation unsat)", method="matrix calculus + depth-generic + z3",
                           steps=chain.data["steps"], solver=f"z3 {version}")


@eq3_completing_square.check
def eq3_every_size():
    """All sizes (matrix-calculus engine): l(A) - l(T) - tr((A-T) Sigma_x (A-T)^T) = 0 using only T Sigma_x = Sigma_yx."""
    from symflat.symbolic.matrix_calculus.algebra import Relation, Rules
    from symflat.symbolic.matrix_calculus.networks import matrix

    dx, dy = sp.symbols("d_x d_y", positive=True, integer=True)
    A, T = matrix("A", dy, dx), matrix("T", dy, dx)
    Sx, Syx = matrix("Sigma_x", dx, dx, symmetric=True), matrix("Sigma_yx", dy, dx)
    Sy = matrix("Sigma_y", dy, dy, symmetric=True)
    loss = lambda P: Sy.trace() - (P @ Syx.T).trace().scale(2) + (P @ Sx @ P.T).trace()  # noqa: E731
    gap = loss(A) - loss(T) - ((A - T) @ Sx @ (A - T).T).trace()
    rules = Rules([Relation.of(T @ Sx, Syx, "T Sigma_x = Sigma_yx (T = Sigma_yx Sigma_x^-1)")])
    if not gap.is_zero(rules):
        return Evidence.open("matrix-calculus normal form did not reach 0", reason=str(gap.normal(rules)))
    return Evidence.proved("for all sizes d_x, d_y: l(A) = l(T) + tr((A - T) Sigma_x (A - T)^T) from T Sigma_x = Sigma_yx "
                           "alone; with Sigma_x positive definite (full rank) the last term is > 0 unless A = T. "
                           "General: symbolic sizes", method="symflat.symbolic.matrix_calculus normal form")


# ----------------------------------------------------------------------------- App. I: stability

def_s1 = paper.definition(
    "definition-s1", r"\mathbf w^*\ \text{linearly stable}\iff\exists C:\ \|\mathbf w_k\|\le C\|\mathbf w_0\|\ \forall k,\ \ \mathbf w_{k+1}=\mathbf w_k-\eta\nabla^2f(\mathbf w^*)(\mathbf w_k-\mathbf w^*)",
    where="App. I", eq="S1", cite="Wu, Ma & E (2018), How SGD selects the global minima in over-parameterized learning",
    note="As printed the bound is on ||w_k||, not ||w_k - w*||; the analysis (S2-S4) concerns the deviation w_k - w*.")

eq_s2_printed = paper.lemma(
    "eq-s2", r"\lambda_{\max}\big((\mathbf I-\eta\nabla^2f(\mathbf w^*))^2\big)\le1\ \Rightarrow\ \mathbf w^*\ \text{linearly stable (Definition S1 as printed)}",
    where="App. I", eq="S2", uses=["definition-s1"], cite="Wu, Ma & E (2018), NeurIPS, Theorem (GD stability)",
    expect="refuted",
    note="As printed: 'if' (S2), with Definition S1's bound ||w_k|| <= C ||w_0|| on the iterates themselves. Started "
         "at w_0 = 0 the iterates leave 0 whenever H w* != 0, so no constant C exists; eq-s2-corrected is the "
         "deviation reading the analysis (S3-S4) uses.")


@eq_s2_printed.check
def s2_as_printed():
    """H = [1], w* = 1, eta = 1: (1 - eta)^2 = 0 <= 1, but from w_0 = 0 the iteration (S1) gives w_1 = 1."""
    H, w_star, eta, w0 = sp.Integer(1), sp.Integer(1), sp.Integer(1), sp.Integer(0)
    w1 = w0 - eta * H * (w0 - w_star)
    if not ((1 - eta * H) ** 2 <= 1 and w1 != 0):
        return Evidence.error("the stored counterexample does not reproduce")
    return Evidence.refuted(f"H = 1, w* = 1, eta = 1: lambda_max((1 - eta H)^2) = 0 <= 1, yet w_0 = 0 gives w_1 = {w1} "
                            "(and w_k = 1 for k >= 1), so ||w_k|| <= C ||w_0|| = 0 fails for every C",
                            counterexample={"H": 1, "w_star": 1, "eta": 1, "w0": 0, "w1": int(w1)}, method="exact")


eq_s2 = paper.lemma(
    "eq-s2-corrected", r"\nabla^2f(\mathbf w^*)\ \text{symmetric}:\ \exists C\ \forall\mathbf w_0,k:\ \|\mathbf w_k-\mathbf w^*\|\le C\|\mathbf w_0-\mathbf w^*\|\iff\lambda_{\max}\big((\mathbf I-\eta\nabla^2f(\mathbf w^*))^2\big)\le1",
    where="App. I (deviation reading)", eq="S1-S2", uses=["definition-s1"], corrects="eq-s2",
    cite="Wu, Ma & E (2018), NeurIPS, Theorem (GD stability)",
    note="Definition S1 with the deviation w_k - w* (what S3-S4 analyse). The appendix states 'if'; the converse holds too.")


@eq_s2.check
def s2_linear_iteration(ctx):
    """Run the linearised iteration (S1) for random PSD Hessians: bounded iff (S2) holds (the boundary value 1 is
    bounded because the map is then an orthogonal reflection on that eigendirection)."""
    rng = ctx.rng
    n_ok = 0
    for _ in range(200):
        d = int(rng.integers(2, 6))
        Q = NM.random_orthogonal(d, rng)
        lam = rng.uniform(0, 3, d)
        eta = float(rng.uniform(0.2, 1.5))
        H = (Q * lam) @ Q.T
        M = np.eye(d) - eta * H
        stable = np.max(np.linalg.eigvalsh(M @ M)) <= 1 + 1e-12
        e = rng.normal(size=d)
        with np.errstate(over="ignore", invalid="ignore"):
            growth = np.linalg.norm(np.linalg.matrix_power(M, 400) @ e) / np.linalg.norm(e)
        if stable != (growth < 10):
            return Evidence.refuted("linear iteration disagrees with (S2)", counterexample={"H": H, "eta": eta}, seed=ctx.seed)
        n_ok += 1
    return Evidence.checked(f"{n_ok} random PSD Hessians: 400 steps of (S1) stay bounded exactly when (S2) holds",
                            instances=n_ok, cases=f"random PSD Hessians, d = 2..5, eta in [0.2, 1.5] (seed {ctx.seed})",
                            seed=ctx.seed, method="numpy iteration")


@eq_s2.check
def s2_deviation_every_size():
    """Any size N, symmetric H = Q diag(l_i) Q^T: ||w_k - w*||^2 = sum_i x_i^(2k) c_i^2 with x_i = 1 - eta l_i and
    c = Q^T (w_0 - w*). If every |x_i| <= 1 each term only shrinks (C = 1); if some |x_i| = a > 1, starting on that
    eigenvector gives a^k >= 1 + k (a - 1) (Bernoulli, by induction), unbounded. And lambda_max((I - eta H)^2) =
    max_i x_i^2."""
    from symflat.symbolic.depth_generic import Condition, DepthProof, run

    def build():
        p = DepthProof("(S2) with the deviation reading, every size N")
        x, a = sp.Symbol("x", real=True), sp.Symbol("a", real=True)
        kk = sp.Symbol("k", integer=True, nonnegative=True)
        X_k, one_minus_x2 = sp.Symbol("x^(2k)", nonnegative=True), sp.Symbol("1 - x_i^2", real=True)
        p.note("eigenbasis", "orthogonal Q keeps norms: ||w_k - w*||^2 = sum_i x_i^(2k) c_i^2, and the eigenvalues of "
               "(I - eta H)^2 are x_i^2 (S3)", needs=[Condition(sp.Symbol("H = H^T"), "orthogonal eigenbasis")])
        p.identity("x^(2(k+1)) = x^2 x^(2k)", x ** (2 * (kk + 1)), x**2 * x ** (2 * kk))
        p.sign("x^(2k) - x^(2(k+1)) = (1 - x^2) x^(2k) >= 0", one_minus_x2 * X_k, "nonnegative",
               assuming={one_minus_x2: ["nonnegative"]}, why="the case x_i^2 <= 1 of (S2)")
        p.identity("Bernoulli step: a (1 + k(a-1)) = 1 + (k+1)(a-1) + k (a-1)^2", a * (1 + kk * (a - 1)),
                   1 + (kk + 1) * (a - 1) + kk * (a - 1) ** 2)
        p.sign("k (a-1)^2 >= 0", kk * (a - 1) ** 2, "nonnegative", assuming={kk: ["nonnegative"]}, why="k >= 0")
        p.note("conclusion", "all x_i^2 <= 1 gives ||w_k - w*|| <= ||w_0 - w*|| (C = 1); some |x_i| = a > 1 gives "
               "||w_k - w*|| >= 1 + k(a - 1) from its eigenvector; lambda_max((I - eta H)^2) = max_i x_i^2")
        return p
    return run(build)


@paper.equation(
    "eq-s4", r"\nabla^2f(\mathbf w^*)\succeq0,\ \eta>0:\ \ \lambda_{\max}\big((\mathbf I-\eta\nabla^2f)^2\big)\le1\iff\lambda_{\max}(\nabla^2f(\mathbf w^*))\le\frac2\eta",
    where="App. I", eq="S3-S4", uses=["eq-s2-corrected"], proof_uses=["eq-s2-corrected"])
def s4_equivalence():
    """For each eigenvalue l >= 0 of the Hessian: (1 - eta l)^2 <= 1  <=>  l <= 2/eta (sympy solves the inequality)."""
    x = sp.Symbol("x", real=True)                       # x = eta * l >= 0
    sol = sp.solve_univariate_inequality((1 - x) ** 2 <= 1, x, relational=False)
    if sol != sp.Interval(0, 2):
        return Evidence.refuted(f"solution set is {sol}")
    return Evidence.proved("with x = eta l: (1 - x)^2 <= 1 iff x in [0, 2], i.e. l <= 2/eta for l >= 0, eta > 0; the "
                           "eigenvalues of (I - eta H)^2 are (1 - eta l_i)^2 (S3). General: one real inequality in "
                           "x = eta l covers every eigenvalue of every PSD Hessian", method="sympy inequality solver")


stability_threshold = paper.remark(
    "stability-threshold", r"\lambda_{\max}(\mathbf H_{\mathbf w^*})>2/\eta\ \Rightarrow\ \mathbf w^*\ \text{is not linearly stable for GD}",
    where="Sec. 2", uses=["eq-5", "definition-s1"], proof_uses=["eq-s4"],
    note="The paper quotes it from Wu et al. (2018) for GD and SGD; the GD part follows from (S1)-(S4), checked here.")


@stability_threshold.check
def threshold_unbounded():
    """Exact: along the top eigenvector the deviation is multiplied by (1 - eta l) with |1 - eta l| > 1 when l > 2/eta."""
    l, eta = sp.symbols("l eta", positive=True)
    factor = sp.Abs(1 - eta * l).subs(l, 2 / eta + sp.Symbol("delta", positive=True))
    if sp.simplify(factor - 1).is_positive is not True:
        return Evidence.refuted("contraction factor is not > 1 above 2/eta")
    return Evidence.proved("with l = 2/eta + delta (delta > 0): |1 - eta l| = 1 + eta delta > 1, so the deviation along the top "
                           "eigenvector grows geometrically and no constant C bounds it. General: eta, delta are "
                           "positive symbols", method="sympy")


# ----------------------------------------------------------------------------- App. II: Lemma 1

arora = paper.lemma(
    "eq-s5", r"\text{gradient flow on (2)},\ \mathbf W_i(0)=\mathbf I:\ \ \mathbf W_i(t)\mathbf W_i^T(t)=\mathbf W_{i+1}^T(t)\mathbf W_{i+1}(t)\ \ \forall t\ge0",
    where="App. II", eq="S5", uses=["eq-2"], cite="Arora, Cohen & Hazan (2018), ICML, Theorem 1",
    note="As printed, in the setting of Lemma 1 (square layers, identity initialisation). The checks show the "
         "stronger fact that W_i W_i^T - W_{i+1}^T W_{i+1} is constant along gradient flow for any initialisation; "
         "at W_i(0) = I it is I - I = 0.")


@arora.check
def s5_conserved_exact():
    """Symbolic: d/dt (W_i W_i^T - W_{i+1}^T W_{i+1}) = 0 under dW/dt = -grad l, for a 3-layer net with 2x2 layers
    and symbolic moments (Sigma_x symmetric)."""
    d, m = 2, 3
    Ws = [sp.Matrix(d, d, sp.symbols(f"w{k}_1:{d * d + 1}", real=True)) for k in range(1, m + 1)]
    s11, s12, s22 = sp.symbols("s11 s12 s22", real=True)
    Sx = sp.Matrix([[s11, s12], [s12, s22]])
    Syx = sp.Matrix(d, d, sp.symbols("c1:5", real=True))
    G = Ws[2] * Ws[1] * Ws[0] * Sx - Syx
    pre = [sp.eye(d), Ws[0], Ws[1] * Ws[0]]
    suf = [Ws[2] * Ws[1], Ws[2], sp.eye(d)]
    dW = [-2 * suf[k].T * G * pre[k].T for k in range(m)]            # -dl/dW_k
    for i in range(m - 1):
        dD = dW[i] * Ws[i].T + Ws[i] * dW[i].T - dW[i + 1].T * Ws[i + 1] - Ws[i + 1].T * dW[i + 1]
        if not all(sp.expand(e) == 0 for e in dD):
            return Evidence.refuted(f"balancedness of layers {i + 1},{i + 2} is not conserved")
    return Evidence.certified("symbolic 3-layer 2x2 net with symbolic Sigma_x, Sigma_yx: the time derivative of "
                           "W_i W_i^T - W_{i+1}^T W_{i+1} vanishes identically along gradient flow", instances=1,
                           cases="m = 3, all layers 2x2", method="sympy")


@arora.check
def s5_conserved_general():
    """Every depth m, every 1 <= i < m, all widths and moments: the engine differentiates the loss (2) at symbolic size
    (W_{m:1} through segments around the generic layers i, i+1) and d/dt of the (S5) matrix along dW/dt = -grad l is 0."""
    from symflat.symbolic.matrix_calculus import prove_linear_balancedness
    return prove_linear_balancedness("square").evidence(
        "for every depth m, layer pair (i, i+1) and widths, with Sigma_x, Sigma_yx symbolic: the gradients of (2) in W_i and "
        "W_(i+1) make d/dt(W_i W_i^T - W_(i+1)^T W_(i+1)) vanish identically, so the (S5) matrix is constant along gradient flow")


nar_sastry = paper.lemma(
    "nar-sastry-2018", r"\hat\Sigma_x=\mathbf I,\ \mathbf T\succ0,\ \mathbf W_i(0)=\mathbf I,\ \eta\le\tfrac{1}{2m}\min\{1,\sigma_{\max}(\mathbf T)^{-2(1-1/m)}\}:\ \text{GD gives }\mathbf W_i\to\mathbf T^{1/m}\ \text{linearly}",
    where="App. II", uses=["eq-2", "a2"], cite="Nar & Sastry (2018), Step size matters in deep learning, NeurIPS",
    note="Quoted in App. II (earlier version, with the step bound of the earlier version's Lemma 1).")


def _gd_from_identity(T, m, eta, steps=200000, tol=1e-12):
    d = T.shape[0]
    return L.gradient_descent([np.eye(d)] * m, np.eye(d), T, eta, steps, tol=tol)


def _spd(rng, d):
    A = rng.normal(size=(d, d))
    return A @ A.T / d + rng.uniform(0.1, 0.5) * np.eye(d)


@nar_sastry.check
def nar_sastry_gd(ctx):
    rng = ctx.rng
    worst = 0.0
    cases = [(2, 2), (3, 3), (3, 5), (4, 4), (4, 8)]
    for d, m in cases:
        T = _spd(rng, d)
        eta = 1 / (2 * m) * min(1, np.linalg.norm(T, 2) ** (-2 * (1 - 1 / m)))
        Ws, h = _gd_from_identity(T, m, eta)
        err = max(np.abs(W - L.matrix_power_root(T, m)).max() for W in Ws)
        worst = max(worst, err)
        if err > 1e-8 or h[-1] > 1e-10:
            return Evidence.refuted("GD from identity did not reach T^(1/m)", counterexample={"T": T, "m": m, "eta": eta},
                                    seed=ctx.seed)
    return Evidence.checked(f"GD from identity with the stated step reaches W_i = T^(1/m) (max entry error {worst:.1e}) for "
                            f"random SPD T, (d, m) in {cases}", instances=len(cases), cases=[f"d = {d}, m = {m}" for d, m in cases],
                            seed=ctx.seed, method="numpy GD")


@paper.lemma(
    "lemma-1-i", r"\hat\Sigma_x=\mathbf I,\ d_y=d_x,\ \text{square }\mathbf W_j(0)=\mathbf I:\ \text{gradient flow can only converge to a point of }\Omega_0",
    where="Sec. 2, App. II", uses=["eq-5", "a2"], proof_uses=["eq-s5", "theorem-4"], hypotheses=["a2"],
    note="Proof: balancedness (S5) with zero constant gives U_i = V_{i+1}, equal singular values S^(1/m) (S6-S7), "
         "then Theorem 4. T need not be symmetric for this part.")
def lemma1_i_flow(ctx):
    """Integrate gradient flow from identity (DOP853, rtol 1e-11) for random nonsymmetric T; at the limit compare
    lambda_max(H) (via 2 Phi^T Phi) to eq. (17)."""
    rng = ctx.rng
    worst, n = 0.0, 0
    for d, m in [(2, 2), (2, 3), (3, 3), (3, 4), (4, 5)]:
        T = np.eye(d) + 0.5 * rng.normal(size=(d, d))
        Ws, conv = _gradient_flow(T, m)
        if not conv:
            continue                      # the lemma is about limits; a non-converged run says nothing
        lam, _ = NM.sharpness_at_minimum(Ws, np.eye(d))
        gap = lam / NM.flattest_sharpness(T, m) - 1
        worst = max(worst, abs(gap))
        n += 1
        if abs(gap) > 1e-7:
            return Evidence.refuted("gradient flow from identity converged to a non-flattest minimum",
                                    counterexample={"T": T, "m": m, "gap": gap}, seed=ctx.seed)
    if n == 0:
        return Evidence.error("no gradient-flow run converged")
    return Evidence.checked(f"{n} gradient-flow runs from identity (nonsymmetric T) converged; sharpness matches eq. (17) to "
                            f"relative {worst:.1e}", slack=-worst, instances=n,
                            cases=f"random nonsymmetric T, (d, m) in (2,2), (2,3), (3,3), (3,4), (4,5), converged runs (seed {ctx.seed})",
                            seed=ctx.seed, method="scipy DOP853")


def _gradient_flow(T, m, t_end=200.0, init=None):
    """Gradient flow of eq. (2) with white data and square d x d layers from ``init`` (default: identity layers),
    by :func:`symflat.numeric.gradient_flow` (DOP853, rtol 1e-11); returns the weights at ``t_end`` and whether the run
    finished with gradient norm below 1e-8."""
    d = T.shape[0]
    model = DeepLinear((d,) * (m + 1))
    numpy_backend = get_backend("numpy")
    w0 = pack(numpy_backend, init if init is not None else [np.eye(d)] * m)
    run = gradient_flow(model, w0, Moments(np.eye(d), T), t_end, t_eval=[0.0, t_end], rtol=1e-11, atol=1e-13,
                        keep_weights=False, backend=numpy_backend)
    Ws = unpack(model, run.final)
    return Ws, bool(run.status == "finished" and run.grad_norm[-1] < 1e-8)


@lemma1_i_flow.check
def lemma1_i_general():
    """Every depth and width, every T (read as the paper words it: any minimum gradient flow from I converges to is a
    flattest one). (S5) holds along the flow with constant 0 (I I^T = I^T I), hence at the limit (a closed condition);
    a balanced point of Omega has sigma_max(W_k) = sigma_max(T)^(1/m) for every k (induction on k with noncommutative
    SymPy); Theorem 4 then puts it in Omega_0."""
    from ._general import balanced_gains, run
    ev = run(balanced_gains, ["spectral-mapping"])
    if ev.status.value != "proved":
        return ev
    return Evidence.proved("every depth m, width d and T, Sigma_x = I, W_j(0) = I: if gradient flow converges to a minimum "
                           "w (a point of Omega), then w is flattest. (S5) (eq-s5, proved) keeps W_i W_i^T - W_{i+1}^T W_{i+1} "
                           "= 0 for all t and so at the limit; " + ev.detail + "; Theorem 4 (hypothesis sigma_max(W_k) = "
                           "sigma^(1/m) for all k) gives w in Omega_0. A limit outside Omega (a saddle, e.g. T = diag(1, -1)) "
                           "is not a minimum and not covered by the statement", method=ev.data["method"],
                           steps=ev.data["steps"], standard=ev.data["standard"])


@paper.lemma(
    "lemma-1-ii", r"\hat\Sigma_x=\mathbf I,\ d_y=d_x,\ \mathbf W_j(0)=\mathbf I,\ \mathbf T\succ0,\ \eta\le\frac{1}{2m}\min\{1,\sigma_{\max}(\mathbf T)^{-2(1-\frac1m)}\}:\ \text{GD converges linearly to a point of }\Omega_0",
    where="Sec. 2, App. II", uses=["eq-5", "a2"], proof_uses=["nar-sastry-2018", "theorem-4"], hypotheses=["a2"],
    corrects="lemma-1-ii-earlier-bound",
    note="Published bound 1/(2m) min{...}; the earlier version (wide-minima) states 1/m min{...}. T positive definite "
         "(T > 0) is taken in its standard sense, which includes symmetry (the setting of Nar & Sastry); the broader "
         "reading x^T T x > 0 is checked separately and fails (lemma-1-ii-nonsymmetric).")
def lemma1_ii_gd(ctx):
    """GD from identity at the largest allowed step for random SPD T: the limit has sharpness eq. (17) and the
    gradient norm decays geometrically (fitted rate < 1)."""
    rng = ctx.rng
    worst, rates = 0.0, []
    for d, m in [(2, 2), (3, 3), (3, 6), (4, 4), (5, 8)]:
        T = _spd(rng, d) * rng.uniform(0.5, 3)
        eta = 1 / (2 * m) * min(1, np.linalg.norm(T, 2) ** (-2 * (1 - 1 / m)))
        Ws, h = _gd_from_identity(T, m, eta)
        lam, _ = NM.sharpness_at_minimum(Ws, np.eye(d))
        gap = lam / NM.flattest_sharpness(T, m) - 1
        tail = h[len(h) // 2:]
        rate = float(np.exp(np.polyfit(np.arange(len(tail)), np.log(tail), 1)[0]))
        rates.append(rate)
        worst = max(worst, abs(gap))
        if abs(gap) > 1e-9 or h[-1] > 1e-10 or rate >= 1:
            return Evidence.refuted("GD did not converge linearly to a flattest minimum",
                                    counterexample={"T": T, "m": m, "eta": eta, "gap": gap, "rate": rate}, seed=ctx.seed)
    return Evidence.checked(f"5 random SPD targets (d up to 5, m up to 8): limit sharpness matches eq. (17) to {worst:.1e}, "
                            f"gradient-norm contraction per step {min(rates):.3f}..{max(rates):.3f}", slack=-worst,
                            instances=5, cases="random SPD T, (d, m) in (2,2), (3,3), (3,6), (4,4), (5,8)", seed=ctx.seed,
                            method="numpy GD")


@paper.remark(
    "lemma-1-ii-nonsymmetric", r"\text{Lemma 1(ii) with }\mathbf T\ \text{nonsymmetric},\ x^T\mathbf Tx>0\ \forall x\neq0:\ \text{GD from }\mathbf I\ \text{converges to a point of }\Omega_0",
    where="Sec. 2 (our reading)", uses=["lemma-1-ii"], hypotheses=["a2"], expect="refuted",
    note="Ours: what symmetry buys in Lemma 1(ii). Gradient flow keeps the layers balanced (Lemma 1(i) holds for these T), "
         "but a finite step breaks balancedness by O(eta^2) per step and the limit is a non-flattest minimum.")
def lemma1_ii_nonsymmetric():
    T = np.array([[1.0, 0.5], [-0.25, 1.0]])     # symmetric part diag(1, 1) + 0.125 offdiag: positive definite
    m = 2
    eta = 1 / (2 * m) * min(1, np.linalg.norm(T, 2) ** (-2 * (1 - 1 / m)))
    Ws, h = _gd_from_identity(T, m, eta)
    lam, _ = NM.sharpness_at_minimum(Ws, np.eye(2))
    gap = lam / NM.flattest_sharpness(T, m) - 1
    if h[-1] < 1e-11 and gap > 1e-6:
        return Evidence.refuted(f"T = [[1, 1/2], [-1/4, 1]] (x^T T x > 0), m = 2, eta = {eta:.6g}: GD from identity converges "
                                f"(gradient {h[-1]:.1e} after {len(h)} steps) to a minimum with sharpness {lam:.12g} > "
                                f"{NM.flattest_sharpness(T, m):.12g} (relative gap {gap:.2e})",
                                counterexample={"T": "[[1, 1/2], [-1/4, 1]]", "m": m, "eta": eta, "steps": len(h), "gap": gap},
                                method="numpy GD")
    return Evidence.checked(f"GD converged to a flattest minimum here (gap {gap:.1e})", instances=1,
                            cases="T = [[1, 1/2], [-1/4, 1]], m = 2", method="numpy GD")


@paper.remark(
    "lemma-1-ii-nonsymmetric-corrected", r"\mathbf T\ \text{nonsymmetric},\ x^T\mathbf Tx>0:\ \text{gradient flow (the }\eta\to0\text{ limit of GD) from }\mathbf I\ \text{converges to a point of }\Omega_0",
    where="Sec. 2 (ours)", uses=["lemma-1-i"], proof_uses=["lemma-1-i"], hypotheses=["a2"], corrects="lemma-1-ii-nonsymmetric",
    note="Ours: what survives of the broad reading of Lemma 1(ii). Only the finite step fails: gradient flow keeps the "
         "layers balanced (S5), so by Lemma 1(i) its limit is flattest, for the counterexample's T too.")
def lemma1_ii_nonsymmetric_flow(ctx):
    rng = ctx.rng
    targets = [np.array([[1.0, 0.5], [-0.25, 1.0]])]
    for d in (2, 3):
        S = rng.normal(size=(d, d))
        targets.append(np.eye(d) + 0.4 * (S - S.T) + 0.1 * rng.normal(size=(d, d)))
    worst, n = 0.0, 0
    for T, m in zip(targets, (2, 3, 2)):
        if np.min(np.linalg.eigvalsh(T + T.T)) <= 0:
            continue                                   # not in the family (x^T T x > 0)
        Ws, conv = _gradient_flow(T, m)
        if not conv:
            continue
        lam, _ = NM.sharpness_at_minimum(Ws, np.eye(T.shape[0]))
        gap = lam / NM.flattest_sharpness(T, m) - 1
        worst, n = max(worst, abs(gap)), n + 1
        if abs(gap) > 1e-7:
            return Evidence.refuted("gradient flow from identity reached a non-flattest minimum",
                                    counterexample={"T": T, "m": m, "gap": gap}, seed=ctx.seed)
    if n == 0:
        return Evidence.error("no gradient-flow run converged")
    return Evidence.checked(f"{n} nonsymmetric T with x^T T x > 0 (incl. the counterexample [[1, 1/2], [-1/4, 1]]): the "
                            f"gradient-flow limit from identity has sharpness eq. (17) to relative {worst:.1e}",
                            slack=-worst, instances=n, cases="T = [[1, 1/2], [-1/4, 1]] (m = 2); random d = 2 (m = 3), "
                            "d = 3 (m = 2)", seed=ctx.seed, method="scipy DOP853")


@paper.remark(
    "lemma-1-without-identity-init", r"\mathbf W_j(0)\ \text{random}:\ \text{gradient flow converges to minima outside }\Omega_0",
    where="Sec. 2 (ours)", uses=["lemma-1-i"], hypotheses=["a2"],
    note="Ours: what identity initialisation buys in Lemma 1(i). Random (He-like) initial layers are unbalanced, "
         "gradient flow conserves the imbalance (S5), and the limit is sharper than eq. (17).")
def lemma1_random_init(ctx):
    rng = ctx.rng
    gaps = []
    for d, m in [(2, 2), (3, 3), (3, 4)]:
        T = np.eye(d) + 0.5 * rng.normal(size=(d, d))
        init = [rng.normal(size=(d, d)) * np.sqrt(2 / d) for _ in range(m)]
        Ws, conv = _gradient_flow(T, m, init=init, t_end=400.0)
        if not conv:
            continue
        lam, _ = NM.sharpness_at_minimum(Ws, np.eye(d))
        gaps.append(lam / NM.flattest_sharpness(T, m) - 1)
    if not gaps:
        return Evidence.error("no gradient-flow run from random initialisation converged")
    if min(gaps) <= 1e-6:
        return Evidence.refuted(f"a random initialisation reached a flattest minimum (gap {min(gaps):.1e})", seed=ctx.seed)
    return Evidence.checked(f"{len(gaps)} converged gradient-flow runs from random initial layers: sharpness exceeds eq. (17) "
                            f"by {min(gaps):.1%} .. {max(gaps):.1%}", instances=len(gaps),
                            cases=f"(d, m) in (2,2), (3,3), (3,4), He-like random layers, converged runs (seed {ctx.seed})",
                            seed=ctx.seed, method="scipy DOP853")


@paper.lemma(
    "lemma-1-ii-earlier-bound", r"\text{(earlier version)}\ \eta\le\frac1m\min\{1,\sigma_{\max}(\mathbf T)^{-2(1-\frac1m)}\}:\ \text{GD from }\mathbf I\ \text{converges to }\Omega_0\ \text{at a linear rate}",
    where="Sec. 2 of the earlier version (wide-minima)", uses=["eq-5", "a2"], hypotheses=["a2"], expect="refuted",
    note="The earlier version's step bound. When sigma_max(T) >= 1 it equals 2/lambda* with lambda* = eq. (17): the "
         "flattest minima sit exactly on the stability boundary, GD still converges there but only sublinearly. "
         "The published version halves the bound (lemma-1-ii), which removes the problem.")
def lemma1_ii_earlier_bound():
    """T = diag(4, 1), m = 2, eta = 1/8 (the earlier bound): the layers stay diag(a, b), and the top entry follows
    g(a) = a - 2 eta a (a^2 - 4). Exactly g(2) = 2, g'(2) = -1 and g(g(2 + e)) = 2 + e - 4 e^3 + O(e^4), so the error
    decays like k^(-1/2), not geometrically."""
    a, e = sp.symbols("a e", real=True)
    eta = sp.Rational(1, 8)
    g = a - 2 * eta * a * (a**2 - 4)
    gg = sp.expand(g.subs(a, g).subs(a, 2 + e))
    series = sp.series(gg - 2, e, 0, 4).removeO()
    slope = sp.diff(g, a).subs(a, 2)
    cubic = series.coeff(e, 3)
    Ws, h = _gd_from_identity(np.diag([4.0, 1.0]), 2, 1 / 8, steps=100000)
    if slope == -1 and series.coeff(e, 1) == 1 and series.coeff(e, 2) == 0 and cubic < 0:
        return Evidence.refuted(f"T = diag(4,1), m = 2, eta = 1/8 = 2/lambda*: the GD map has derivative {slope} at the "
                                f"flattest point and g(g(2+e)) - 2 = {series}, so convergence is sublinear; numerically the "
                                f"gradient norm is still {h[-1]:.3g} after {len(h)} steps (about k^(-1/2))",
                                counterexample={"T": "diag(4, 1)", "m": 2, "eta": "1/8", "two_step_map": str(series),
                                                "gradient_after_steps": [len(h), h[-1]]}, method="sympy series + numpy GD")
    return Evidence.checked(f"two-step map {series}: no obstruction to a linear rate found", instances=1,
                            cases="T = diag(4, 1), m = 2, eta = 1/8", method="sympy")



@stability_threshold.check
def threshold_gd_deep_linear(ctx):
    """Full nonlinear GD from identity on deep linear nets with eta = 1.05 * 2/lambda*: every minimum is sharper than
    2/eta, and GD indeed never converges."""
    rng = ctx.rng
    n = 0
    for d, m in [(2, 2), (3, 4), (4, 6)]:
        T = _spd(rng, d) * rng.uniform(1, 3)
        _, h = _gd_from_identity(T, m, 1.05 * 2 / NM.flattest_sharpness(T, m), steps=20000)
        if h[-1] < 1e-8:
            return Evidence.refuted("GD converged with step above 2/lambda*", seed=ctx.seed)
        n += 1
    return Evidence.checked(f"{n} SPD targets: GD from identity with eta = 1.05 * 2/lambda* never converges (20000 steps)",
                            instances=n, cases="random SPD T, (d, m) in (2,2), (3,4), (4,6)", seed=ctx.seed,
                            method="numpy GD")


@paper.remark(
    "lemma-1-ii-without-pd", r"\exists\,\mathbf T\ \text{symmetric with a negative eigenvalue}:\ \text{GD from }\mathbf I\ \text{with the step of (ii) does not reach }\Omega",
    where="Sec. 2 (ours)", uses=["lemma-1-ii"], hypotheses=["a2"], about="T = diag(1, -1), m = 2, eta = 1/4",
    note="Ours: what positive definiteness buys in Lemma 1(ii). From identity the layers stay equal polynomials in T, "
         "so on an eigenvector of T with eigenvalue -1 the common gain a must reach a^m = -1, impossible for even m; "
         "GD then converges to a = 0, a saddle with loss 1 above the minimum.")
def lemma1_without_pd():
    """T = diag(1, -1), m = 2, eta = 1/4 (the published step): the (2,2) entries follow a -> a (1 - 2 eta (a^2 + 1)),
    whose only fixed point reachable from a = 1 is 0 (|factor| < 1 for a in (0, 1]); checked by running GD."""
    a = sp.Symbol("a", real=True)
    eta = sp.Rational(1, 4)
    g = a * (1 - 2 * eta * (a**2 + 1))
    fixed = sp.solve(sp.Eq(g, a), a)
    T = np.diag([1.0, -1.0])
    Ws, h = _gd_from_identity(T, 2, 0.25, steps=2000)
    final_loss = L.loss(Ws, np.eye(2), T, T @ T.T)
    if fixed != [0] or g.subs(a, 1) != 0 or final_loss < 0.99:
        return Evidence.refuted(f"fixed points {fixed}, g(1) = {g.subs(a, 1)}, final loss {final_loss}")
    return Evidence.proved(f"exact: the diagonal map a -> a(1 - (a^2 + 1)/2) has the single real fixed point 0 and sends "
                           f"a = 1 to 0 in one step, so the (2,2) entries of both layers are 0 from step 1 on and the "
                           f"product never reaches T; GD ends at loss {final_loss:.6f} (global minimum 0), "
                           f"W_1 = W_2 = diag({Ws[0][0, 0]:.6f}, {Ws[0][1, 1]:.2e})", method="sympy + numpy GD")


@lemma1_i_flow.check
def lemma1_i_balanced_minima_exact(ctx):
    """The step S6-S7 of the proof, exactly: points of Omega with zero imbalance W_i W_i^T = W_{i+1}^T W_{i+1} are
    W_i = U_i S^(1/m) U_{i-1}^T; at rational instances (Cayley U_i, rational roots) they are certified flattest."""
    rng = ctx.rng
    n = 0
    for d, m in [(2, 2), (2, 3), (3, 3), (2, 5), (3, 4)]:
        roots = sorted((sp.Rational(int(rng.integers(1, 9)), 4) for _ in range(d)), reverse=True)
        roots[0] += 1
        Us = [rational_orthogonal(rng, d).T for _ in range(m + 1)]
        Ws = [Us[i] * sp.diag(*roots) * Us[i - 1].T for i in range(1, m + 1)]
        if any(Ws[i] * Ws[i].T != Ws[i + 1].T * Ws[i + 1] for i in range(m - 1)):
            return Evidence.error("construction is not balanced")
        T = layer_product(Ws, 1, m, d)
        if not OM.certified_flattest(Ws, T, Us[m][:, 0], Us[0][:, 0], roots[0], m):
            return Evidence.refuted(f"a balanced point of Omega is not flattest (d = {d}, m = {m})", seed=ctx.seed)
        n += 1
    return Evidence.certified(f"{n} exact balanced points of Omega (d 2..3, m 2..5): all certified flattest",
                              instances=n, cases="balanced points, (d, m) in (2,2), (2,3), (3,3), (2,5), (3,4)",
                              seed=ctx.seed, method="exact charpoly")
