"""Section 4.1 of Elkabetz & Cohen 2021 (with App. D and the proofs in App. I.4-I.11): the Hessian of
deep linear and homogeneous networks (Lemmas 5, 9), unbounded negative curvature in general
(Propositions 6, 10), lower bounds on lambda_min (Lemmas 7, 11) and their tighter forms along
gradient-flow trajectories from small initialisation (Propositions 8, 12), with the balancedness
invariants of Du et al. (2018) and Lemma 33."""

import math

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.numeric.objective import layer_product
from symflat.search import search_check

from . import _inequalities as ineqs
from . import _lib as lib
from . import paper


# --- Lemma 5 -------------------------------------------------------------------------------------

lemma5 = paper.lemma(
    "lemma-5",
    r"\nabla^2 f(\theta)[\Delta W_1..\Delta W_n] = \nabla^2\phi(W_{n:1})\big[\sum_j W_{n:j+1}\Delta W_jW_{j-1:1}\big] + "
    r"2\,\mathrm{Tr}\big(\nabla\phi(W_{n:1})^\top\sum_{j<j'}W_{n:j'+1}\Delta W_{j'}W_{j'-1:j+1}\Delta W_jW_{j-1:1}\big)",
    where="Sec. 4.1.1, Lemma 5", eq="12", uses=["eq-10", "eq-11"], proof_uses=["eq-11"],
)


@lemma5.check
def lemma5_symbolic():
    """Hessian of the exact loss (SymPy differentiation of (9)) against the form (12), with every
    weight and every perturbation entry symbolic; rational data, half-square loss."""
    from symflat.models import DeepNetwork, Points
    from symflat.symbolic import derive, direct_form, lemma5_form, prove_zero

    cases = [((2, 2, 1), 2), ((1, 2, 2, 1), 2), ((2, 1, 2, 2), 3), ((1, 1, 1, 1, 1), 1)]
    rng = np.random.default_rng(11)
    for dims, n_pts in cases:
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        X = [[sp.Rational(int(v), 3) for v in rng.integers(-4, 5, dims[0])] for _ in range(n_pts)]
        Y = [[sp.Rational(int(v), 2) for v in rng.integers(-3, 4, dims[-1])] for _ in range(n_pts)]
        data = Points(X, Y)
        H = derive(model, data).hessian()
        bad = lib.not_zero(prove_zero(sp.expand(direct_form(H, model) - lemma5_form(model, data))), f"(12) for dims {dims}")
        if bad:
            return bad
    return Evidence.certified(f"eq. (12) equals dtheta^T H dtheta identically (symbolic weights and perturbations) for dims "
                              f"{[c[0] for c in cases]}", instances=len(cases),
                              cases=[f"dims {c[0]}, {c[1]} rational examples" for c in cases], method="sympy expand")


@lemma5.check
def lemma5_general():
    """Every depth n and widths, any C^2 phi: eq. (12) from the second-order chain rule and the first and second
    variations of W_{n:1}, each proved by induction on n with base case and step checked at symbolic sizes."""
    from symflat.symbolic.matrix_calculus import prove_second_variation_chain_rule
    return prove_second_variation_chain_rule().evidence(
        "for every depth n, widths and C^2 phi: D^2 f = D^2 phi(W_n:1)[D W_n:1] + <grad phi, D^2 W_n:1>; D W_n:1 = sum_j "
        "W_n:j+1 dW_j W_j-1:1 and D^2 W_n:1 = 2 sum_(j<j') W_n:j'+1 dW_j' W_j'-1:j+1 dW_j W_j-1:1, both by induction on n "
        "(base n = 1, 2 and step n -> n+1 checked on generic summands with symbolic indices), matching (12) term by term")


# --- Proposition 6 -------------------------------------------------------------------------------

prop6 = paper.proposition(
    "proposition-6",
    r"n\ge3,\ \nabla\phi(0)\ne0 \Rightarrow \inf_\theta\lambda_{\min}(\nabla^2 f(\theta)) = -\infty",
    where="Sec. 4.1.1, Proposition 6", uses=["eq-11"], proof_uses=["lemma-5"], outline=["lemma-5"],
)


@prop6.check
def prop6_construction():
    """The proof's construction (App. I.5) with c symbolic: W_1 = W_2 = 0, W_3 = W_3' (-c sum||dW_j||^2) /
    (2 <grad phi(0), W_n..W_3' dW_2' dW_1'>); then dtheta^T H dtheta = -c ||dtheta||^2 for every c > 0."""
    from symflat.models import DeepNetwork, Points
    from symflat.symbolic import derive

    c = sp.Symbol("c", positive=True)
    out = []
    for dims in [(2, 2, 2, 1), (1, 2, 1, 2, 1)]:
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        data = Points([[1, 0][: dims[0]], [0, 1][: dims[0]]] if dims[0] == 2 else [[1], [2]], [[1] * dims[-1], [-1] * dims[-1]])
        X = sp.Matrix(data.X)
        Y = sp.Matrix(data.Y)
        grad0 = -(Y.T * X) / X.shape[0]  # grad phi(0) = (1/|S|) sum (0 x_i - y_i) x_i^T
        rest = [sp.ones(dims[j + 1], dims[j]) for j in range(2, len(dims) - 1)]
        P = sp.eye(dims[2])
        for W in rest:
            P = W * P
        for shift in range(1, 6):  # the first small integer directions with <grad phi(0), W_n..W_3' dW_2' dW_1'> != 0
            dW1 = sp.Matrix(dims[1], dims[0], lambda r, q: (r + 2 * q + shift) % 3)
            dW2 = sp.Matrix(dims[2], dims[1], lambda r, q: (2 * r + q + shift) % 4 - 1)
            inner = (grad0.T * (P * dW2 * dW1)).trace()
            if inner != 0:
                break
        if inner == 0:
            return Evidence.open(f"construction degenerate for {dims}")
        if inner < 0:
            rest[-1] = -rest[-1]
            inner = -inner
        norm2 = sum(x ** 2 for x in dW1) + sum(x ** 2 for x in dW2)
        W3 = rest[0] * (-c * norm2) / (2 * inner)
        Ws = [sp.zeros(dims[1], dims[0]), sp.zeros(dims[2], dims[1]), W3] + rest[1:]
        point = [x for W in Ws for j in range(W.shape[1]) for x in W[:, j]]
        H = derive(model, data).at(point, "hessian")
        dWs = [dW1, dW2] + [sp.zeros(dims[j + 1], dims[j]) for j in range(2, len(dims) - 1)]
        dth = sp.Matrix([x for W in dWs for j in range(W.shape[1]) for x in W[:, j]])
        q = sp.simplify((dth.T * H * dth)[0, 0] + c * norm2)
        if q != 0:
            return Evidence.refuted(f"construction gives {q} != 0 for {dims}")
        out.append(dims)
    return Evidence.certified(f"dtheta^T H(theta_c) dtheta = -c ||dtheta||^2 identically in c > 0 for dims {out}, so "
                              "lambda_min <= -c for every c", instances=len(out), cases=[f"dims {d}" for d in out], method="sympy")


@prop6.check
def prop6_general():
    """Every depth n >= 3 and all widths, from Lemma 5's form (12). G = grad phi(0) != 0 has an entry G_rs != 0. Take
    W_1 = 0, W_2 = 0, W_3 = t W_3', the other W_j fixed, and dtheta = (dW_1, dW_2, 0, ..., 0). Then W_n:1 = 0 and, with
    the product W_n:3 as one matrix symbol M of symbolic size (SymPy MatrixSymbol / ZeroMatrix), the first variation
    sum_j W_n:j+1 dW_j W_j-1:1 = M W_2 dW_1 + M dW_2 W_1 is the zero matrix, so the phi'' term of (12) vanishes; of the
    pairs j < j' only (1, 2) has both perturbations non-zero, so (12) = 2 <G, W_n:3 dW_2 dW_1> = 2 t kappa with
    kappa = <G, Q W_3' dW_2 dW_1>, Q = W_n:4 (identity when n = 3). The choice W_3' = e_1 e_1^T, W_j = e_1 e_1^T
    (4 <= j < n), W_n = e_r e_1^T (W_3' = e_r e_1^T when n = 3), dW_2 = e_1 e_1^T, dW_1 = e_1 e_s^T makes the product
    e_r e_s^T at every depth (e_1^T e_1 = 1), so kappa = G_rs != 0 and ||dtheta||^2 = 2; t = -c/kappa gives
    dtheta^T H dtheta = -c ||dtheta||^2 (SymPy), hence lambda_min <= -c for every c > 0."""
    d0, d1, d2, dn = sp.symbols("d0 d1 d2 dn", integer=True, positive=True)
    M = sp.MatrixSymbol("M", dn, d2)
    dW1, dW2 = sp.MatrixSymbol("dW1", d1, d0), sp.MatrixSymbol("dW2", d2, d1)
    first = M * sp.ZeroMatrix(d2, d1) * dW1 + M * dW2 * sp.ZeroMatrix(d1, d0)
    c, kappa = sp.Symbol("c", positive=True), sp.Symbol("kappa", nonzero=True)
    t = -c / kappa
    # the e_1 chain: rank-one factors u e_1^T, e_1 e_1^T, e_1 v^T multiply to u v^T; checked with 3-dim unit vectors
    # standing for any widths (only e_1^T e_1 = 1 is used)
    e1, u, v = sp.Matrix([1, 0, 0]), sp.Matrix(sp.symbols("u0:3")), sp.Matrix(sp.symbols("v0:3"))
    chain = (u * e1.T) * (e1 * e1.T) * (e1 * e1.T) * (e1 * v.T)
    ok = first == sp.ZeroMatrix(dn, d0) and (chain - u * v.T).applyfunc(sp.expand) == sp.zeros(3)
    ok &= sp.simplify(2 * t * kappa + c * 2) == 0
    if not ok:
        return Evidence.open("the construction did not reduce (12) to 2 t kappa = -c ||dtheta||^2")
    return Evidence.proved("Lemma 5's (12) at theta_t = (0, 0, t W_3', W_4, ..., W_n) along (dW_1, dW_2, 0, ...) is 2 t G_rs "
                           "for every depth n >= 3 and widths (zero first variation with the product W_n:3 symbolic; "
                           "the rank-one chain e_r e_s^T); t = -c/G_rs gives a Rayleigh quotient -c, for every c > 0",
                           method="sympy matrix symbols of symbolic size + Lemma 5")


# --- Lemma 7 -------------------------------------------------------------------------------------

LEMMA7_RHS = (r"-(n-1)\sqrt{\min\{d_0,d_n\}}\,\|\nabla\phi(W_{n:1})\|_F\max_{|\mathcal J| = n-2}\prod_{j\in\mathcal J}\|W_j\|_2")

lemma7_ineq = ineqs.lemma7()
lemma7 = paper.lemma(
    "lemma-7", r"\lambda_{\min}(\nabla^2 f(\theta)) \ge " + LEMMA7_RHS,
    where="Sec. 4.1.1, Lemma 7", eq="13", uses=["eq-11"], proof_uses=["lemma-5"], inequality=lemma7_ineq,
    note="Searched over square-loss phi with arbitrary data moments (Lambda_xx PSD, Lambda_yx), depth 2-3.",
)
lemma7.check(search_check(lemma7_ineq, budget=5.0))


@lemma7.check
def lemma7_random(ctx):
    """Dense Hessians of random deep linear nets (n = 3..5, half-square loss on points), balanced and
    strongly unbalanced (W_1 -> s W_1, W_2 -> W_2 / s): lambda_min against (13)."""
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = ctx.rng
    worst, count = np.inf, 0
    for dims in [(3, 3, 3, 2), (2, 4, 3, 3, 1), (3, 2, 2, 2, 2, 3)]:
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        for _ in range(12):
            data = lib.random_points(rng, 5, dims[0], dims[-1])
            Ws = [rng.standard_normal((dims[j + 1], dims[j])) * rng.uniform(0.2, 1.5) for j in range(len(dims) - 1)]
            s = 10 ** rng.uniform(-1.5, 1.5)
            Ws[0], Ws[1] = Ws[0] * s, Ws[1] / s
            w = lib.flat(Ws)
            lam = lib.lam_min(hessian(model, w, data))
            E = layer_product(Ws, 1, len(Ws), dims[0])
            X, Y = np.asarray(data.X), np.asarray(data.Y)
            G = (E @ X.T - Y.T) @ X / data.n
            rhs = lemma7_rhs_numpy(Ws, G)
            worst = min(worst, (lam - rhs) / max(1.0, abs(rhs)))
            count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"lambda_min below (13): relative slack {worst:.3e}")
    return Evidence.checked(f"{count} random points (depth 3-5, rescaled up to 30x apart): min relative slack {worst:.3e}",
                            slack=worst, instances=count, cases="random points, depth 3-5, rescaled up to 30x apart", seed=ctx.seed, method="dense Hessian, numpy")


def lemma7_rhs_numpy(Ws, G):
    n = len(Ws)
    d0, dn = Ws[0].shape[1], Ws[-1].shape[0]
    norms = sorted(np.linalg.norm(W, 2) for W in Ws)
    return -(n - 1) * math.sqrt(min(d0, dn)) * np.linalg.norm(G) * float(np.prod(norms[2:]))


# --- balancedness (Du et al. 2018) ---------------------------------------------------------------

balance = paper.theorem(
    "du-balancedness",
    r"\text{along (5)}: \tfrac{d}{dt}\big(W_{j+1}^\top W_{j+1} - W_jW_j^\top\big) = 0\ (\sigma(z)=z);\ "
    r"\tfrac{d}{dt}\big(\|W_{j'}\|_F^2 - \|W_j\|_F^2\big) = 0\ (\text{any homogeneous }\sigma)",
    where="App. I.7 and I.11 (Du, Hu & Lee 2018, Theorem 2.2 and Corollary 2.1)", uses=["eq-5", "eq-8", "assumption-homogeneous"],
    cite="Du, Hu & Lee (2018), Theorem 2.2, Corollary 2.1",
)


@balance.check
def balance_symbolic():
    """-grad_{W_j+1}^T W_{j+1} - W_{j+1}^T grad_{W_j+1} + grad_{W_j} W_j^T + W_j grad_{W_j}^T = 0 identically
    (symbolic weights, dims (2,3,2,1), symbolic data point); for a fixed leaky pattern (eq. 15, diagonal
    slopes symbolic) the per-neuron identity <grad_{W_j}, W_j>_rows = <grad_{W_j+1}, W_j+1>_cols, whose sum is
    the Frobenius statement."""
    dims = (2, 3, 2, 1)
    Ws = [sp.Matrix(dims[j + 1], dims[j], lambda r, c, j=j: sp.Symbol(f"w{j}_{r}{c}", real=True)) for j in range(3)]
    x = sp.Matrix(2, 1, sp.symbols("x0 x1", real=True))
    y = sp.Symbol("y", real=True)
    Ds = [sp.diag(*sp.symbols(f"a{j}_0:{dims[j + 1]}", real=True)) for j in range(2)]
    for name, fwd in [("linear", lambda: Ws[2] * Ws[1] * Ws[0] * x),
                      ("pattern", lambda: Ws[2] * Ds[1] * Ws[1] * Ds[0] * Ws[0] * x)]:
        f = ((fwd() - sp.Matrix([[y]])).T * (fwd() - sp.Matrix([[y]])))[0, 0] / 2
        grads = [W.applyfunc(lambda s: sp.diff(f, s)) for W in Ws]
        for j in range(2):
            if name == "linear":
                expr = -grads[j + 1].T * Ws[j + 1] - Ws[j + 1].T * grads[j + 1] + grads[j] * Ws[j].T + Ws[j] * grads[j].T
                if any(sp.expand(e) != 0 for e in expr):
                    return Evidence.refuted(f"W_{j + 2}^T W_{j + 2} - W_{j + 1} W_{j + 1}^T not conserved")
            else:
                for k in range(dims[j + 1]):
                    e = sum(grads[j][k, c] * Ws[j][k, c] for c in range(dims[j])) - sum(
                        grads[j + 1][r, k] * Ws[j + 1][r, k] for r in range(dims[j + 2]))
                    if sp.expand(e) != 0:
                        return Evidence.refuted(f"per-neuron balance fails at layer {j + 1}, neuron {k}")
    return Evidence.certified("the time derivatives of the invariants vanish identically for dims (2,3,2,1), one symbolic "
                              "example, linear activation and any fixed diagonal pattern", instances=2,
                              cases=["linear, dims (2,3,2,1), one symbolic example", "symbolic diagonal pattern, dims (2,3,2,1)"],
                              method="sympy expand")


@balance.check
def balance_general():
    """Every depth n, every layer pair and width: the linear invariant for any C^2 loss of W_{n:1} (gradients by the
    chain rule at symbolic sizes, generic consecutive layers j, j+1), and the Frobenius invariant for positively
    homogeneous sigma with the network written A W_{j+1} D W_j B around the pair (Euler: sigma(z) = sigma'(z) z)."""
    from symflat.symbolic.matrix_calculus import prove_homogeneous_balancedness, prove_linear_balancedness
    linear, homogeneous = prove_linear_balancedness("generic"), prove_homogeneous_balancedness()
    if not (linear.proved and homogeneous.proved):
        return (linear if not linear.proved else homogeneous).evidence()
    return Evidence.proved(
        "for every depth n, pair (j, j+1) and widths: d/dt(W_(j+1)^T W_(j+1) - W_j W_j^T) = 0 for any loss phi(W_n:1) "
        "(sigma(z) = z); for homogeneous sigma, at every point where no pre-activation is zero (where (5) is defined), "
        "d/dt(||W_(j+1)||_F^2 - ||W_j||_F^2) = 0 per sample, hence for the average (9) and, telescoping, for any j < j'",
        method="matrix calculus", steps=[s.name for s in linear.steps + homogeneous.steps],
        seconds=round(linear.seconds + homogeneous.seconds, 3))


sketch = paper.remark(
    "remark-proposition-8-sketch-invariant",
    r"\text{(sketch of Prop. 8) } W_{j+1}^\top W_{j+1} - W_j^\top W_j \text{ is invariant along gradient flow}",
    where="Sec. 4.1.1, proof sketch of Proposition 8", uses=["eq-5"], expect="refuted",
    note="Typo: the invariant is W_{j+1}^T W_{j+1} - W_j W_j^T (App. I.7 uses it correctly). The printed "
         "difference even mixes d_j x d_j and d_{j-1} x d_{j-1} matrices; for square layers it is not conserved.",
)


@sketch.check
def sketch_counterexample():
    """Square layers (2,2,2), one example x = (1,0), y = (0,0), half-square loss, at W_1 = [[1,0],[1,1]],
    W_2 = [[1,2],[0,1]]: the time derivative of W_2^T W_2 - W_1^T W_1 is a nonzero rational matrix."""
    W1 = sp.Matrix([[sp.Symbol("a"), sp.Symbol("b")], [sp.Symbol("c"), sp.Symbol("d")]])
    W2 = sp.Matrix([[sp.Symbol("e"), sp.Symbol("g")], [sp.Symbol("h"), sp.Symbol("k")]])
    x, y = sp.Matrix([1, 0]), sp.Matrix([0, 0])
    r = W2 * W1 * x - y
    f = (r.T * r)[0, 0] / 2
    g1 = W1.applyfunc(lambda s: sp.diff(f, s))
    g2 = W2.applyfunc(lambda s: sp.diff(f, s))
    deriv = -(g2.T * W2 + W2.T * g2) + (g1.T * W1 + W1.T * g1)
    at = dict(zip(sp.symbols("a b c d e g h k"), [1, 0, 1, 1, 1, 2, 0, 1]))
    val = deriv.subs(at)
    if val != sp.zeros(2, 2):
        return Evidence.refuted(f"d/dt (W_2^T W_2 - W_1^T W_1) = {val.tolist()} != 0 at the stated point", method="sympy exact",
                                counterexample={"W1": [[1, 0], [1, 1]], "W2": [[1, 2], [0, 1]], "x": [1, 0], "y": [0, 0],
                                                "derivative": str(val.tolist())})
    return Evidence.checked("derivative vanished at the test point", instances=1, cases="the stated rational point")


@paper.remark(
    "remark-proposition-8-sketch-invariant-corrected",
    r"\text{(sketch of Prop. 8, corrected) } W_{j+1}^\top W_{j+1} - W_j W_j^\top \text{ is invariant along gradient flow } (\sigma(z)=z)",
    where="Sec. 4.1.1, proof sketch of Proposition 8 (ours: the invariant App. I.7 uses)", uses=["eq-5"],
    corrects="remark-proposition-8-sketch-invariant", outline=["du-balancedness"],
    note="The linear half of du-balancedness, whose matrix-calculus check proves it for every depth and width.")
def sketch_corrected_is_du_balancedness():
    """The implication is the identity: the corrected sketch states the linear case of du-balancedness verbatim;
    checked by comparing the invariant's derivative at the sketch's own counterexample point, where it vanishes."""
    W1 = sp.Matrix([[1, 0], [1, 1]])
    W2 = sp.Matrix([[1, 2], [0, 1]])
    x, y = sp.Matrix([1, 0]), sp.Matrix([0, 0])
    r = W2 * W1 * x - y
    g1, g2 = W2.T * r * x.T, r * (W1 * x).T          # gradients of (1/2)||W2 W1 x - y||^2
    deriv = -(g2.T * W2 + W2.T * g2) + (g1 * W1.T + W1 * g1.T)
    if deriv != sp.zeros(2, 2):
        return Evidence.refuted(f"d/dt (W_2^T W_2 - W_1 W_1^T) = {deriv.tolist()} at the sketch's point",
                                counterexample={"W1": [[1, 0], [1, 1]], "W2": [[1, 2], [0, 1]]})
    return Evidence.proved("the corrected invariant is the linear case of du-balancedness (same statement); its derivative "
                           "also vanishes exactly at the point that refutes the printed sketch", method="identity of statements")



# --- Lemma 33 and Proposition 8 ------------------------------------------------------------------

lemma33_ineq = ineqs.lemma33()
lemma33 = paper.lemma(
    "lemma-33",
    r"\|A_{i+1}^\top A_{i+1} - A_iA_i^\top\|_2\le\tfrac1{2n}\ \forall i \Rightarrow \max_i\|A_i\|_2^n \le \|A_{n:1}\|_2 + "
    r"2n\sqrt{\max_i\|\Delta_i\|_2}\,\max_{A\in\{I,A_1..A_n\}}\|A\|_2^{2n}",
    where="App. I.7, Lemma 33", hypotheses=["lemma-33-near-balanced"], inequality=lemma33_ineq,
)
paper.assumption("lemma-33-near-balanced", r"\|\Delta_i\|_2 \le 1/(2n),\ \Delta_i = A_{i+1}^\top A_{i+1} - A_iA_i^\top",
                 where="App. I.7, Lemma 33")
lemma33.check(search_check(lemma33_ineq, budget=5.0))


prop8 = paper.proposition(
    "proposition-8",
    r"\theta \text{ on a flow (5) from } \|\theta_s\|_2\le\epsilon\le\tfrac1{2n} \Rightarrow \lambda_{\min}(\nabla^2f(\theta)) \ge "
    r"-(n-1)\sqrt{\min\{d_0,d_n\}}\|\nabla\phi(W_{n:1})\|_F\|W_{n:1}\|_2^{1-2/n} - c\,\epsilon^{1-2/n},\ "
    r"c = \tfrac{4n(n-1)}{(4n)^{2/n}}\sqrt{\min\{d_0,d_n\}}\|\nabla\phi(W_{n:1})\|_F\max\{1,\max_j\|W_j\|_2\}^{2(n-2)}",
    where="Sec. 4.1.1, Proposition 8", eq="14", uses=["eq-5", "eq-10", "eq-11"],
    proof_uses=["lemma-7", "lemma-33", "du-balancedness"],
)


@prop8.check
def prop8_flows(ctx):
    """Flows of deep linear nets (n = 3, 4; half-square loss, 6 points) from random theta_s with
    ||theta_s|| = eps in {1/(2n), 1/(8n)}, t in [0, 30]: lambda_min (dense) against (14) at 31 times."""
    from symflat.models import DeepNetwork
    from symflat.numeric import gradient_flow, hessian

    rng = ctx.rng
    worst, count, tightest = np.inf, 0, None
    for dims in [(3, 3, 3, 2), (2, 3, 3, 3, 1)]:
        n = len(dims) - 1
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        for eps in (1 / (2 * n), 1 / (8 * n)):
            for _ in range(2):
                data = lib.random_points(rng, 6, dims[0], dims[-1])
                w0 = rng.standard_normal(model.num_params)
                w0 *= eps / np.linalg.norm(w0)
                gf = gradient_flow(model, w0, data, 30.0, t_eval=np.linspace(0, 30, 31), rtol=1e-10, atol=1e-12)
                X, Y = np.asarray(data.X), np.asarray(data.Y)
                for w in gf.weights:
                    Ws = lib.mats(model, w)
                    E = layer_product(Ws, 1, n, dims[0])
                    G = (E @ X.T - Y.T) @ X / data.n
                    k = math.sqrt(min(dims[0], dims[-1])) * np.linalg.norm(G)
                    big = max(1.0, max(np.linalg.norm(W, 2) for W in Ws))
                    c = 4 * n * (n - 1) / (4 * n) ** (2 / n) * k * big ** (2 * (n - 2))
                    rhs = -(n - 1) * k * np.linalg.norm(E, 2) ** (1 - 2 / n) - c * eps ** (1 - 2 / n)
                    lam = lib.lam_min(hessian(model, w, data))
                    slack = (lam - rhs) / max(1.0, abs(rhs))
                    if slack < worst:
                        worst, tightest = slack, (dims, eps, lam, rhs)
                    count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"(14) violated: {tightest}", counterexample={"case": str(tightest)})
    return Evidence.checked(f"{count} points on 8 flows (dims (3,3,3,2), (2,3,3,3,1)): min relative slack {worst:.3e} "
                            f"(lambda_min = {tightest[2]:.4f} vs bound {tightest[3]:.4f})",
                            slack=worst, instances=count, cases="points along 8 balanced-start flows, dims (3,3,3,2), (2,3,3,3,1)", seed=ctx.seed, method="DOP853 flow + dense Hessian")


# --- non-linear activations ----------------------------------------------------------------------

prop25 = paper.proposition(
    "proposition-25",
    r"\sigma(z) = \alpha\max\{z,0\}-\bar\alpha\max\{-z,0\},\ \alpha\ne\bar\alpha \Rightarrow \text{for a.e. } \theta' \exists "
    r"D'_{i,j} = \mathrm{diag}(\{\alpha,\bar\alpha\}) \text{ with } f = (15) \text{ on an open } \mathcal D_{\theta'}\ni\theta' "
    r"\text{ closed under } (W_j)\mapsto(c_jW_j),\ c_j>0",
    where="App. D, Proposition 25 (used in Sec. 4.1.2)", eq="15", uses=["eq-8", "eq-9", "assumption-homogeneous"],
)


@prop25.check
def prop25_rescaling(ctx):
    """Random leaky-ReLU nets: the pattern at theta' is unchanged by positive layer rescalings, and there
    f equals the polynomial (15) with the pattern's D'_{i,j} (float64, 200 draws)."""
    from symflat.models import DeepNetwork

    rng = ctx.rng
    model = DeepNetwork((3, 4, 4, 2), activation="leaky_relu", negative_slope=0.3, loss="half_square")
    worst = 0.0
    for _ in range(200):
        data = lib.random_points(rng, 5, 3, 2)
        w = rng.standard_normal(model.num_params)
        Ws = lib.mats(model, w)
        cs = np.exp(rng.uniform(-2, 2, 3))
        w2 = lib.flat([c * W for c, W in zip(cs, Ws)])
        if not np.array_equal(lib.forward_patterns(model, data, w), lib.forward_patterns(model, data, w2)):
            return Evidence.refuted("a positive rescaling changed the activation pattern")
        pat = lib.forward_patterns(model, data, w2).reshape(-1)
        X = np.asarray(data.X)
        s1 = pat[: 5 * 4].reshape(5, 4)
        s2 = pat[5 * 4:].reshape(5, 4)
        Ws2 = lib.mats(model, w2)
        out = []
        for i in range(5):
            D1 = np.diag(np.where(s1[i], 1.0, 0.3))
            D2 = np.diag(np.where(s2[i], 1.0, 0.3))
            out.append(Ws2[2] @ D2 @ Ws2[1] @ D1 @ Ws2[0] @ X[i])
        worst = max(worst, float(np.max(np.abs(np.array(out) - lib.outputs(model, data, w2)))))
    if worst > 1e-9:
        return Evidence.refuted(f"f differs from (15): {worst:.2e}")
    return Evidence.checked(f"200 draws: patterns invariant under positive rescaling, |f - (15)| <= {worst:.1e}",
                            instances=200, cases="200 random draws of weights and positive rescalings", seed=ctx.seed, method="float64")


lemma9 = paper.lemma(
    "lemma-9",
    r"\theta\in\mathcal D_{\theta'}:\ \nabla^2 f(\theta)[\Delta W] = \tfrac1{|S|}\sum_i\nabla^2\ell_i\big[\sum_j(D'_{i,*}W_*)_{n:j+1}"
    r"D'_{i,j}\Delta W_j(D'_{i,*}W_*)_{j-1:1}x_i\big] + \tfrac2{|S|}\sum_i\nabla\ell_i^\top\sum_{j<j'}(D'_{i,*}W_*)_{n:j'+1}"
    r"D'_{i,j'}\Delta W_{j'}(D'_{i,*}W_*)_{j'-1:j+1}D'_{i,j}\Delta W_j(D'_{i,*}W_*)_{j-1:1}x_i",
    where="Sec. 4.1.2, Lemma 9", eq="16", uses=["proposition-25"], proof_uses=["proposition-25"],
)


@lemma9.check
def lemma9_symbolic():
    """The Hessian quadratic form of (15) (SymPy, symbolic weights and perturbations, half-square loss,
    two rational examples, slopes 1 and 1/5 in a fixed pattern) equals (16), dims (2,2,2,1) and (1,2,2,2)."""
    from symflat.symbolic import prove_zero

    for dims, pattern in [((2, 2, 2, 1), [[1, 0, 0, 1], [1, 1, 0, 0]]), ((1, 2, 2, 2), [[0, 1, 1, 1], [1, 0, 1, 0]])]:
        n = len(dims) - 1
        Ws = [sp.Matrix(dims[j + 1], dims[j], lambda r, c, j=j: sp.Symbol(f"w{j}_{r}{c}", real=True)) for j in range(n)]
        dWs = [sp.Matrix(dims[j + 1], dims[j], lambda r, c, j=j: sp.Symbol(f"dw{j}_{r}{c}", real=True)) for j in range(n)]
        xs = [sp.Matrix([sp.Rational(k + 1, 2 + i) for k in range(dims[0])]) for i in range(2)]
        ys = [sp.Matrix([sp.Rational((-1) ** k * (i + 1), 3) for k in range(dims[-1])]) for i in range(2)]
        slopes = {1: sp.Integer(1), 0: sp.Rational(1, 5)}
        Ds = []
        for i in range(2):
            flags, k = pattern[i], 0
            Di = []
            for j in range(1, n):
                Di.append(sp.diag(*[slopes[flags[k + u]] for u in range(dims[j])]))
                k += dims[j]
            Di.append(sp.eye(dims[-1]))
            Ds.append(Di)

        def prod(i, Wl, hi, lo):  # (D'_{i,*} W_*)_{hi:lo}
            size = Wl[lo - 1].shape[1] if lo <= len(Wl) else dims[-1]
            M = sp.eye(size)
            for j in range(lo, hi + 1):
                M = Ds[i][j - 1] * Wl[j - 1] * M
            return M

        t = sp.Symbol("t")
        moved = [W + t * dW for W, dW in zip(Ws, dWs)]
        f = sum((((prod(i, moved, n, 1) * xs[i] - ys[i]).T * (prod(i, moved, n, 1) * xs[i] - ys[i]))[0, 0] / 2 for i in range(2))) / 2
        lhs = sp.diff(f, t, 2).subs(t, 0)
        rhs = 0
        for i in range(2):
            g = prod(i, Ws, n, 1) * xs[i] - ys[i]  # grad of half-square loss; its Hessian is I
            first = sp.zeros(dims[-1], 1)
            for j in range(1, n + 1):
                first += prod(i, Ws, n, j + 1) * Ds[i][j - 1] * dWs[j - 1] * prod(i, Ws, j - 1, 1) * xs[i]
            cross = sp.zeros(dims[-1], 1)
            for j in range(1, n + 1):
                for jp in range(j + 1, n + 1):
                    cross += (prod(i, Ws, n, jp + 1) * Ds[i][jp - 1] * dWs[jp - 1] * prod(i, Ws, jp - 1, j + 1) * Ds[i][j - 1]
                              * dWs[j - 1] * prod(i, Ws, j - 1, 1) * xs[i])
            rhs += ((first.T * first)[0, 0] + 2 * (g.T * cross)[0, 0]) / 2
        bad = lib.not_zero(prove_zero(sp.expand(lhs - rhs)), "(16)")
        if bad:
            return bad
    return Evidence.certified("eq. (16) equals the second derivative of (15) along every direction, symbolically, for "
                              "dims (2,2,2,1) and (1,2,2,2) with mixed patterns", instances=2,
                              cases=["dims (2,2,2,1), mixed pattern", "dims (1,2,2,2), mixed pattern"], method="sympy expand")


@lemma9.check
def lemma9_general():
    """Every depth n, widths, sample count and activation pattern: on D_theta' the loss is (15) with effective layers
    V_j = D'_{i,j} W_j, linear in W_j, so Lemma 5's variations (induction on n) apply with Delta_j = D'_{i,j} dW_j."""
    from symflat.symbolic.matrix_calculus import prove_pattern_second_variation
    return prove_pattern_second_variation().evidence(
        "for every depth n, widths, |S| and pattern (D'_{i,j}): on D_theta' f is (15); with V_j = D'_{i,j} W_j "
        "(D V_j = D'_{i,j} dW_j, D^2 V_j = 0) the first and second variations of V_n:1 (each by induction on n) and the "
        "second-order chain rule for l(. x_i, y_i) give (16) summand by summand (checked at generic j < j', symbolic sizes)")


prop10 = paper.proposition(
    "proposition-10",
    r"n\ge3,\ \exists\theta: \sum_i\nabla\ell(0,y_i)^\top h_\theta(x_i)\ne0 \Rightarrow "
    r"\inf_{\theta:\ \nabla^2 f(\theta)\text{ exists}}\lambda_{\min}(\nabla^2 f(\theta)) = -\infty",
    where="Sec. 4.1.2, Proposition 10", uses=["eq-9", "proposition-25"], proof_uses=["lemma-9", "proposition-25"],
)


@prop10.check
def prop10_rescaling(ctx):
    """Leaky-ReLU nets (slope 0.2, depth 3 and 4, half-square loss): shrinking W_1, W_2 by s and growing W_3 by
    1/s^2 keeps the region (Prop. 25) and the function, and lambda_min(H) falls like -C/s^2 at small s (dense
    Hessians; the fitted exponent and lambda_min at s = 1e-3 are reported)."""
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = ctx.rng
    rows = []
    for dims in [(2, 3, 3, 1), (3, 3, 3, 3, 2)]:
        model = DeepNetwork(dims, activation="leaky_relu", negative_slope=0.2, loss="half_square")
        data = lib.random_points(rng, 5, dims[0], dims[-1])
        Ws = [rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]
        ss = np.array([1e-1, 1e-2, 1e-3])
        lams = []
        for s in ss:
            Vs = [W.copy() for W in Ws]
            Vs[0], Vs[1], Vs[2] = s * Ws[0], s * Ws[1], Ws[2] / s ** 2
            lams.append(lib.lam_min(hessian(model, lib.flat(Vs), data)))
        slope = float(np.polyfit(np.log(ss), np.log(-np.array(lams)), 1)[0])
        rows.append((dims, lams[-1], slope))
    if any(lam > -1e3 or slope > -1.5 for _, lam, slope in rows):
        return Evidence.refuted(f"lambda_min does not diverge: {rows}")
    return Evidence.checked("; ".join(f"{list(d)}: lambda_min = {l:.3e} at s = 1e-3, exponent {e:.2f}" for d, l, e in rows),
                            instances=len(rows) * 3, cases="rescalings s = 1e-1, 1e-2, 1e-3 per net", seed=ctx.seed, method="dense Hessian")


LEMMA11_RHS = (r"-\max\{|\alpha|,|\bar\alpha|\}^{n-1}\tfrac{n-1}{|S|}\sum_i\|\nabla\ell_i\|_2\|x_i\|_2")


def lemma11_factor(model, data, w):
    a = max(abs(float(s)) for s in model.slopes)
    n = model.depth
    G = lib.loss_gradients(model, data, w)
    X = np.asarray(data.X)
    return a ** (n - 1) * (n - 1) / data.n * float(np.sum(np.linalg.norm(G, axis=1) * np.linalg.norm(X, axis=1)))


lemma11 = paper.lemma(
    "lemma-11",
    r"\theta\in\mathcal D_{\theta'}:\ \lambda_{\min}(\nabla^2 f(\theta))\ge" + LEMMA11_RHS
    + r"\max_{|\mathcal J|=n-2}\prod_{j\in\mathcal J}\|W_j\|_F",
    where="Sec. 4.1.2, Lemma 11", eq="17", uses=["lemma-9"], proof_uses=["lemma-9"],
)


@lemma11.check
def lemma11_random(ctx):
    """Random leaky-ReLU and ReLU nets (depth 3-5), balanced and rescaled up to 30x apart: dense lambda_min against (17)."""
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = ctx.rng
    worst, count = np.inf, 0
    for dims, act, slope in [((3, 4, 4, 2), "leaky_relu", 0.2), ((2, 3, 3, 3, 1), "relu", 0.0), ((3, 3, 2, 3, 2, 2), "leaky_relu", 0.5)]:
        model = DeepNetwork(dims, activation=act, negative_slope=slope, loss="half_square")
        for _ in range(12):
            data = lib.random_points(rng, 5, dims[0], dims[-1])
            Ws = [rng.standard_normal((dims[j + 1], dims[j])) * rng.uniform(0.3, 1.5) for j in range(len(dims) - 1)]
            s = 10 ** rng.uniform(-1.5, 1.5)
            Ws[0], Ws[-1] = Ws[0] * s, Ws[-1] / s
            w = lib.flat(Ws)
            lam = lib.lam_min(hessian(model, w, data))
            fro = sorted(np.linalg.norm(W) for W in Ws)
            rhs = -lemma11_factor(model, data, w) * float(np.prod(fro[2:]))
            worst = min(worst, (lam - rhs) / max(1.0, abs(rhs)))
            count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"lambda_min below (17): relative slack {worst:.3e}")
    return Evidence.checked(f"{count} random points (ReLU, leaky 0.2/0.5, depth 3-5): min relative slack {worst:.3e}",
                            slack=worst, instances=count, cases="random points, ReLU and leaky 0.2/0.5, depth 3-5", seed=ctx.seed, method="dense Hessian")


prop12 = paper.proposition(
    "proposition-12",
    r"\theta\in\mathcal D_{\theta'} \text{ on a flow from } \|\theta_s\|_2\le\epsilon \Rightarrow \lambda_{\min}(\nabla^2 f(\theta))\ge"
    + LEMMA11_RHS + r"\big(\min_j\|W_j\|_F+\epsilon\big)^{n-2}",
    where="Sec. 4.1.2, Proposition 12", eq="18", uses=["lemma-9", "eq-5"], proof_uses=["lemma-11", "du-balancedness"],
)


@prop12.check
def prop12_flows(ctx):
    """Leaky-ReLU flows (slope 0.2, depth 3 and 4) from ||theta_s|| = eps in {0.1, 0.5}, followed while they stay in
    the starting region (terminal event at a kink), 21 times on [0, 20]: lambda_min against (18)."""
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = ctx.rng
    worst, count = np.inf, 0
    for dims in [(3, 4, 4, 1), (2, 3, 3, 3, 2)]:
        n = len(dims) - 1
        model = DeepNetwork(dims, activation="leaky_relu", negative_slope=0.2, loss="half_square")
        for eps in (0.1, 0.5):
            for _ in range(3):
                data = lib.random_points(rng, 5, dims[0], dims[-1])
                w0 = rng.standard_normal(model.num_params)
                w0 *= eps / np.linalg.norm(w0)
                times = np.linspace(0, 20, 21)
                W, _ = lib.region_flow(model, data, w0, 20.0, times)
                for w in W:
                    lam = lib.lam_min(hessian(model, w, data))
                    mn = min(np.linalg.norm(M) for M in lib.mats(model, w))
                    rhs = -lemma11_factor(model, data, w) * (mn + eps) ** (n - 2)
                    worst = min(worst, (lam - rhs) / max(1.0, abs(rhs)))
                    count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"lambda_min below (18): relative slack {worst:.3e}")
    return Evidence.checked(f"{count} points on 12 leaky-ReLU flows: min relative slack {worst:.3e}", slack=worst,
                            instances=count, cases="points along 12 leaky-ReLU flows kept inside one region", seed=ctx.seed, method="DOP853 flow in the region + dense Hessian")
