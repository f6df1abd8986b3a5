"""Sec. 3 and supp. V, VII of Mulayoff, Michaeli & Soudry 2021: the network (18), the loss and SGD
(2)-(3), (19), the gradient (S32), the Hessian at interpolating minima (25)-(27), implementations
(28) and rescalings (S81), thresholds (S36), the weak second derivative of f, the weight function g
(22)-(23), the linearised dynamics (6), Definitions 1-4 and the switching system (8)-(16), (S44)-(S54).
"""

from fractions import Fraction

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.models import Points, ReluOneHidden
from symflat.symbolic import derive

from . import _lib as lib
from . import paper

# ------------------------------------------------------------------ definitions of the setting
paper.definition(
    "definition-data",
    r"\{(x_j,y_j)\}_{j=1}^n\subset\mathbb R^2,\ x_i\ne x_j\ (i\ne j);\ X\sim\mathrm{Unif}\{x_j\};\ x_{\min}=\min_j x_j,\ x_{\max}=\max_j x_j",
    where="Sec. 3; supp. VIII", note="All probabilities and expectations over X use the empirical law.",
)
paper.definition(
    "definition-network",
    r"f(x;\theta)=\sum_{i=1}^k w^{(2)}_i\sigma(w^{(1)}_ix+b^{(1)}_i)+b^{(2)},\ \sigma=\mathrm{ReLU};\ \mathcal F=\{f(\cdot;\theta)\}",
    where="Sec. 3", eq="18, S43",
)
paper.definition(
    "definition-parameters",
    r"\theta=[w^{(1)}_{1..k},b^{(1)}_{1..k},w^{(2)}_{1..k},b^{(2)}]^T\in\mathbb R^{3k+1}",
    where="Sec. 3", eq="20, S31, S80", uses=["definition-network"],
)
paper.definition(
    "definition-loss",
    r"\mathcal L(\theta)=\tfrac1{2n}\sum_j(f(x_j;\theta)-y_j)^2,\ \hat{\mathcal L}_t=\tfrac1{2B}\sum_{j\in\mathfrak B_t}(f(x_j;\theta)-y_j)^2,"
    r"\ \theta_{t+1}=\theta_t-\eta\nabla\hat{\mathcal L}_t(\theta_t)\ (\mathfrak B_t\ \text{uniform, independent; GD: }\mathfrak B_t=[n])",
    where="Sec. 2-3", eq="2, 3, 19, S48", uses=["definition-network", "definition-data"],
)
paper.definition(
    "definition-pattern",
    r"[\mathbb I(x;\theta)]_i=1\iff w^{(1)}_ix+b^{(1)}_i>0;\ I_{j,i}=[\mathbb I(x_j;\theta^*)]_i;\ "
    r"f(x;\theta)=(\mathbb I(x;\theta)\odot w^{(2)})^T(xw^{(1)}+b^{(1)})+b^{(2)}",
    where="supp. V, VII", eq="S44", uses=["definition-network"],
)


@paper.equation(
    "eq-s32",
    r"\nabla_\theta f(x)=[x\,w^{(2)}\odot\mathbb I(x;\theta);\ w^{(2)}\odot\mathbb I(x;\theta);\ (xw^{(1)}+b^{(1)})\odot\mathbb I(x;\theta);\ 1]",
    where="supp. V", eq="S32", uses=["definition-pattern", "definition-parameters"],
    note="Valid where no pre-activation w1_i x + b1_i vanishes (f is smooth in theta there).",
)
def s32_exact(ctx):
    """Differentiate f(x; theta) (with Max(0, .)) in 3k+1 symbols, substitute random rational points
    off the kinks and compare with (S32) entry by entry."""
    rng = ctx.rng
    count = 0
    for k in (1, 2, 3, 4):
        syms = sp.symbols(f"t0:{3 * k + 1}", real=True)
        xs = sp.Symbol("x", real=True)
        f = sum(syms[2 * k + i] * sp.Max(0, syms[i] * xs + syms[k + i]) for i in range(k)) + syms[3 * k]
        grad = [sp.diff(f, s) for s in syms]
        for _ in range(4):
            theta = [lib.rational(rng) for _ in range(3 * k + 1)]
            x = lib.rational(rng)
            if any(theta[i] * x + theta[k + i] == 0 for i in range(k)):
                continue
            sub = {**{s: sp.Rational(v.numerator, v.denominator) for s, v in zip(syms, theta)}, xs: sp.Rational(x.numerator, x.denominator)}
            auto = [sp.nsimplify(gi.subs(sub).replace(sp.Heaviside, lambda *a: sp.Heaviside(a[0], 0))) for gi in grad]
            formula = lib.grad_in_pattern(np.array(theta, dtype=object), k, x, lib.pattern(np.array(theta, dtype=object), k, [x])[0])
            if any(sp.Rational(fv.numerator, fv.denominator) != a for fv, a in zip(formula, auto)):
                return Evidence.refuted("(S32) differs from the derivative", counterexample={"theta": [str(v) for v in theta], "x": str(x)})
            count += 1
    return Evidence.certified(f"(S32) equals the exact SymPy derivative of f at {count} random rational points off the kinks, k = 1..4",
                              instances=count, method="sympy", cases="random rational (theta, x) off the kinks, k = 1..4")


@s32_exact.check
def s32_general():
    """General (every k, x, theta off the kinks): SymPy differentiates f = sum_{i=1}^k w2_i Max(0, w1_i x + b1_i)
    + b2 with indexed weights and a symbolic width k with respect to the weights of a generic neuron p <= k
    (the Kronecker delta picks term p); off the kink (z = w1_p x + b1_p != 0, both signs) Heaviside(z) is the
    pattern entry and Max(0, z) = z Heaviside(z), which is (S32) block by block."""
    i, p, q, k = sp.symbols("i p q k", integer=True, positive=True)
    x, b2 = sp.symbols("x b2", real=True)
    w1, b1, w2 = sp.IndexedBase("w1"), sp.IndexedBase("b1"), sp.IndexedBase("w2")
    f = sp.Sum(w2[i] * sp.Max(0, w1[i] * x + b1[i]), (i, 1, k)) + b2
    z = w1[p] * x + b1[p]
    blocks = {w1[p]: x * w2[p] * sp.Heaviside(z), b1[p]: w2[p] * sp.Heaviside(z),
              w2[p]: z * sp.Heaviside(z), b2: sp.Integer(1)}
    for var, printed in blocks.items():
        auto = sp.diff(f, var).doit().subs(k, p + q - 1)          # p <= k: write k = p + q - 1, q >= 1
        auto = sp.piecewise_fold(auto)
        if isinstance(auto, sp.Piecewise):
            auto = auto.args[0].expr if auto.args[0].cond == sp.true else auto
        for sign in (sp.Symbol("zp", positive=True), sp.Symbol("zn", negative=True)):
            sub = {b1[p]: sign - w1[p] * x}
            if sp.simplify((auto - printed).subs(sub)) != 0:
                return Evidence.refuted(f"(S32) block for {var} differs from the derivative: {auto} vs {printed}")
    return Evidence.proved("for every width k and every theta, x off the kinks: the SymPy derivative of the indexed sum with "
                           "symbolic k equals (S32) block by block (Heaviside(z) = pattern entry for z != 0, both signs)",
                           method="sympy")


@s32_exact.check
def s32_finite_differences(ctx):
    """Central differences of f in theta at random float points, k up to 12."""
    rng, worst = ctx.rng, 0.0
    for _ in range(40):
        k = int(rng.integers(1, 13))
        theta, x = lib.random_theta(rng, k), float(rng.standard_normal())
        g = lib.grad_in_pattern(theta, k, x, lib.pattern(theta, k, [x])[0])
        h = 1e-6
        fd = np.array([(lib.output(theta + h * e, k, x) - lib.output(theta - h * e, k, x)) / (2 * h) for e in np.eye(3 * k + 1)])
        worst = max(worst, float(np.max(np.abs(fd - g)) / (1 + np.max(np.abs(g)))))
    if worst > 1e-6:
        return Evidence.refuted(f"finite differences disagree with (S32): {worst:.2e}")
    return Evidence.checked(f"central differences match (S32) to {worst:.1e} on 40 random networks", instances=40, seed=ctx.seed, cases="40 random networks, k = 1..12")


paper.definition(
    "definition-phi",
    r"\Phi=[\nabla_\theta f(x_1),\dots,\nabla_\theta f(x_n)]\in\mathbb R^{(3k+1)\times n}",
    where="Sec. 4", uses=["eq-s32"],
)


def _exact_points(xs, ys):
    return Points([[sp.Rational(x.numerator, x.denominator)] for x in xs], [[sp.Rational(y.numerator, y.denominator)] for y in ys])


def _sympy_vec(v):
    return sp.Matrix([sp.Rational(int(Fraction(e).numerator), int(Fraction(e).denominator)) for e in v])


def _loss_derivatives_general():
    """The loss (1/2n) sum_{j=1}^n (f_j(theta) - y_j)^2 with n symbolic and f_j arbitrary (undefined SymPy
    functions of two coordinates s = theta_a, t = theta_b, the others held fixed, so every entry of every
    size is covered). Returns (first derivative in s minus (25), Hessian entry in (s, t) minus the middle of
    (26), the same on the diagonal, the (a, b) entry at zero loss minus (Phi Phi^T)_{ab} / n)."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    s_, t_ = sp.symbols("s t", real=True)
    j, n, d = sp.symbols("j n d", integer=True, positive=True)
    a, b = sp.symbols("a b", integer=True, nonnegative=True)
    F, G, Y = sp.Function("f"), sp.Function("g"), sp.Function("y")
    fj, gj = F(s_, t_, j), G(s_, j)
    L = sp.Sum((fj - Y(j)) ** 2, (j, 1, n)) / (2 * n)
    grad = sp.diff(L, s_) - sp.Sum((fj - Y(j)) * sp.diff(fj, s_), (j, 1, n)) / n
    H = sp.diff(L, s_, t_)
    mixed = H - sp.Sum(sp.diff(fj, s_) * sp.diff(fj, t_) + (fj - Y(j)) * sp.diff(fj, s_, t_), (j, 1, n)) / n
    L1 = sp.Sum((gj - Y(j)) ** 2, (j, 1, n)) / (2 * n)
    diag = sp.diff(L1, s_, 2) - sp.Sum(sp.diff(gj, s_) ** 2 + (gj - Y(j)) * sp.diff(gj, s_, 2), (j, 1, n)) / n
    at_min = H.replace(Y, sp.Lambda(j, fj))            # zero loss: y_j = f_j(theta*) for every j
    P = sp.MatrixSymbol("Phi", d, n)                   # column j of Phi is grad f_j (S32), symbolic size
    gram = (P * P.T)[a, b]
    i = gram.variables[0]
    col = {a: sp.diff(fj, s_), b: sp.diff(fj, t_)}
    gram = gram.replace(lambda e: isinstance(e, MatrixElement), lambda e: col[e.args[1]].subs(j, e.args[2] + 1))
    zero_loss = at_min - gram.change_index(i, i + 1, j) / n
    return [sp.simplify(e) for e in (grad, mixed, diag, zero_loss)]


@paper.equation(
    "eq-25",
    r"\nabla_\theta\mathcal L=\tfrac1n\sum_j(f(x_j)-y_j)\nabla_\theta f(x_j)",
    where="Sec. 4", eq="25", uses=["definition-loss", "eq-s32"],
)
def eq25_exact(ctx):
    """The symbolic engine's exact gradient of the loss (derived from the Max(0, .) expression) at
    random rational points that do not interpolate, against (25) built from (S32)."""
    rng, count = ctx.rng, 0
    for n, k in ((2, 1), (3, 2), (4, 3)):
        xs = [Fraction(int(v), 3) for v in sorted(rng.choice(np.arange(-6, 7), n, replace=False))]
        ys = [lib.rational(rng) for _ in range(n)]
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        if lib.kinks(theta, k, xs):
            continue
        auto = derive(ReluOneHidden(k), _exact_points(xs, ys)).at(list(_sympy_vec(theta)), "gradient")
        r = lib.outputs(theta, k, xs) - np.array(ys, dtype=object)
        formula = sum((r[j] * lib.grad_in_pattern(theta, k, xs[j], lib.pattern(theta, k, xs)[j]) for j in range(n))) / n
        if (auto - _sympy_vec(formula)).applyfunc(sp.simplify) != sp.zeros(3 * k + 1, 1):
            return Evidence.refuted("(25) differs from the exact gradient", counterexample={"theta": [str(v) for v in theta]})
        count += 1
    return Evidence.certified(f"(25) equals the exact gradient at {count} rational non-interpolating points (n, k) = (2,1), (3,2), (4,3)",
                              instances=count, method="sympy", cases="(n, k) = (2,1), (3,2), (4,3), random rational points")


@eq25_exact.check
def eq25_general():
    """General (every n, k, data, theta where f is differentiable): SymPy's derivative of the loss with a
    symbolic number n of samples and arbitrary functions f_j is (1/n) sum_j (f_j - y_j) d f_j (chain rule)."""
    grad = _loss_derivatives_general()[0]
    if grad != 0:
        return Evidence.open(f"the symbolic difference did not simplify to 0: {grad}")
    return Evidence.proved("d/dtheta_a of (1/2n) sum_{j=1}^n (f_j - y_j)^2 = (1/n) sum_j (f_j - y_j) d_a f_j for symbolic n and arbitrary "
                           "differentiable f_j (SymPy chain rule under the sum)", method="sympy")


@paper.equation(
    "eq-26",
    r"\nabla^2_\theta\mathcal L(\theta^*)=\tfrac1n\sum_j\nabla f(x_j)\nabla f(x_j)^T+\tfrac1n\sum_j(f(x_j)-y_j)\nabla^2f(x_j)=\Phi\Phi^T/n"
    r"\ \text{at a twice-differentiable zero-loss minimum}",
    where="Sec. 4", eq="26", uses=["definition-phi", "definition-loss"], proof_uses=["eq-25"],
)
def eq26_exact(ctx):
    """Exact Hessian of the loss (SymPy, on the smooth piece at theta*) against Phi Phi^T / n built
    from (S32), at rational interpolating minima (y := f(x; theta*)) with no knot on a data point."""
    rng, count = ctx.rng, 0
    for n, k in ((2, 2), (3, 2), (3, 3), (4, 4), (5, 3)):
        xs = [Fraction(int(v), 2) for v in sorted(rng.choice(np.arange(-6, 7), n, replace=False))]
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        if lib.kinks(theta, k, xs):
            continue
        ys = list(lib.outputs(theta, k, xs))
        H = derive(ReluOneHidden(k), _exact_points(xs, ys)).at(list(_sympy_vec(theta)), "hessian")
        P = sp.Matrix(lib.phi(theta, k, xs).tolist()).applyfunc(lambda v: sp.Rational(Fraction(v).numerator, Fraction(v).denominator))
        if (H - P * P.T / n).applyfunc(sp.simplify) != sp.zeros(3 * k + 1, 3 * k + 1):
            return Evidence.refuted("(26) fails", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
        count += 1
    return Evidence.certified(f"exact Hessian = Phi Phi^T / n at {count} rational interpolating minima (n, k up to 5, 4)",
                              instances=count, method="sympy", cases="(n, k) = (2,2), (3,2), (3,3), (4,4), (5,3), random rational minima")


@eq26_exact.check
def eq26_general():
    """General (every n, k, data and twice-differentiable zero-loss minimum): with n symbolic and f_j arbitrary
    twice-differentiable functions of two coordinates theta_a, theta_b (any entry of a Hessian of any size),
    SymPy gives H_ab = (1/n) sum_j (d_a f_j d_b f_j + (f_j - y_j) d_ab f_j), the diagonal likewise; at zero
    loss (y_j = f_j(theta*)) the entry is (1/n) sum_j d_a f_j d_b f_j, which is the (a, b) entry of
    Phi Phi^T / n for a matrix symbol Phi of symbolic size (3k+1) x n whose columns are the gradients."""
    _, mixed, diag, zero_loss = _loss_derivatives_general()
    if mixed != 0 or diag != 0 or zero_loss != 0:
        return Evidence.open(f"a symbolic difference did not simplify to 0: {[mixed, diag, zero_loss]}")
    return Evidence.proved("for symbolic n and arbitrary twice-differentiable f_j: every Hessian entry of the loss is the Gauss-Newton "
                           "term plus the residual term (product and chain rule), and at zero loss it equals (Phi Phi^T)_ab / n "
                           "(matrix symbol of symbolic size): valid for every k, n, data set and twice-differentiable minimum",
                           method="sympy")


@paper.equation(
    "eq-27",
    r"\lambda_{\max}(\nabla^2_\theta\mathcal L)=\max_{v\in\mathbb S^{3k}}\tfrac1n\|\Phi^Tv\|^2=\max_{u\in\mathbb S^{n-1}}\tfrac1n\|\Phi u\|^2",
    where="Sec. 4", eq="27", uses=["eq-26"], proof_uses=["eq-26"],
)
def eq27_numeric(ctx):
    """Dense eigenvalues of the numeric engine's Hessian (its own closed-form derivatives, computed
    without the Gram shortcut) against the top eigenvalue of the n x n Gram matrix from (S32)."""
    from symflat.numeric import sharpness

    rng, worst = ctx.rng, 0.0
    for _ in range(30):
        n, k = int(rng.integers(2, 12)), int(rng.integers(1, 16))
        theta, xs, ys = lib.random_minimum(rng, n, k)
        dense = sharpness(ReluOneHidden(k), theta, Points(xs[:, None], ys[:, None]), method="dense").eigenvalue
        gram = lib.lam_max_gram(theta, k, xs)
        worst = max(worst, abs(dense - gram) / gram)
    if worst > 1e-9:
        return Evidence.refuted(f"Hessian and Gram top eigenvalues differ by {worst:.2e}")
    return Evidence.checked(f"lambda_max of the dense Hessian equals that of Phi^T Phi / n to {worst:.1e} (30 random minima)",
                            instances=30, seed=ctx.seed, slack=worst, cases="30 random minima, n = 2..11, k = 1..15")


@eq27_numeric.check
def eq27_exact(ctx):
    """Exact: det(t I - Phi Phi^T / n) = t^(3k+1-n) det(t I - Phi^T Phi / n) as polynomials in t, at rational
    interpolating minima (so the nonzero spectra, and lambda_max, coincide)."""
    rng, count = ctx.rng, 0
    t = sp.Symbol("t")
    for n, k in ((2, 1), (3, 2), (4, 2), (3, 3)):
        xs = [Fraction(int(v), 2) for v in sorted(rng.choice(np.arange(-6, 7), n, replace=False))]
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        if lib.kinks(theta, k, xs):
            continue
        P = sp.Matrix(lib.phi(theta, k, xs).tolist()).applyfunc(lambda v: sp.Rational(Fraction(v).numerator, Fraction(v).denominator))
        big = (P * P.T / n).charpoly(t).as_expr()
        small = (P.T * P / n).charpoly(t).as_expr()
        if sp.expand(big - t ** (3 * k + 1 - n) * small) != 0:
            return Evidence.refuted("the characteristic polynomials differ", counterexample={"theta": [str(v) for v in theta]})
        count += 1
    return Evidence.certified(f"charpoly(Phi Phi^T/n) = t^(3k+1-n) charpoly(Phi^T Phi/n) exactly on {count} rational minima",
                              instances=count, method="sympy", cases="(n, k) = (2,1), (3,2), (4,2), (3,3), random rational minima")


@eq27_numeric.check
def eq27_general():
    """General (every size d = 3k + 1, n, every Phi): for matrix symbols Phi (d x n), v, u of symbolic sizes, SymPy shows
    Phi^T Phi (Phi^T v) - lambda Phi^T v = Phi^T (Phi Phi^T v - lambda v), Phi Phi^T (Phi u) - lambda Phi u =
    Phi (Phi^T Phi u - lambda u) and ||Phi^T v||^2 = v^T Phi Phi^T v: an eigenpair (lambda > 0, v) of Phi Phi^T gives
    the eigenpair (lambda, Phi^T v) of Phi^T Phi with ||Phi^T v||^2 = lambda ||v||^2 > 0, and conversely, so the nonzero
    spectra and the top eigenvalues (both PSD) coincide; the Rayleigh quotient of a symmetric matrix gives the max forms."""
    d, n = sp.symbols("d n", integer=True, positive=True)
    P, v, u = sp.MatrixSymbol("Phi", d, n), sp.MatrixSymbol("v", d, 1), sp.MatrixSymbol("u", n, 1)
    lam = sp.Symbol("lambda", positive=True)
    identities = [(P.T * P * (P.T * v) - lam * (P.T * v)) - P.T * (P * P.T * v - lam * v),
                  (P * P.T * (P * u) - lam * (P * u)) - P * (P.T * P * u - lam * u),
                  (P.T * v).T * (P.T * v) - v.T * (P * P.T * v)]
    rest = [sp.expand(e.doit()) for e in identities]
    if not all(r == 0 or isinstance(r, sp.ZeroMatrix) for r in rest):
        return Evidence.open(f"an identity did not reduce to 0: {rest}")
    return Evidence.proved("for matrix symbols of symbolic size: eigenvectors of Phi Phi^T map to eigenvectors of Phi^T Phi with the "
                           "same nonzero eigenvalue and back (SymPy), so lambda_max(Phi Phi^T / n) = lambda_max(Phi^T Phi / n); the "
                           "max forms are the Rayleigh quotient (spectral theorem)", method="sympy")


paper.definition(
    "definition-3",
    r"f\in\mathcal F\ \text{is a solution if}\ \mathcal L(f)=0,\ \text{i.e.}\ f(x_j)=y_j\ \forall j",
    where="Sec. 3 (Definition 3)", uses=["definition-loss"],
    note="The main text adds: for k >= n there are infinitely many solutions.",
)
@paper.remark(
    "remark-many-solutions",
    r"k\ge n\Rightarrow\ \text{infinitely many solutions}\ f\in\mathcal F",
    where="Sec. 3 (after Definition 3)", uses=["definition-3"],
)
def many_solutions(ctx):
    """For random data with distinct inputs and k = n: moving one first-layer bias along a path and
    solving for w2 gives interpolants (residual < 1e-9) that differ pairwise off the data."""
    rng, done = ctx.rng, 0
    for _ in range(10):
        n = int(rng.integers(2, 8))
        k = n
        xs = lib.random_data(rng, n)
        ys = rng.standard_normal(n)
        w1 = np.ones(k)
        base = np.concatenate([[xs[0] - 1.0], (xs[:-1] + xs[1:]) / 2])   # knots left of / between the data
        grid = np.linspace(xs[0] - 1, xs[-1] + 1, 400)
        funcs = []
        for s in np.linspace(0.1, 0.9, 5):
            knots = base.copy()
            knots[-1] = xs[-2] + s * (xs[-1] - xs[-2])
            A = np.maximum(np.outer(xs, w1) - knots[None, :], 0.0)
            w2 = np.linalg.solve(A, ys)
            theta = lib.join(w1, -knots, w2, 0.0)
            if np.max(np.abs(lib.outputs(theta, k, xs) - ys)) > 1e-9:
                return Evidence.refuted("the constructed network does not interpolate")
            funcs.append(lib.outputs(theta, k, grid))
        gaps = [np.max(np.abs(a - b)) for i, a in enumerate(funcs) for b in funcs[i + 1:]]
        if min(gaps) <= 1e-9:
            return Evidence.open("two members of the family coincide")
        done += 1
    return Evidence.checked(f"a one-parameter family of distinct exact interpolants exists on {done} random data sets with k = n",
                            instances=done, seed=ctx.seed, cases="random data sets, n = 2..7, k = n")


paper.definition(
    "eq-28",
    r"\Omega(f)=\{\theta\in\mathbb R^{3k+1}:\ f(\cdot)=\textstyle\sum_iw^{(2)}_i\sigma(w^{(1)}_i\cdot+b^{(1)}_i)+b^{(2)}\}",
    where="Sec. 4", eq="28", uses=["definition-network"],
)


@paper.equation(
    "eq-s81",
    r"\tilde\theta(\beta)=[\beta\odot w^{(1)},\beta\odot b^{(1)},w^{(2)}/\beta,b^{(2)}],\ \beta\in\mathbb R^k_+:\ "
    r"f(\cdot;\tilde\theta(\beta))=f(\cdot;\theta);\ \nabla^2\mathcal L(\tilde\theta)=D_\beta\nabla^2\mathcal L(\theta)D_\beta,\ "
    r"D_\beta=\mathrm{diag}(\beta^{-1},\beta^{-1},\beta,1)\ \text{at interpolating minima}",
    where="supp. XI", eq="S81", uses=["definition-parameters", "eq-28", "eq-26"], outline=["eq-s32", "eq-26"],
    note="The paper states the invariance of f ('clearly'); how the Hessian transforms (the congruence by D_beta) is ours, "
         "read off from (S32).",
)
def s81_exact(ctx):
    """Symbolic: for beta > 0, relu(beta z) = beta relu(z) (both signs of z), so every neuron's term
    is unchanged; the tangent features satisfy Phi(theta~) = D_beta Phi(theta) identically (S32 with
    symbolic weights, x and beta in a fixed pattern), hence H~ = D H D at interpolating minima."""
    b = sp.Symbol("beta", positive=True)
    zp, zn = sp.Symbol("zp", positive=True), sp.Symbol("zn", negative=True)
    if sp.Max(0, b * zp) - b * sp.Max(0, zp) != 0 or sp.Max(0, b * zn) - b * sp.Max(0, zn) != 0:
        return Evidence.refuted("relu is not positively homogeneous?")
    w1, b1, w2, x = sp.symbols("w1 b1 w2 x", real=True)
    g = sp.Matrix([x * w2, w2, x * w1 + b1])                 # active neuron's block of (S32)
    gt = sp.Matrix([x * w2 / b, w2 / b, x * b * w1 + b * b1])  # the same at theta~(beta)
    D = sp.diag(1 / b, 1 / b, b)
    if (gt - D * g).applyfunc(sp.simplify) != sp.zeros(3, 1):
        return Evidence.refuted("Phi does not transform by D_beta")
    if not all(sp.sign(b * z) == sp.sign(z) for z in (zp, zn)):   # beta > 0 keeps every pattern entry
        return Evidence.refuted("rescaling changes an activation pattern")
    # numeric confirmation on whole networks: same outputs, H~ = D H D
    rng, worst = ctx.rng, 0.0
    for _ in range(20):
        k, n = int(rng.integers(1, 8)), int(rng.integers(2, 8))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        beta = np.exp(rng.normal(0, 1, k))
        w1v, b1v, w2v, b2v = lib.split(theta, k)
        tt = lib.join(beta * w1v, beta * b1v, w2v / beta, b2v)
        Dv = np.concatenate([1 / beta, 1 / beta, beta, [1.0]])
        P, Pt = lib.phi(theta, k, xs), lib.phi(tt, k, xs)
        worst = max(worst, float(np.max(np.abs(lib.outputs(tt, k, xs) - lib.outputs(theta, k, xs)))),
                    float(np.max(np.abs(Pt @ Pt.T - (Dv[:, None] * (P @ P.T) * Dv[None, :])))))
    return Evidence.proved("general (every k, n, theta, beta > 0): relu(beta z) = beta relu(z) and sign(beta z) = sign(z) (both signs "
                           "of z, SymPy), so f and the pattern are unchanged; the neuron block of (S32) at theta~ equals "
                           "diag(1/beta, 1/beta, beta) times that at theta identically (inactive blocks are 0 on both sides), so "
                           f"Phi~ = D_beta Phi and with (26) H~ = D H D; 20 float networks agree to {worst:.1e}",
                           method="sympy", cross_checked=20)


paper.definition(
    "eq-s36",
    r"\tau_i=-b^{(1)}_i/w^{(1)}_i\ (w^{(1)}_i\ne0),\ \tau_i=0\ (w^{(1)}_i=0)",
    where="supp. VI", eq="S36", uses=["definition-parameters"],
)
paper.definition(
    "eq-s34",
    r"C_i=\{x_j:I_{j,i}=1\},\ n_i=\sum_jI_{j,i}",
    where="supp. VI", eq="S34", uses=["definition-pattern"],
)


def _jump_of_derivative(w1, b1, w2):
    """f'(tau+) - f'(tau-) for one neuron w2 relu(w1 x + b1), from the symbolic derivative."""
    x = sp.Symbol("x", real=True)
    f = w2 * sp.Max(0, w1 * x + b1)
    d = sp.diff(f, x)
    tau = -b1 / w1
    return sp.simplify(sp.limit(d, x, tau, "+") - sp.limit(d, x, tau, "-"))


@paper.equation(
    "eq-fpp-footnote",
    r"f''(x)=\sum_{i=1}^k w^{(1)}_iw^{(2)}_i\,\delta(x-\tau_i)",
    where="supp. VI, footnote to (S41)", eq="S41 fn.", uses=["eq-s36", "definition-network"], expect="refuted",
    note="The mass of the Dirac at tau_i is the jump of f' there, |w1_i| w2_i: a neuron facing left (w1_i < 0) gets the "
         "wrong sign. Harmless for Lemma 4, which bounds |w1_i w2_i| neuron by neuron, but the integral of |f''| g is "
         "changed wherever neurons of both orientations share a knot. See eq-fpp.",
)
def fpp_footnote(ctx):
    """The weak second derivative of w2 relu(w1 x + b1) is the jump of f' at tau; for k = 1,
    w1 = -1, b1 = 0, w2 = 1 (f = relu(-x), convex) it is +delta, the footnote gives -delta."""
    jump = _jump_of_derivative(sp.Integer(-1), sp.Integer(0), sp.Integer(1))
    footnote = -1 * 1
    if jump != footnote:
        return Evidence.refuted(f"f(x) = relu(-x): the jump of f' at 0 is {jump}, the footnote's mass w1 w2 is {footnote}",
                                counterexample={"k": 1, "w1": -1, "b1": 0, "w2": 1, "b2": 0, "mass_true": int(jump), "mass_footnote": footnote},
                                method="sympy")
    return Evidence.checked("no sign discrepancy at this instance", instances=1, cases="f = relu(-x)")


@paper.equation(
    "eq-fpp",
    r"f''(x)=\sum_{i:\,w^{(1)}_i\ne0}|w^{(1)}_i|\,w^{(2)}_i\,\delta(x-\tau_i)\ \text{(weak sense)}",
    where="ours (corrects the footnote to S41)", uses=["eq-s36", "definition-network"], corrects="eq-fpp-footnote",
)
def fpp_exact(ctx):
    """Jump of f' at tau_i equals |w1_i| w2_i (SymPy limits of the symbolic derivative), random rational neurons of both orientations."""
    rng, count = ctx.rng, 0
    for _ in range(12):
        w1 = lib.rational(rng) or Fraction(1)
        b1, w2 = lib.rational(rng), lib.rational(rng)
        s = lambda v: sp.Rational(v.numerator, v.denominator)  # noqa: E731
        jump = _jump_of_derivative(s(w1), s(b1), s(w2))
        if jump != s(abs(w1) * w2):
            return Evidence.refuted(f"jump {jump} != |w1| w2 at w1={w1}, b1={b1}, w2={w2}")
        count += 1
    return Evidence.certified(f"the jump of f' at tau equals |w1| w2 exactly for {count} random rational neurons (both signs of w1)",
                              instances=count, method="sympy", cases="12 random rational neurons, both signs of w1")


@fpp_exact.check
def fpp_general():
    """General (every k, every neuron): for w1 > 0 and w1 < 0 symbolic, f' of w2 relu(w1 x + b1) is the constant
    w1 w2 Heaviside(w1 x + b1) on each side of tau = -b1/w1 (values at tau +- h, h > 0 symbolic), so the weak
    second derivative is (jump) delta(x - tau) with jump |w1| w2; for w1 = 0 the neuron is constant (no mass);
    f'' of the sum is the sum of the neurons' masses."""
    x, b1, w2 = sp.symbols("x b1 w2", real=True)
    h = sp.Symbol("h", positive=True)
    for w1 in (sp.Symbol("w1", positive=True), sp.Symbol("w1", negative=True), sp.Integer(0)):
        d = sp.diff(w2 * sp.Max(0, w1 * x + b1), x)
        if w1 == 0:
            if d != 0:
                return Evidence.refuted(f"a neuron with w1 = 0 is not constant in x: f' = {d}")
            continue
        tau = -b1 / w1
        right, left = sp.simplify(d.subs(x, tau + h)), sp.simplify(d.subs(x, tau - h))
        if right.has(h) or left.has(h) or sp.simplify(right - left - sp.Abs(w1) * w2) != 0:
            return Evidence.refuted(f"the jump of f' at tau is {right - left}, not |w1| w2 (w1 {w1.assumptions0})")
    return Evidence.proved("for every neuron (w1 > 0, w1 < 0 symbolic; w1 = 0 constant): f' is constant on each side of tau and jumps "
                           "by |w1| w2, so f'' = sum_i |w1_i| w2_i delta(x - tau_i) weakly, for every k", method="sympy")


paper.definition(
    "definition-g",
    r"g^\pm(x)=\mathbb P^2(X\gtrless x)\,\mathbb E[\pm(X-x)\mid X\gtrless x]\sqrt{1+\mathbb E[X\mid X\gtrless x]^2},\ "
    r"g=\min\{g^-,g^+\}\ \text{on}\ [x_{\min},x_{\max}],\ 0\ \text{outside}",
    where="Sec. 4", eq="22, 23, S38, S39", uses=["definition-data"],
)


def g_plus_closed(t, xs):
    """Our closed form of (S38): (1/n^2) sum_{x_j>t}(x_j - t) sqrt(m^2 + S^2), m = #{x_j > t}, S = sum_{x_j>t} x_j."""
    right = [x for x in xs if x > t]
    return sum(x - t for x in right) * sp.sqrt(len(right) ** 2 + sum(right) ** 2) / len(xs) ** 2


@paper.equation(
    "eq-g-closed-form",
    r"g^+(t)=\tfrac1{n^2}\Big(\sum_{x_j>t}(x_j-t)\Big)\sqrt{m_t^2+\big(\textstyle\sum_{x_j>t}x_j\big)^2},\ m_t=\#\{x_j>t\};"
    r"\ g^-\ \text{likewise};\ g(x_{\min})=g(x_{\max})=0",
    where="ours (closed form of (S38)-(S39), the form that (S33) produces)", uses=["definition-g"],
)
def g_closed_exact(ctx):
    """Symbolic data x_1 < ... < x_n (n <= 5) and t in (x_r, x_{r+1}): the conditional-expectation
    definition (S38) and the closed form agree identically; similarly (S39) by symmetry x -> -x."""
    count = 0
    for n in range(1, 6):
        xs = sp.symbols(f"x1:{n + 1}", real=True)
        t = sp.Symbol("t", real=True)
        for r in range(n + 1):
            right = xs[r:]
            if not right:
                continue
            m = len(right)
            prob = sp.Rational(m, n)
            cond_gap = sum(x - t for x in right) / m
            cond_mean = sum(right) / m
            definition = prob ** 2 * cond_gap * sp.sqrt(1 + cond_mean ** 2)
            closed = sum(x - t for x in right) * sp.sqrt(m ** 2 + sum(right) ** 2) / n ** 2
            ratio = sp.simplify((definition / closed) ** 2)
            if ratio != 1 or sp.simplify(definition.subs({x: 1 for x in xs}).subs(t, 0) - closed.subs({x: 1 for x in xs}).subs(t, 0)) != 0:
                return Evidence.refuted(f"closed form fails for n={n}, r={r}")
            count += 1
    # endpoints: no data strictly beyond x_max or before x_min
    rng = ctx.rng
    for _ in range(20):
        xs = lib.random_data(rng, int(rng.integers(1, 9)))
        if lib.g(xs[0], xs) != 0 or lib.g(xs[-1], xs) != 0:
            return Evidence.refuted("g does not vanish at the ends of the data")
    return Evidence.certified(f"(S38) equals the closed form identically (both positive, squares equal) for n <= 5 and every gap ({count} cases); "
                           "g vanishes at x_min, x_max", instances=count, method="sympy",
                              cases="symbolic sorted data n = 1..5, every gap; 20 random float data sets for the ends")


@g_closed_exact.check
def g_closed_general():
    """General (every n, every data set, every t with m_t >= 1 samples right of t): with symbolic m_t, n > 0,
    gap sum G = sum_{x_j>t}(x_j - t) > 0 and S = sum_{x_j>t} x_j real, P(X > t) = m/n, E[X - t | X > t] = G/m and
    E[X | X > t] = S/m give (m/n)^2 (G/m) sqrt(1 + S^2/m^2) = G sqrt(m^2 + S^2)/n^2 identically (SymPy); with no
    sample right of t both sides are 0; g^- by x -> -x."""
    m, n, G = sp.symbols("m n G", positive=True)
    S = sp.Symbol("S", real=True)
    diff = sp.simplify((m / n) ** 2 * (G / m) * sp.sqrt(1 + (S / m) ** 2) - G * sp.sqrt(m ** 2 + S ** 2) / n ** 2)
    if diff != 0:
        return Evidence.open(f"the symbolic difference did not simplify to 0: {diff}")
    return Evidence.proved("definition (S38) = closed form for symbolic m_t, n, gap sum and data sum: every n and data set", method="sympy")


@g_closed_exact.check
def g_closed_rational(ctx):
    """Exact rational data: definition (S38)/(S39) by Fractions versus the closed form (SymPy)."""
    rng = ctx.rng
    for _ in range(30):
        n = int(rng.integers(1, 7))
        xs = sorted({lib.rational(rng) for _ in range(n)})
        t = lib.rational(rng)
        right = [x for x in xs if x > t]
        if right:
            p = Fraction(len(right), len(xs))
            defi = sp.Rational(p.numerator, p.denominator) ** 2 * sp.nsimplify(sum(x - t for x in right) / len(right)) \
                * sp.sqrt(1 + sp.nsimplify(sum(right) / len(right)) ** 2)
            closed = g_plus_closed(sp.nsimplify(t), [sp.nsimplify(x) for x in xs])
            if sp.simplify(defi - closed) != 0:
                return Evidence.refuted(f"closed form differs at x={xs}, t={t}")
        if abs(lib.g_plus(float(t), [float(x) for x in xs]) - float(g_plus_closed(sp.nsimplify(t), [sp.nsimplify(x) for x in xs]))) > 1e-12:
            return Evidence.refuted("the float implementation of g^+ disagrees with the closed form")
    return Evidence.certified("definition and closed form of g^+ agree exactly on 30 rational data sets", instances=30, method="sympy",
                              cases="30 random rational data sets, n = 1..6, random t")


@paper.remark(
    "remark-g-shape",
    r"g\ \text{vanishes outside}\ (x_{\min},x_{\max})\ \text{and is largest near the centre of the data}",
    where="Sec. 4 (after Theorem 1)", uses=["definition-g"],
    note="An informal remark; checked as: g = 0 outside [x_min, x_max], and its maximum over the data range lies in the "
         "middle half of the sorted sample (between the first and third quartile points).",
)
def g_shape(ctx):
    """g on a fine grid for uniform, Gaussian and Laplace samples (the laws of the paper's Fig. 2,
    n = 8..29): zero outside the data range, maximiser between the quartiles."""
    rng, fails, trials = ctx.rng, 0, 45
    samplers = (lambda m: rng.uniform(-1, 1, m), lambda m: rng.standard_normal(m), lambda m: rng.laplace(0, 1, m))
    for t in range(trials):
        xs = np.sort(samplers[t % 3](int(rng.integers(8, 30))))
        grid = np.linspace(xs[0] - 1, xs[-1] + 1, 801)
        vals = np.array([lib.g(t, xs) for t in grid])
        if np.any(vals[(grid < xs[0]) | (grid > xs[-1])] != 0):
            return Evidence.refuted("g is nonzero outside the data range")
        arg = grid[int(np.argmax(vals))]
        q1, q3 = np.quantile(xs, [0.25, 0.75])
        fails += not (q1 <= arg <= q3)
    if fails:
        return Evidence.open(f"the maximiser of g left the interquartile range in {fails}/{trials} Gaussian samples")
    return Evidence.checked(f"g = 0 outside the data range and argmax g lies between the quartiles on {trials} uniform/Gaussian/Laplace "
                            "samples (n = 8..29)",
                            instances=trials, seed=ctx.seed, cases="45 uniform/Gaussian/Laplace samples, n = 8..29")


# ------------------------------------------------------------------ dynamics and stability definitions
paper.definition(
    "eq-6",
    r"\theta_{t+1}=\theta_t-\eta\big(\nabla\hat{\mathcal L}_t(\theta^*)+\nabla^2\hat{\mathcal L}_t(\theta^*)(\theta_t-\theta^*)\big)",
    where="Sec. 2", eq="4-6", uses=["definition-loss"],
)
paper.definition(
    "definition-1",
    r"\theta^*\ \text{(twice differentiable) is}\ \varepsilon\ \text{linearly stable if}\ \forall\theta_0\in\mathcal B_\varepsilon(\theta^*):"
    r"\ \limsup_{t\to\infty}\mathbb E\|\theta_t-\theta^*\|\le\varepsilon\ \text{under (6)}",
    where="Sec. 2 (Definition 1); supp. (S5)", uses=["eq-6"],
    note="The main text writes lim; the proof of Lemma 1 uses limsup (S5). B_eps includes its boundary (S16).",
)
paper.definition(
    "definition-switching",
    r"\{\mathcal S_m\}\ \text{partition}\ \mathbb R^d,\ \mathcal L=\psi_m,\ \hat{\mathcal L}_t=\hat\psi^{(t)}_m\ \text{on}\ \mathcal S_m\ (\psi_m\ \text{analytic});\ "
    r"\mathcal I=\{m:\theta^*\in\bar{\mathcal S}_m\},\ \mathcal A=\cup_{m\in\mathcal I}\mathcal S_m,\ \mathbf H_m=\nabla^2\psi_m(\theta^*),\ "
    r"\lambda^{\rm upper}_{\max}=\max_{m\in\mathcal I}\lambda_{\max}(\mathbf H_m)",
    where="Sec. 2", eq="8-12, 16", uses=["definition-loss"],
)
paper.definition(
    "definition-2",
    r"\theta_{t+1}=\theta_t-\eta(\hat{\mathbf g}^{(t)}_{\theta_t}+\hat{\mathbf H}^{(t)}_{\theta_t}(\theta_t-\theta^*))\ (13);\ "
    r"\varepsilon\text{-stable: }\limsup_t\mathbb E\|\theta_t-\theta^*\|\le\varepsilon;\ \text{strongly: }\sup_t\mathbb E\|\theta_t-\theta^*\|\le\varepsilon,"
    r"\ \forall\theta_0\in\mathcal B_\varepsilon(\theta^*)",
    where="Sec. 2 (Definition 2)", eq="13", uses=["definition-switching"],
    note="The printed formula reads 'lim_{t->inf} sup_{t->inf}', i.e. limsup.",
)
paper.definition(
    "definition-4",
    r"f\ \text{is (strongly) stable for step}\ \eta\ \text{if some}\ \theta^*\in\Omega(f)\ \text{is linearly (strongly) stable for SGD with step}\ \eta",
    where="Sec. 4 (Definition 4)", uses=["definition-1", "definition-2", "eq-28"],
)
paper.definition(
    "definition-modes",
    r"\phi(x;\theta,m)=(\mathbb I^m\odot w^{(2)})^T(xw^{(1)}+b^{(1)})+b^{(2)};\ \hat\psi^{(t)}_{\mathbf m}=\tfrac1{2B}\sum_{j\in\mathfrak B_t}(\phi(x_j;\theta,m_j)-y_j)^2;"
    r"\ \mathcal S_{\mathbf m}=\{\theta:\mathbb I(x_j;\theta)=\mathbb I^{m_j}\ \forall j\};\ \Phi_{\mathbf m}=[\nabla\phi(x_j;\theta^*,m_j)]_j",
    where="supp. VII, X", eq="S45, S49, S50, S53, S60, S76", uses=["definition-pattern", "definition-switching"],
)


@paper.equation(
    "eq-s54",
    r"\mathcal I=\{\mathbf m:[\mathbb I^{m_j}]_i=[\mathbb I(x_j;\theta^*)]_i\ \text{whenever}\ w^{(1)}_ix_j+b^{(1)}_i\ne0\}",
    where="supp. VII", eq="S54", uses=["definition-modes"],
)
def s54_sampling(ctx):
    """At rational minima with knots on data points: the patterns seen at theta* + small random
    perturbations are exactly the predicted set I (all of them are reached, none outside)."""
    rng, cases = ctx.rng, 0
    for _ in range(12):
        n, k = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        pred = {m.tobytes() for m in lib.modes_in_I(theta, k, xs)}
        th = lib.to_float(theta)
        xf = [float(x) for x in xs]
        seen = set()
        for _ in range(60 * len(pred)):
            d = rng.standard_normal(th.size) * 1e-6
            seen.add(lib.pattern(th + d, k, xf).astype(int).tobytes())
        if not seen <= pred or seen != pred:
            return Evidence.refuted("patterns near theta* differ from (S54)", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
        cases += 1
    return Evidence.checked(f"patterns at theta* + 1e-6 noise equal the set (S54) exactly on {cases} kinked rational minima",
                            instances=cases, seed=ctx.seed, cases="12 kinked rational minima, n = 2..4, k = 1..3")
