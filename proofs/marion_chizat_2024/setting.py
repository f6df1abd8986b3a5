"""Section 2-3 of Marion & Chizat 2024: the model, risk, assumption A1, gradient flow, the
gradient formulas (5)-(6) and the variational characterisation (7) of the sharpness."""

import numpy as np
import sympy as sp

from symflat.claims import Evidence

from . import _exact as ex
from . import _lib as lib
from . import paper

model = paper.definition(
    "definition-model",
    r"f(x) = w^\top W_L \cdots W_1 x,\ W_k \in \mathbb{R}^{d_k\times d_{k-1}},\ d_0 = d,\ w \in \mathbb{R}^{d_L}\ \text{fixed};\ "
    r"w_{\mathrm{prod}} = W_1^\top\cdots W_L^\top w",
    where="Sec. 2", eq="3",
    note="Fully connected case: d_L = 1, w = 1 (Section 4). Residual case: d_k = d, W_k near I, w a fixed vector (Section 5).",
)

risk = paper.definition(
    "definition-risk",
    r"R^L(\mathcal W) = \tfrac1n\|y - X W_1^\top\cdots W_L^\top w\|_2^2 = \tfrac1n\|y - Xw_{\mathrm{prod}}\|_2^2 =: R^1(w_{\mathrm{prod}}),"
    r"\ R_{\min} = R^1(w^\star)",
    where="Sec. 2", uses=["definition-model"],
)

a1 = paper.assumption(
    "a1",
    r"(A_1)\ \hat\Sigma = \tfrac1n X^\top X \in\mathbb{R}^{d\times d}\ \text{is full rank; } \lambda,\Lambda\ \text{its smallest and largest eigenvalues}",
    where="Sec. 2",
)

gradient_flow = paper.definition(
    "definition-gradient-flow",
    r"\frac{dW_k}{dt} = -\frac{\partial R^L}{\partial W_k}",
    where="Sec. 2", eq="4", uses=["definition-risk"],
)

sharpness = paper.definition(
    "definition-sharpness",
    r"S(\mathcal W) = \lambda_{\max}(H(\mathcal W)),\ H\ \text{the Hessian of } R^L \text{ in } \mathbb{R}^p,\ p = \sum_k d_kd_{k-1},\ "
    r"\|\mathcal W\|_2^2 = \sum_k\|W_k\|_F^2",
    where="Sec. 3", uses=["definition-risk"],
)


@paper.equation(
    "eq-5",
    r"\nabla_k R^L(\mathcal W) = W_{k+1}^\top\cdots W_L^\top w\,\nabla R^1(w_{\mathrm{prod}})^\top W_1^\top\cdots W_{k-1}^\top",
    where="Sec. 2", eq="5", uses=["definition-risk"], proof_uses=["eq-6"],
)
def eq5_symbolic():
    """Differentiate the fully symbolic risk (symbolic X, y, w, weights) and compare with (5)-(6)."""
    cases = [(2, 2, 1), (2, 3, 2), (2, 2, 2, 1), (1, 2, 2, 2)]
    for dims in cases:
        bad = ex.gradient_formula_residual(dims)
        if bad:
            return Evidence.refuted(f"eq. (5) differs from the derivative for dims {dims}", counterexample={"dims": dims, "entry": str(bad[0])})
    return Evidence.certified("eq. (5)-(6) equal the exact derivative of R^L, symbolic in X (n=2), y, w and all weights, "
                              f"for dims {cases}", instances=len(cases), cases=f"dims {cases}, n = 2", method="sympy")


@eq5_symbolic.check
def eq5_finite_difference(ctx):
    """Central differences of R^L against (5) on random larger networks."""
    rng = ctx.rng
    worst = 0.0
    for dims in [(3, 4, 2, 1), (4, 4, 4, 4, 3), (2, 5, 1)]:
        prob = lib.random_problem(rng, 10, dims[0])
        w = rng.standard_normal(dims[-1])
        Ws = [rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
        x0, shapes = lib.flatten(Ws), [W.shape for W in Ws]
        g = lib.flatten(lib.grads(prob, Ws, w))
        h = 1e-6
        fd = np.array([(lib.risk(prob, lib.unflatten(x0 + h * e, shapes), w) - lib.risk(prob, lib.unflatten(x0 - h * e, shapes), w)) / (2 * h)
                       for e in np.eye(x0.size)])
        worst = max(worst, float(np.max(np.abs(fd - g)) / (1 + np.max(np.abs(g)))))
    if worst > 1e-6:
        return Evidence.refuted(f"finite differences disagree with eq. (5): relative error {worst:.2e}")
    return Evidence.checked(f"central differences match eq. (5) to {worst:.1e} (relative) on 3 random networks",
                            instances=3, cases="dims (3,4,2,1), (4,4,4,4,3), (2,5,1), n = 10, seed-drawn data", seed=ctx.seed,
                            method="finite differences")


@eq5_symbolic.check
def eq5_general():
    """Every depth L, layer k and widths: the gradient in W_k of R^1(W_1^T...W_L^T w), from the chain rule
    D R^L = <grad R^1(w_prod), D w_prod> with W_{L:1} written around a generic layer k, equals (5)."""
    from symflat.symbolic.matrix_calculus import GeneralProof, LayerChain, check_equal, gradient, matrix
    ch = LayerChain("W", "L", ("k",))
    L, k, P = ch.depth, ch["k"], ch.product()
    w, g = matrix("w", P.rows, 1), matrix("grad_R1", P.cols, 1)
    proof = GeneralProof("eq. (5)", standard=("chain rule", "Leibniz rule", "cyclic trace"))
    printed = ch.segment(L, k + 1).T @ w @ g.T @ ch.segment(k - 1, 1).T
    proof.add(check_equal("gradient in W_k of <grad R^1, W_{L:1}^T w> = (5)", gradient((g.T @ P.T @ w).trace(), ch.layer(k)), printed))
    return proof.evidence("for every depth L, layer 1 <= k <= L, widths d_0..d_L and any differentiable R^1: the gradient "
                          "in W_k of R^1(W_1^T...W_L^T w), at symbolic sizes with W_{L:1} = W_{L:k+1} W_k W_{k-1:1}, "
                          "is W_{k+1}^T...W_L^T w grad R^1(w_prod)^T W_1^T...W_{k-1}^T")


@paper.equation(
    "eq-6",
    r"\nabla R^1(w_{\mathrm{prod}}) = -\tfrac2n X^\top(y - Xw_{\mathrm{prod}}) = -\tfrac2n X^\top X(w^\star - w_{\mathrm{prod}})",
    where="Sec. 2", eq="6", uses=["definition-risk", "a1"], hypotheses=["a1"],
)
def eq6_symbolic():
    """Both sides with symbolic X (n = 3, d = 2), y and v; w* = (X^T X)^{-1} X^T y."""
    n, d = 3, 2
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y_{i}"))
    v = sp.Matrix(d, 1, lambda i, _: sp.Symbol(f"v_{i}"))
    R1 = ((y - X * v).T * (y - X * v))[0, 0] / n
    auto = sp.Matrix([sp.diff(R1, s) for s in v])
    first = -sp.Rational(2, n) * X.T * (y - X * v)
    G = X.T * X
    w_star = G.adjugate() * X.T * y / G.det()
    second = -sp.Rational(2, n) * G * (w_star - v)
    d1 = (auto - first).applyfunc(sp.expand)
    d2 = (first - second).applyfunc(sp.simplify)
    if any(e != 0 for e in d1) or any(e != 0 for e in d2):
        return Evidence.refuted("eq. (6) fails symbolically", counterexample={"d1": str(d1), "d2": str(d2)})
    return Evidence.certified("both equalities of eq. (6) hold identically in X (3x2), y, v when X^T X is invertible",
                              method="sympy", instances=1, cases="n = 3, d = 2, symbolic entries")


@eq6_symbolic.check
def eq6_general():
    """Symbolic n and d: the gradient of R^1(v) = ||y - Xv||^2 / n at symbolic size, then the second form on the
    solution set X^T X w* = X^T y (the normal equations, which w* = (X^T X)^{-1} X^T y satisfies under A1)."""
    import sympy as sp
    from symflat.symbolic.matrix_calculus import GeneralProof, Relation, Rules, check_equal, gradient, matrix
    n, d = sp.symbols("n d", integer=True, positive=True)
    X, y, v, w_star = matrix("X", n, d), matrix("y", n, 1), matrix("v", d, 1), matrix("w*", d, 1)
    r = y - X @ v
    grad = gradient((r.T @ r).trace().scale(1 / n), v)
    first = (X.T @ r).scale(-2 / n)
    normal_eq = Rules([Relation.of(X.T @ X @ w_star, X.T @ y, "X^T X w* = X^T y")])
    proof = GeneralProof("eq. (6)", standard=("Leibniz rule", "cyclic trace"), hypotheses=("A1 (normal equations)",))
    proof.add(check_equal("grad R^1(v) = -2/n X^T (y - X v)", grad, first))
    proof.add(check_equal("-2/n X^T (y - X v) = -2/n X^T X (w* - v)", first, (X.T @ X @ (w_star - v)).scale(-2 / n), normal_eq))
    return proof.evidence("for all n, d: grad R^1(v) = -2/n X^T (y - Xv) at symbolic size, and = -2/n X^T X (w* - v) using "
                          "only X^T X w* = X^T y, which w* = (X^T X)^{-1} X^T y satisfies when X^T X is invertible (A1)")


variational = paper.equation(
    "eq-7",
    r"S(\mathcal W)^2 = \lim_{\xi\to0}\sup_{\|W_k-\tilde W_k\|_F\le\xi}\frac{\sum_k\|\nabla_kR^L(\mathcal W)-\nabla_kR^L(\tilde{\mathcal W})\|_F^2}{\sum_k\|W_k-\tilde W_k\|_F^2}",
    where="Sec. 3 and App. B.1", eq="7, 13", uses=["definition-sharpness", "eq-5"], expect="refuted",
    note="Stated for any W (App. B.1: 'for a twice continuously differentiable f, the largest eigenvalue S of its Hessian "
         "admits the variational characterization'). The right-hand side is the squared spectral norm max|eig(H)|^2, "
         "which exceeds lambda_max(H)^2 wherever the most negative eigenvalue dominates. The paper only uses it at "
         "minimisers, where H is positive semidefinite; see eq-7-at-minimizers.",
)


@variational.check
def eq7_counterexample():
    """Depth-3 scalar chain, n = d = 1, x = y = 1, at W = (1/2, 1/2, 1/2): exact Hessian."""
    X, y, w = sp.Matrix([[1]]), sp.Matrix([1]), sp.Matrix([1])
    half = sp.Rational(1, 2)
    H, _ = ex.exact_hessian(X, y, [sp.Matrix([[half]])] * 3, w)
    eig = H.eigenvals()
    lmax, lmin = max(eig), min(eig)
    if abs(lmin) > lmax:
        return Evidence.refuted(
            f"at W = (1/2,1/2,1/2) for f = (1 - abc)^2 the Hessian has eigenvalues {sorted(eig)}: S = {lmax} but the "
            f"right-hand side of (7) is the spectral norm {abs(lmin)}", method="sympy exact eigenvalues",
            counterexample={"L": 3, "dims": [1, 1, 1, 1], "X": [[1]], "y": [1], "w": [1], "W": ["1/2", "1/2", "1/2"],
                            "S": str(lmax), "rhs": str(abs(lmin))})
    return Evidence.checked("no dominance of the negative eigenvalue at the test point", method="sympy", instances=1,
                            cases="W = (1/2, 1/2, 1/2), L = 3, x = y = 1")


variational_min = paper.equation(
    "eq-7-at-minimizers",
    r"\text{For every minimiser } \mathcal W \text{ of } R^L:\ S(\mathcal W)^2 = \lim_{\xi\to0}\sup_{\|W_k-\tilde W_k\|_F\le\xi}"
    r"\frac{\sum_k\|\nabla_kR^L(\mathcal W)-\nabla_kR^L(\tilde{\mathcal W})\|_F^2}{\sum_k\|W_k-\tilde W_k\|_F^2}",
    where="App. B.1", eq="7, 13", corrects="eq-7", uses=["definition-sharpness", "eq-5"], hypotheses=["a1"], outline=["eq-6"],
    note="The limit is ||H||_2^2 at any point; at a minimiser H = 2 J^T Sigma J is positive semidefinite, so ||H||_2 = lambda_max(H). "
         "Outline: eq. (6) (the gradient of R^1 vanishes where X^T X w_prod = X^T y), then the Hessian on that set.",
)


@variational_min.check
def eq7_min_general():
    """Every depth L, layers i, j (i = j included) and widths: the Hessian block of R^L in (W_i, W_j), by the matrix
    calculus at symbolic sizes, equals the Gauss-Newton block 2/n <X Dw_prod[Delta_i], X Dw_prod[E_j]> once
    X^T X w_prod = X^T y (the minimisers under A1, by eq. (6)); so H = 2 J^T Sigma J is PSD and ||H||_2 = lambda_max(H).
    For any C^2 risk the quotient of (7) tends to ||H Delta||^2 / ||Delta||^2, whose supremum is ||H||_2^2."""
    from symflat.symbolic.matrix_calculus import LayerChain, Relation, Rules, derivative, matrix, second_variation

    ch = LayerChain("W", "L", ("i", "j"))
    P, n = ch.product(), sp.Symbol("n", positive=True)
    X, y, w = matrix("X", n, P.cols), matrix("y", n, 1), matrix("w", P.rows, 1)
    r = y - X @ P.T @ w
    risk = (r.T @ r).trace().scale(1 / n)
    rules = Rules([Relation.of(X.T @ X @ P.T @ w, X.T @ y, "X^T X w_prod = X^T y")])
    Wi, Wj = ch.layer(ch["i"]), ch.layer(ch["j"])
    D, E, E2 = matrix("D", Wi.rows, Wi.cols), matrix("E", Wj.rows, Wj.cols), matrix("E2", Wi.rows, Wi.cols)
    for (Y, F) in ((Wj, E), (Wi, E2)):
        gn = (derivative(P.T @ w, Wi, D).T @ X.T @ X @ derivative(P.T @ w, Y, F)).trace().scale(2 / n)
        if not (second_variation(risk, (Wi, D), (Y, F)) - gn).is_zero(rules):
            return Evidence.open("a Hessian block on the minimum set did not reduce to its Gauss-Newton form")
    return Evidence.proved("for every depth, widths and output vector: on X^T X w_prod = X^T y every Hessian block (i < j and i = i) "
                           "equals its Gauss-Newton block (matrix calculus, symbolic sizes), so H = 2 J^T Sigma J >= 0 and "
                           "||H||_2 = lambda_max(H); the limit of (7) is ||H||_2^2 for any C^2 function (first-order Taylor of the "
                           "gradient)", method="matrix calculus (symbolic sizes)", standard="Taylor expansion of a C^1 gradient")


@variational_min.check
def eq7_min_exact():
    """Exact Hessian at a rational minimiser equals 2 J^T Sigma J (PSD), so its spectral norm is its top eigenvalue."""
    X = sp.Matrix([[1, 0], [1, 2], [0, 1]])
    y = sp.Matrix([1, 2, 3])
    G = X.T * X
    w_star = G.inv() * X.T * y
    W2 = sp.Matrix([[2, -1]])
    v1 = W2.T
    W1p = sp.Matrix([[1, 1], [0, 1]])
    W1 = W1p + v1 * (w_star - W1p.T * v1).T / (v1.T * v1)[0, 0]
    H, _ = ex.exact_hessian(X, y, [W1, W2], sp.Matrix([1]))
    Ws = ex.sym_weights([2, 2, 1])
    syms = [e for W in Ws for e in W.T]
    J = ex.prod_t(Ws, sp.Matrix([1])).jacobian(syms).subs({s: v for W, Wn in zip(Ws, [W1, W2]) for s, v in zip(W.T, Wn.T)})
    gn = 2 * J.T * (G / 3) * J
    if (H - gn).applyfunc(sp.simplify) != sp.zeros(*H.shape):
        return Evidence.refuted("Hessian at the minimiser is not 2 J^T Sigma J", counterexample={"H": str(H)})
    eig = H.eigenvals()
    if min(eig) < 0:
        return Evidence.refuted("negative Hessian eigenvalue at a minimiser", counterexample={"eig": str(eig)})
    return Evidence.certified("at a rational minimiser of a depth-2 network (d=2, d_1=2) the exact Hessian equals 2 J^T Sigma J "
                              "(PSD), hence ||H||_2 = lambda_max(H) and (7) holds there", method="sympy", instances=1,
                              cases="one rational minimiser, dims (2, 2, 1), n = 3")


@variational_min.check
def eq7_min_difference_quotients(ctx):
    """At random minimisers: the gradient-difference quotient along the top eigenvector at small xi
    approaches S, and no random direction exceeds S (up to O(xi))."""
    rng = ctx.rng
    worst = 0.0
    for dims in [(3, 3, 3, 1), (2, 4, 3, 2, 1)]:
        prob = lib.random_problem(rng, 12, dims[0])
        w = np.ones(dims[-1])
        Ws = lib.random_minimizer(rng, prob, dims, w)
        H = lib.hessian(prob, Ws, w)
        ev, V = np.linalg.eigh(H)
        S = ev[-1]
        x0, shapes = lib.flatten(Ws), [W.shape for W in Ws]
        g0 = lib.flatten(lib.grads(prob, Ws, w))
        xi = 1e-6

        def quotient(u):
            u = u / np.linalg.norm(u)
            return np.linalg.norm(lib.flatten(lib.grads(prob, lib.unflatten(x0 + xi * u, shapes), w)) - g0) / xi

        q_top = quotient(V[:, -1])
        q_rand = max(quotient(rng.standard_normal(x0.size)) for _ in range(200))
        worst = max(worst, abs(q_top - S) / S, max(0.0, q_rand - S) / S)
    if worst > 1e-4:
        return Evidence.refuted(f"difference quotient departs from S by {worst:.2e} (relative)")
    return Evidence.checked(f"difference quotients at 2 random minimisers match S to {worst:.1e}", seed=ctx.seed, instances=2,
                            cases="random minimisers, dims (3,3,3,1) and (2,4,3,2,1)", method="finite differences of eq. (5)")


@variational_min.check
def eq7_min_numeric_engine(ctx):
    """The numeric engine's dense Hessian of LinearWithOutput (an independent implementation) has top eigenvalue
    2 lambda_max(Sigma^(1/2) J J^T Sigma^(1/2)) at random minimisers with random output vectors."""
    from symflat.models import LinearWithOutput, Points
    from symflat.numeric import sharpness

    rng = ctx.rng
    worst = 0.0
    for dims in [(3, 4, 2, 2), (2, 2, 2, 2, 1), (4, 3, 5), (2, 1, 3, 3)]:
        prob = lib.random_problem(rng, 15, dims[0])
        w = rng.standard_normal(dims[-1])
        Ws = lib.random_minimizer(rng, prob, dims, w)
        dense = sharpness(LinearWithOutput(dims, output=tuple(w)), lib.flatten(Ws), Points(prob.X, prob.y), method="dense").eigenvalue
        mine = lib.sharpness_at_minimizer(prob, Ws, w)
        worst = max(worst, abs(dense - mine) / dense)
    if worst > 1e-9:
        return Evidence.refuted(f"engine dense Hessian and 2 J^T Sigma J disagree by {worst:.2e} (relative)")
    return Evidence.checked(f"4 random minimisers (depths 2-4, random w): engine dense top eigenvalue = 2 lambda_max(Sigma^(1/2) J J^T "
                            f"Sigma^(1/2)) to {worst:.1e}", seed=ctx.seed, instances=4,
                            cases="dims (3,4,2,2), (2,2,2,2,1), (4,3,5), (2,1,3,3)", method="symflat.numeric dense Hessian")


shallow = paper.remark(
    "remark-eq-7-depth-2",
    r"\text{For } L\le2 \text{ eq. (7) holds at every } \mathcal W:\ \lambda_{\max}(H)\ge|\lambda_{\min}(H)|",
    where="Sec. 3 (derived here)", uses=["eq-7"],
    note="H = 2 J^T Sigma J + R with R the residual term; for L = 2 the output is bilinear in (W_1, W_2), so R has zero diagonal "
         "blocks and a spectrum symmetric about 0; with the PSD Gauss-Newton part, Weyl's inequalities give |lambda_min(H)| <= "
         "lambda_max(R) <= lambda_max(H). Hence the depth-3 counterexample of eq-7 is the shallowest possible.",
)


@shallow.check
def shallow_exact():
    """Symbolic: for L = 2 (d = 2, d_1 = 2, d_2 = 1) the Hessian of R^L minus 2 J^T Sigma J has zero diagonal blocks."""
    X = sp.Matrix([[1, 2], [0, 1], [3, -1]])
    y = sp.Matrix([1, -1, 2])
    Ws = ex.sym_weights([2, 2, 1])
    syms = [e for W in Ws for e in W.T]
    R = ex.risk_expr(X, y, Ws, sp.Matrix([1]))
    J = ex.prod_t(Ws, sp.Matrix([1])).jacobian(syms)
    resid = (sp.hessian(R, syms) - 2 * J.T * (X.T * X / 3) * J).applyfunc(sp.expand)
    p1 = Ws[0].rows * Ws[0].cols
    blocks = [resid[:p1, :p1], resid[p1:, p1:]]
    if any(e != 0 for B in blocks for e in B):
        return Evidence.refuted("the residual term has a nonzero diagonal block for L = 2")
    return Evidence.certified("for L = 2 the residual part of the Hessian has identically zero diagonal blocks (symbolic weights), so its "
                              "spectrum is symmetric and |lambda_min(H)| <= lambda_max(H)", method="sympy", instances=1,
                              cases="dims (2, 2, 1), one 3 x 2 data set, symbolic weights")


@shallow.check
def shallow_general():
    """Every width d_0, d_1, d_2 and output w (L = 2): H = J^T (2 Sigma) J + R with R(Delta, E) = <g, D^2 w_prod[Delta, E]>,
    g = grad R^1(w_prod) (second-order chain rule). w_prod = W_1^T W_2^T w is linear in each layer, so the matrix
    calculus finds D^2 w_prod zero on the (W_1, W_1) and (W_2, W_2) blocks at symbolic sizes: R = [[0, B], [B^T, 0]] has
    spectrum {+-sigma_i(B)}, and Weyl with the PSD Gauss-Newton part gives lambda_max(H) >= lambda_max(R) >= -lambda_min(H).
    (L = 1: H = J^T (2 Sigma) J is PSD.)"""
    from symflat.symbolic.matrix_calculus import matrix, second_variation

    d0, d1, d2 = sp.symbols("d0 d1 d2", integer=True, positive=True)
    W1, W2, w, g = matrix("W1", d1, d0), matrix("W2", d2, d1), matrix("w", d2, 1), matrix("g", d0, 1)
    f = (g.T @ W1.T @ W2.T @ w).trace()                      # <g, w_prod>, g held fixed
    blocks = {"(W1, W1)": second_variation(f, (W1, matrix("D1", d1, d0)), (W1, matrix("E1", d1, d0))),
              "(W2, W2)": second_variation(f, (W2, matrix("D2", d2, d1)), (W2, matrix("E2", d2, d1)))}
    if not all(b.is_zero() for b in blocks.values()):
        return Evidence.open(f"the diagonal blocks did not reduce to zero: {blocks}")
    return Evidence.proved("for every width and output vector at L = 2 (and trivially L = 1): the residual part of the Hessian has "
                           "zero (W1, W1) and (W2, W2) blocks (matrix calculus at symbolic sizes), so its spectrum is symmetric "
                           "about 0, and with the PSD Gauss-Newton part Weyl's inequalities give |lambda_min(H)| <= lambda_max(H)",
                           method="matrix calculus (symbolic sizes) + Weyl", standard="second-order chain rule, Weyl's inequalities")


@shallow.check
def shallow_random(ctx):
    """Random points of depth-2 networks (far from minimisers): lambda_max(H) >= |lambda_min(H)|."""
    rng = ctx.rng
    worst = np.inf
    for _ in range(40):
        d, d1, d2 = (int(v) for v in rng.integers(1, 4, 3))
        prob = lib.random_problem(rng, 8, d)
        w = rng.standard_normal(d2)
        Ws = [rng.standard_normal((d1, d)) * rng.uniform(0.1, 3), rng.standard_normal((d2, d1)) * rng.uniform(0.1, 3)]
        ev = np.linalg.eigvalsh(lib.hessian(prob, Ws, w))
        worst = min(worst, (ev[-1] - abs(ev[0])) / max(ev[-1], 1e-12))
    if worst < -1e-6:
        return Evidence.refuted(f"a depth-2 point with |lambda_min| > lambda_max (relative {worst:.2e})")
    return Evidence.checked(f"40 random depth-2 points: smallest (lambda_max - |lambda_min|)/lambda_max = {worst:.3g}", seed=ctx.seed,
                            instances=40, cases="40 random points, widths 1-3, n = 8", slack=worst)


@variational_min.check
def eq7_min_symbolic():
    """Identity H = 2 J^T Sigma J + sum_i (grad R^1(w_prod))_i Hess(w_prod,i), symbolic in X, y, w and the weights;
    at a minimiser grad R^1(w_prod) = 0, so H = 2 J^T Sigma J is PSD and ||H||_2 = lambda_max(H)."""
    n = 2
    for dims in [(2, 2, 1), (1, 2, 2, 1), (2, 1, 2)]:
        d = dims[0]
        X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x_{i}{j}"))
        y = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"y_{i}"))
        w = sp.Matrix(dims[-1], 1, lambda i, _: sp.Symbol(f"o_{i}"))
        Ws = ex.sym_weights(dims)
        syms = [e for W in Ws for e in W.T]
        wp = ex.prod_t(Ws, w)
        J = wp.jacobian(syms)
        g = -sp.Rational(2, n) * X.T * (y - X * wp)
        H = sp.hessian(ex.risk_expr(X, y, Ws, w), syms)
        rest = sum((g[i] * sp.hessian(wp[i], syms) for i in range(d)), sp.zeros(len(syms)))
        diff = (H - 2 * J.T * (X.T * X / n) * J - rest).applyfunc(sp.expand)
        if any(e != 0 for e in diff):
            return Evidence.refuted(f"Hessian decomposition fails for dims {dims}")
    return Evidence.certified("H = 2 J^T Sigma J + sum_i (grad R^1)_i Hess(w_prod,i) identically (symbolic X, y, w, weights; dims "
                              "(2,2,1), (1,2,2,1), (2,1,2)); the second term vanishes at minimisers", method="sympy", instances=3,
                              cases="dims (2,2,1), (1,2,2,1), (2,1,2), n = 2, symbolic entries")
