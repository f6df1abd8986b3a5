"""Sec. 2 and supp. II-IV, VII of Mulayoff, Michaeli & Soudry 2021: Lemma 1 (linear stability
implies lambda_max <= 2/eta, (7), (S1)-(S9)), its GD converse, Lemma 2 (instability of switching
systems, (14)-(15), (S10)-(S25)), Lemma 3 (GD, (16)-(17), (S26)-(S30)), the once-differentiability
of global minima (S47), (S55)-(S57) and the per-mode Hessian (S58)-(S60).
"""

import itertools
from fractions import Fraction

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.models import Points, ReluOneHidden
from symflat.symbolic import derive

from . import _lib as lib
from . import paper


def _sp(v):
    v = Fraction(v)
    return sp.Rational(v.numerator, v.denominator)


def _exact_points(xs, ys):
    return Points([[_sp(x)] for x in xs], [[_sp(y)] for y in ys])


def _batch_hessians(P, B):
    """Per-batch Hessians (1/B) sum_{j in batch} phi_j phi_j^T at a zero-loss point, all batches of size B."""
    n = P.shape[1]
    return [sum((np.outer(P[:, j], P[:, j]) for j in b), np.zeros((P.shape[0], P.shape[0]), dtype=P.dtype)) / B
            for b in itertools.combinations(range(n), B)]


@paper.equation(
    "eq-s3",
    r"\mathbb E[\theta_t-\theta^*]=(\mathbf I-\eta\nabla^2\mathcal L(\theta^*))^t(\theta_0-\theta^*)\ \text{under (6), uniform independent batches}",
    where="supp. II", eq="S1-S3", uses=["eq-6", "definition-loss"],
)
def s3_exact(ctx):
    """Exact rationals: average (I - eta H_B1)...(I - eta H_Bt) delta_0 over every sequence of
    batches (t = 3, all C(n, B)^t sequences) at interpolating minima, versus (I - eta H)^t delta_0."""
    rng, count = ctx.rng, 0
    for n, k, B in ((3, 2, 1), (3, 2, 2), (4, 1, 2)):
        xs = [Fraction(int(v), 2) for v in sorted(rng.choice(np.arange(-5, 6), n, replace=False))]
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        if lib.kinks(theta, k, xs):
            continue
        P = lib.phi(theta, k, xs)
        eta = Fraction(1, 3)
        d = 3 * k + 1
        eye = np.array([[Fraction(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
        steps = [eye - eta * Hb for Hb in _batch_hessians(P, B)]
        delta0 = np.array([lib.rational(rng) for _ in range(d)], dtype=object)
        t = 3
        total = np.zeros(d, dtype=object)
        seqs = list(itertools.product(range(len(steps)), repeat=t))
        for seq in seqs:
            v = delta0
            for s in seq:
                v = steps[s].dot(v)
            total = total + v
        mean = total / len(seqs)
        H = P.dot(P.T) / n
        v = delta0
        for _ in range(t):
            v = (eye - eta * H).dot(v)
        if any(a != b for a, b in zip(mean, v)):
            return Evidence.refuted("(S3) fails", counterexample={"theta": [str(x) for x in theta], "x": [str(x) for x in xs], "B": B})
        count += 1
    return Evidence.certified(f"exact batch averages equal (I - eta H)^t delta_0 (t = 3, all batch sequences) on {count} rational minima, B = 1, 2",
                              instances=count, method="exact rationals", cases="(n, k, B) = (3, 2, 1), (3, 2, 2), (4, 1, 2), t = 3")


@s3_exact.check
def s3_general():
    """General (every n, batch size B, depth of recursion t, dimension d): each sample lies in binomial(n-1, B-1) of the
    binomial(n, B) equally likely batches, so E[H_B] = (1/B) binomial(n-1, B-1)/binomial(n, B) sum_j H_j = H and likewise
    E[grad L_B(theta*)] = grad L(theta*) = 0 (SymPy, symbolic n, B); with B_t independent of theta_t (the lemma's
    hypothesis) E[theta_{t+1} - theta*] = (I - eta H) E[theta_t - theta*], and (I - eta H)(I - eta H)^t = (I - eta H)^(t+1)
    for a matrix symbol of symbolic size and symbolic t (SymPy) closes the induction."""
    n, B, d, t = sp.symbols("n B d t", integer=True, positive=True)
    weight = sp.combsimp(sp.binomial(n - 1, B - 1) / (sp.binomial(n, B) * B) - 1 / n)
    H = sp.MatrixSymbol("H", d, d)
    A = sp.Identity(d) - sp.Symbol("eta") * H
    step = sp.simplify(A * sp.MatPow(A, t) - sp.MatPow(A, t + 1))
    if weight != 0 or not (step == 0 or isinstance(step, sp.ZeroMatrix)):
        return Evidence.open(f"a symbolic identity did not reduce: {weight}, {step}")
    return Evidence.proved("uniform batches are unbiased for every n and B (binomial identity), and the mean recursion gives "
                           "(I - eta H)^t by induction on t (matrix symbols of symbolic size), given the independence of batches",
                           method="sympy")


@paper.lemma(
    "lemma-1",
    r"\text{SGD, uniform independent batches: }\theta^*\ \varepsilon\text{ linearly stable}\Rightarrow\lambda_{\max}(\nabla^2\mathcal L(\theta^*))\le2/\eta",
    where="Sec. 2 (Lemma 1)", eq="7", uses=["definition-1", "definition-loss"], proof_uses=["eq-s3"], outline=["eq-s3"],
    note="Only E[grad L_t(theta*)] = 0 is needed (main text).",
)
def lemma1_linear(ctx):
    """Contrapositive on the linearised dynamics (6): for eta = (1 + rho) 2/lambda_max the exact mean
    E[theta_t - theta*] from theta_0 = theta* + eps v_top grows past eps (SGD, B = 1, 2, n)."""
    rng, count = ctx.rng, 0
    for _ in range(20):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 6))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        P = lib.phi(theta, k, xs)
        H = P @ P.T / n
        w, V = np.linalg.eigh(H)
        for rho in (0.01, 0.1):
            eta = (1 + rho) * 2 / w[-1]
            for B in sorted({1, max(1, n // 2), n}):
                M = np.mean([np.eye(H.shape[0]) - eta * Hb for Hb in _batch_hessians(P, B)], axis=0)
                v, eps = 1e-3 * V[:, -1], 1e-3
                for _ in range(2000):
                    v = M @ v
                    if np.linalg.norm(v) > 10 * eps:
                        break
                if not np.linalg.norm(v) > 10 * eps:
                    return Evidence.refuted("a minimum with lambda_max > 2/eta whose linearised mean stays within eps")
                count += 1
    return Evidence.checked(f"with eta = (1.01, 1.1) x 2/lambda_max the mean of the linearised SGD leaves 10 eps on {count} runs "
                            "(so no such minimum is linearly stable, by Jensen (S4))", instances=count, seed=ctx.seed, cases="random minima, eta = 1.01 and 1.1 times 2/lambda_max")


@lemma1_linear.check
def lemma1_implication():
    """The combining step, general: start at theta_0 = theta* + eps v (v a unit top eigenvector of H, in B_eps); by (S3)
    E[theta_t - theta*] = (1 - eta lambda)^t eps v, and by Jensen (S4) E||theta_t - theta*|| >= |1 - eta lambda|^t eps.
    z3 and cvc5 decide that eta > 0, eta lambda > 2 imply (1 - eta lambda)^2 > 1, so the bound grows geometrically and
    limsup E||theta_t - theta*|| <= eps fails: stability forces lambda_max <= 2/eta."""
    from symflat.precision.decide import decide_formula

    lam, eta = sp.Symbol("lambda", real=True), sp.Symbol("eta", positive=True)
    goal = sp.Implies(lam * eta > 2, (1 - eta * lam) ** 2 > 1)
    results = [decide_formula(goal, solver=sv) for sv in ("z3", "cvc5")]
    bad = [r for r in results if r.status != "proved"]
    if bad:
        return bad[0].evidence("Lemma 1 scalar core")
    return Evidence.proved("given (S3): Jensen, the top-eigenvector start and |1 - eta lambda| > 1 for eta lambda > 2 (z3 and cvc5): "
                           "every loss, minimum, n, batch size", method="z3", cross_checked="cvc5",
                           version=", ".join(f"{r.solver} {r.version}" for r in results))


@lemma1_linear.check
def lemma1_gd_nonlinear(ctx):
    """The real (nonlinear) GD of the numeric engine started 1e-6 from an interpolating minimum:
    with eta = 1.2 x 2/lambda_max it leaves a 1e-2 ball, with eta = 0.8 x 2/lambda_max it stays."""
    from symflat.numeric import gradient_descent

    rng, count = ctx.rng, 0
    for _ in range(8):
        n, k = int(rng.integers(3, 7)), int(rng.integers(2, 7))
        theta, xs, ys = lib.random_minimum(rng, n, k)
        lam = lib.lam_max_gram(theta, k, xs)
        P = lib.phi(theta, k, xs)
        _, V = np.linalg.eigh(P @ P.T / n)
        start = theta + 1e-6 * V[:, -1]
        data = Points(xs[:, None], ys[:, None])
        out = {}
        for f in (0.8, 1.2):
            tr = gradient_descent(ReluOneHidden(k), start, data, f * 2 / lam, 3000, keep_weights=True)
            out[f] = max(float(np.linalg.norm(np.asarray(wt) - theta)) for wt in tr.weights) if tr.weights is not None else np.inf
        if out[1.2] < 1e-2 or out[0.8] > 1e-4:
            return Evidence.open(f"GD distances {out} do not separate at 2/lambda_max")
        count += 1
    return Evidence.checked(f"GD leaves the 1e-2 ball above 2/lambda_max and stays within 1e-4 below, on {count} minima",
                            instances=count, seed=ctx.seed, cases="random minima, eta just above and below 2/lambda_max")


@paper.lemma(
    "lemma-1-gd",
    r"\text{GD: }\lambda_{\max}(\nabla^2\mathcal L(\theta^*))\le2/\eta\Rightarrow\theta^*\ \text{linearly stable}",
    where="Sec. 2 (remark after Lemma 1)", uses=["definition-1"], proof_uses=["eq-s3"],
)
def lemma1_gd(ctx):
    """Linearised GD at eta = 2/lambda_max exactly: ||theta_t - theta*|| never exceeds ||theta_0 - theta*||
    (spectrum of I - eta H in [-1, 1]), 500 steps from random starts."""
    rng, worst = ctx.rng, 0.0
    for _ in range(30):
        n, k = int(rng.integers(2, 8)), int(rng.integers(1, 8))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        P = lib.phi(theta, k, xs)
        H = P @ P.T / n
        eta = 2 / np.linalg.eigvalsh(H)[-1]
        v = rng.standard_normal(H.shape[0])
        r0 = np.linalg.norm(v)
        for _ in range(500):
            v = v - eta * (H @ v)
            worst = max(worst, np.linalg.norm(v) / r0 - 1)
    if worst > 1e-9:
        return Evidence.refuted(f"the distance grew by {worst:.2e}")
    return Evidence.checked(f"distance never grew (max relative growth {worst:.1e}) over 30 minima x 500 steps at eta = 2/lambda_max",
                            instances=30, seed=ctx.seed, cases="30 random minima x 500 steps at eta = 2/lambda_max")


def _mode_setup(theta, k, xs):
    """Float mode Hessians H_m = Phi_m Phi_m^T / n for m in I, and the actual mode's index."""
    n = len(xs)
    modes = lib.modes_in_I(theta, k, xs)
    Ps = [lib.to_float(lib.phi(theta, k, xs, m)) for m in modes]
    base = lib.pattern(theta, k, xs)
    actual = next(i for i, m in enumerate(modes) if np.array_equal(m, base))
    return modes, Ps, [P @ P.T / n for P in Ps], actual


def _safe_radius(theta, k, xs):
    """A radius eps with B_eps(theta*) inside A: half the smallest nonzero |w1_i x_j + b1_i| / sqrt(1 + x_j^2)."""
    w1, b1, _, _ = lib.split(theta, k)
    vals = [abs(float(w1[i] * x + b1[i])) / np.sqrt(1 + float(x) ** 2) for x in xs for i in range(k) if w1[i] * x + b1[i] != 0]
    return 0.5 * min(vals) if vals else 1.0


@paper.lemma(
    "lemma-2",
    r"\|\mathbf H_m\mathbf q-\lambda_m\mathbf q\|\le\delta\ \forall m\in\mathcal I,\ \gamma=\max_m\mathbb E|\mathbf q^T\hat{\mathbf g}^{(t)}_m|:\ "
    r"\text{(a) }\min_m\lambda_m>\tfrac2\eta+\delta+\tfrac\gamma\varepsilon\Rightarrow\theta^*\ \text{not}\ \varepsilon\text{ strongly stable;}"
    r"\ \text{(b) if also}\ \delta=0,\ \text{not}\ \varepsilon\text{ stable}",
    where="Sec. 2 (Lemma 2)", eq="14, 15, S11", uses=["definition-2", "definition-switching"],
    note="Proof (S12)-(S25): triangle, Jensen, Cauchy-Schwarz, tower rule, theta_0 = theta* + eps q.",
)
def lemma2a_one_step(ctx):
    """(a) at global minima with knots on data (gamma = 0 there): q the top eigenvector of the
    actual mode, lambda_m = q^T H_m q, delta = max ||H_m q - lambda_m q||, eta just above
    2/(lambda_lower - delta); the exact batch average of ||theta_1 - theta*|| from theta* + eps q
    under (13) exceeds eps (every batch size)."""
    rng, count, tightest = ctx.rng, 0, np.inf
    for _ in range(40):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        modes, Ps, Hs, actual = _mode_setup(theta, k, xs)
        w, V = np.linalg.eigh(Hs[actual])
        q = V[:, -1]
        lams = [float(q @ H @ q) for H in Hs]
        delta = max(float(np.linalg.norm(H @ q - l * q)) for H, l in zip(Hs, lams))
        if min(lams) - delta <= 0:
            continue
        eta = 1.01 * 2 / (min(lams) - delta)
        eps = 0.5 * _safe_radius(theta, k, xs)
        th = lib.to_float(theta)
        theta0 = th + eps * q
        m0 = lib.pattern(theta0, k, [float(x) for x in xs])
        idx = next(i for i, m in enumerate(modes) if np.array_equal(m, m0))
        for B in range(1, n + 1):
            dists = [np.linalg.norm(eps * q - eta * Hb @ (eps * q)) for Hb in _batch_hessians(Ps[idx], B)]
            mean = float(np.mean(dists))
            tightest = min(tightest, mean / eps - 1)
            if not mean > eps:
                return Evidence.refuted("E||theta_1 - theta*|| <= eps although (a)'s hypothesis holds",
                                        counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs], "B": B, "eta": eta})
            count += 1
    return Evidence.checked(f"E||theta_1 - theta*|| > eps on {count} (minimum, batch size) cases; smallest excess {tightest:.2e} eps",
                            instances=count, seed=ctx.seed, slack=float(tightest), cases="(minimum, batch size) pairs, random minima")


@lemma2a_one_step.check
def lemma2b_divergence(ctx):
    """(b) with delta = 0 (a twice-differentiable minimum, one mode, q its top eigenvector) and eta =
    1.01 x 2/lambda_max: x_t = E|q^T(theta_t - theta*)| computed exactly over every batch sequence
    (t <= 4) exceeds eps and grows."""
    rng, count = ctx.rng, 0
    for _ in range(10):
        n, k = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        P = lib.phi(theta, k, xs)
        w, V = np.linalg.eigh(P @ P.T / n)
        q, eta, eps = V[:, -1], 1.01 * 2 / w[-1], 1e-3
        for B in range(1, n + 1):
            steps = [np.eye(len(q)) - eta * Hb for Hb in _batch_hessians(P, B)]
            prev = eps
            for t in range(1, 5):
                xt = np.mean([abs(q @ np.linalg.multi_dot([steps[s] for s in seq][::-1] + [eps * q])) if t > 1 else abs(q @ steps[seq[0]] @ (eps * q))
                              for seq in itertools.product(range(len(steps)), repeat=t)])
                if not xt > prev:
                    return Evidence.refuted(f"x_{t} = {xt} <= x_{t - 1} = {prev}")
                prev = xt
            count += 1
    return Evidence.checked(f"x_t exceeds eps and increases for t = 1..4 on {count} (minimum, batch size) cases", instances=count, seed=ctx.seed, cases="(minimum, batch size) pairs, random minima")


@paper.lemma(
    "lemma-3",
    r"\text{GD},\ \theta^*\ \text{a differentiable minimum}:\ \lambda^{\rm upper}_{\max}\le2/\eta\Rightarrow\theta^*\ \text{linearly strongly stable}",
    where="Sec. 2 (Lemma 3)", eq="16, 17", uses=["definition-2", "definition-switching"],
    note="Proof (S26)-(S30): differentiability gives g_m = 0 on A; 0 <= eta lambda_i(H_m) <= 2 makes every I - eta H_m a "
         "non-expansion; induction.",
)
def lemma3_switching(ctx):
    """The switching GD (13) at rational minima with knots on data points, eta = 2/lambda_upper,
    the mode chosen by the pattern at theta_t: ||theta_t - theta*|| <= eps for 300 steps from random
    starts on the sphere of radius eps inside A."""
    rng, count, worst = ctx.rng, 0, 0.0
    for _ in range(25):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        modes, Ps, Hs, _ = _mode_setup(theta, k, xs)
        keys = {m.tobytes(): H for m, H in zip(modes, Hs)}
        eta = 2 / max(np.linalg.eigvalsh(H)[-1] for H in Hs)
        eps = _safe_radius(theta, k, xs)
        th, xf = lib.to_float(theta), [float(x) for x in xs]
        for _ in range(3):
            d = rng.standard_normal(th.size)
            d *= eps / np.linalg.norm(d)
            for _ in range(300):
                H = keys[lib.pattern(th + d, k, xf).tobytes()]
                d = d - eta * H @ d
                worst = max(worst, np.linalg.norm(d) / eps - 1)
            count += 1
    if worst > 1e-9:
        return Evidence.refuted(f"the switching GD left B_eps (relative excess {worst:.2e})")
    return Evidence.checked(f"switching GD stayed in B_eps on {count} runs x 300 steps (max relative excess {worst:.1e})",
                            instances=count, seed=ctx.seed, cases="kinked minima x 300 steps at eta = 2/lambda_upper")


@paper.lemma(
    "lemma-3-indefinite-modes",
    r"\text{Lemma 3 for a general switching system (8)-(12), as its words allow: mode Hessians}\ \mathbf H_m\ \text{not assumed PSD}",
    where="Sec. 2 (Lemma 3), widened", eq="16, 17", uses=["definition-2", "definition-switching"], expect="refuted",
    about="the switching system L = |theta_1^2 - theta_2^2| / 2 on R^2 with theta* = 0",
    note="Widening audit: the statement covers any switching system and any differentiable minimum point; its proof "
         "(S27)-(S28) uses 0 <= eta lambda_i(H_m), which holds for the ReLU modes (H_m = Phi_m Phi_m^T / n) but is not a "
         "hypothesis. Repair: lemma-3-psd-modes.",
)
def lemma3_indefinite():
    """Modes S_1 = {|theta_2| < |theta_1|} with psi_1 = (theta_1^2 - theta_2^2)/2 and S_2 = {|theta_1| <= |theta_2|} with
    psi_2 = (theta_2^2 - theta_1^2)/2: L = |theta_1^2 - theta_2^2|/2 >= 0 = L(0), differentiable at 0 with every mode
    gradient 0, H_1 = diag(1, -1), H_2 = diag(-1, 1), lambda_upper = 1, eta = 2. From theta_0 = (4/5, 3/5) (norm eps = 1,
    in S_1) one step of (13) gives (-4/5, 9/5), norm sqrt(97)/5 > 1: not strongly stable (exact)."""
    th = sp.Matrix([sp.Rational(4, 5), sp.Rational(3, 5)])
    H1, eta = sp.diag(1, -1), 2
    t1, t2 = sp.symbols("theta1 theta2", real=True)
    psi1 = (t1 ** 2 - t2 ** 2) / 2
    grads_zero = all(sp.diff(p, v).subs({t1: 0, t2: 0}) == 0 for p in (psi1, -psi1) for v in (t1, t2))
    lam_upper = max(max(H.eigenvals()) for H in (H1, -H1))
    nxt = th - eta * H1 * th
    norm = sp.sqrt((nxt.T * nxt)[0, 0])
    if grads_zero and lam_upper * eta <= 2 and abs(th[1]) < abs(th[0]) and norm > 1:
        return Evidence.refuted(f"lambda_upper = {lam_upper} <= 2/eta = 1, but theta_1 = {list(nxt)} has norm {norm} > eps = 1",
                                counterexample={"psi": ["(t1^2 - t2^2)/2 on |t2| < |t1|", "(t2^2 - t1^2)/2 elsewhere"], "eta": 2,
                                                "theta0": ["4/5", "3/5"], "theta1": [str(v) for v in nxt], "norm": str(norm)},
                                method="exact")
    return Evidence.open("no violation at this instance")


@paper.lemma(
    "lemma-3-psd-modes",
    r"\text{Lemma 3 with the hypothesis}\ \mathbf H_m\succeq0\ \forall m\in\mathcal I\ \text{(true for the ReLU modes, h-mode)}",
    where="ours (repairs the widened Lemma 3)", eq="16, 17", uses=["definition-2", "definition-switching", "h-mode"],
    corrects="lemma-3-indefinite-modes",
)
def lemma3_psd():
    """General: with g_m = 0 (differentiable minimum) (13) is theta_{t+1} - theta* = (I - eta H_m)(theta_t - theta*), and for
    a symmetric H_m the operator norm of I - eta H_m is max_i |1 - eta lambda_i| (spectral theorem). z3 and cvc5 decide
    that 0 <= lambda <= 2/eta, eta > 0 imply (1 - eta lambda)^2 <= 1; by induction ||theta_t - theta*|| <= ||theta_0 - theta*||
    <= eps. At the widening's counterexample the hypothesis fails (H_1 = diag(1, -1))."""
    from symflat.precision.decide import decide_formula

    lam, eta = sp.Symbol("lambda", real=True), sp.Symbol("eta", positive=True)
    goal = sp.Implies(sp.And(lam >= 0, lam * eta <= 2), (1 - eta * lam) ** 2 <= 1)
    results = [decide_formula(goal, solver=sv) for sv in ("z3", "cvc5")]
    bad = [r for r in results if r.status != "proved"]
    if bad:
        return bad[0].evidence("Lemma 3 scalar core")
    return Evidence.proved("for every switching system with PSD mode Hessians, every eta and eps: |1 - eta lambda| <= 1 on [0, 2/eta] "
                           "(z3 and cvc5), spectral theorem, induction on t", method="z3", cross_checked="cvc5",
                           version=", ".join(f"{r.solver} {r.version}" for r in results))


@paper.proposition(
    "c-once",
    r"\theta^*\ \text{a global minimum}:\ \hat{\mathbf g}^{(t)}_{\mathbf m}=\nabla\hat\psi^{(t)}_{\mathbf m}(\theta^*)=\mathbf 0\ \forall\mathbf m\in\mathcal I,\ t>0"
    r"\ \text{(global minima are once differentiable)}",
    where="Sec. 4.2; supp. VII", eq="S47, S55-S57", uses=["definition-modes", "eq-s54"],
)
def c_once_exact(ctx):
    """Exact: at rational interpolating minima with knots on data points, the SymPy gradient of
    psi_m (the loss with the pattern fixed to m) vanishes for every m in I, for the full batch and
    for every single-example batch."""
    rng, count = ctx.rng, 0
    for n, k, kk in ((2, 2, 1), (3, 2, 2), (3, 3, 2), (4, 2, 1)):
        theta, xs, ys = lib.exact_kinked_minimum(rng, n, k, kk)
        point = [_sp(v) for v in theta]
        for m in lib.modes_in_I(theta, k, xs):
            batches = [list(range(n))] + [[j] for j in range(n)]
            for b in batches:
                data = _exact_points([xs[j] for j in b], [ys[j] for j in b])
                grad = derive(ReluOneHidden(k), data, pattern=[list(map(int, m[j])) for j in b]).at(point, "gradient")
                if grad != sp.zeros(3 * k + 1, 1):
                    return Evidence.refuted("nonzero mode gradient at a global minimum", counterexample={"theta": [str(v) for v in theta], "mode": m.tolist()})
                count += 1
    return Evidence.certified(f"every mode gradient in I vanishes exactly ({count} mode/batch pairs on 4 kinked rational minima)",
                              instances=count, method="sympy", cases="mode/batch pairs of kinked rational minima, (n, k) = (2,2), (3,2), (3,3), (4,2)")


def _residuals_vanish_on_modes():
    """z3 and cvc5 decide: (a = b or z = 0) implies (a - b) w z = 0 for all reals. With a = [I^m_j]_i, b = [I(x_j)]_i,
    w = w2_i and z = w1_i x_j + b1_i this is the neuron-i term of phi(x_j; theta*, m_j) - f(x_j; theta*) for m in I
    (S54): every term vanishes, so phi(x_j; theta*, m_j) = y_j (S56), for every k, n and data set."""
    from symflat.precision.decide import decide_formula

    a, b, w, z = sp.symbols("a b w z", real=True)
    goal = sp.Implies(sp.Or(sp.Eq(a, b), sp.Eq(z, 0)), sp.Eq((a - b) * w * z, 0))
    return [decide_formula(goal, solver=sv) for sv in ("z3", "cvc5")]


@c_once_exact.check
def c_once_general():
    """General (every k, n, data set, global minimum, mode in I and batch): the residuals of psi_m vanish at theta*
    (decided, see _residuals_vanish_on_modes), and the gradient of a loss (1/2B) sum_{j in batch} r_j^2 is
    (1/B) sum_j r_j grad phi_j (the chain-rule identity of eq-25, symbolic sample count), hence 0."""
    from .setting import _loss_derivatives_general

    results = _residuals_vanish_on_modes()
    bad = [r for r in results if r.status != "proved"]
    if bad:
        return bad[0].evidence("(S56)")
    if _loss_derivatives_general()[0] != 0:
        return Evidence.open("the chain-rule identity did not simplify")
    return Evidence.proved("phi(x_j; theta*, m_j) = y_j for every m in I (z3 and cvc5: each neuron term (a - b) w2 z vanishes), and "
                           "grad psi_m = (1/B) sum_j r_j grad phi_j (SymPy, symbolic B) = 0, for every k, n, batch", method="z3",
                           cross_checked="cvc5", version=", ".join(f"{r.solver} {r.version}" for r in results))


@paper.equation(
    "h-mode",
    r"\mathbf H_{\mathbf m}=\nabla^2\psi_{\mathbf m}(\theta^*)=\tfrac1n\sum_j\nabla\phi(x_j;\theta^*,m_j)\nabla\phi(x_j;\theta^*,m_j)^T=\Phi_{\mathbf m}\Phi_{\mathbf m}^T/n,\ \mathbf m\in\mathcal I",
    where="supp. VII, X", eq="S58-S60, S62, S76", uses=["definition-modes"], proof_uses=["c-once"], outline=["c-once"],
)
def h_mode_exact(ctx):
    """Exact Hessians of psi_m (SymPy, pattern fixed) at kinked rational minima equal Phi_m Phi_m^T / n
    with Phi_m from (S53), for every m in I."""
    rng, count = ctx.rng, 0
    for n, k, kk in ((2, 2, 1), (3, 2, 2), (3, 3, 2), (4, 2, 1)):
        theta, xs, ys = lib.exact_kinked_minimum(rng, n, k, kk)
        point = [_sp(v) for v in theta]
        der = None
        for m in lib.modes_in_I(theta, k, xs):
            der = derive(ReluOneHidden(k), _exact_points(xs, ys), pattern=[list(map(int, r)) for r in m])
            H = der.at(point, "hessian")
            P = sp.Matrix(lib.phi(theta, k, xs, m).tolist()).applyfunc(_sp)
            if H - P * P.T / n != sp.zeros(3 * k + 1, 3 * k + 1):
                return Evidence.refuted("(S59) fails", counterexample={"theta": [str(v) for v in theta], "mode": m.tolist()})
            count += 1
    return Evidence.certified(f"H_m = Phi_m Phi_m^T / n exactly for all {count} modes of 4 kinked rational minima", instances=count, method="sympy",
                              cases="every mode in I of kinked rational minima, (n, k) = (2,2), (3,2), (3,3), (4,2)")


@h_mode_exact.check
def h_mode_general():
    """General, given c-once (zero residuals of psi_m at theta*): psi_m is a polynomial in theta, and for symbolic n and
    arbitrary twice-differentiable phi_j the Hessian entry of (1/2n) sum_j r_j^2 at zero residuals is (1/n) sum_j
    d_a phi_j d_b phi_j = (Phi_m Phi_m^T)_ab / n (the identities of eq-26, matrix symbol of symbolic size)."""
    from .setting import _loss_derivatives_general

    _, mixed, diag, zero_loss = _loss_derivatives_general()
    if mixed != 0 or diag != 0 or zero_loss != 0:
        return Evidence.open("a symbolic identity did not simplify to 0")
    return Evidence.proved("H_m = Phi_m Phi_m^T / n at zero residuals for every k, n, data set and mode (SymPy, symbolic n and "
                           "matrix size)", method="sympy")
