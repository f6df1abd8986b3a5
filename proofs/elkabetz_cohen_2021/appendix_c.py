"""Appendix C of Elkabetz & Cohen 2021: convolutional architectures (weight sharing and sparsity,
eq. 28-29) — Lemma 21 (eq. 30), Proposition 22, Lemma 23 (eq. 31), Proposition 24 (eq. 32).

The test networks are 1-D valid convolutions (kernel sizes 2-3) followed by a fully connected output
layer: W_j(w_j) = sum_c w_{j,c} P_{j,c} with 0/1 patterns P_{j,c} (no coordinate twice in a row). Since
theta -> (W_1(w_1), ..., W_n(w_n)) is linear, the Hessian of (29) is J^T H_F J with H_F the Hessian of the
fully connected loss at those matrices and J the constant Jacobian; checks also use finite differences
of (29) itself."""

import math

import numpy as np

from symflat.claims import Evidence
from symflat.models import DeepNetwork
from symflat.numeric import hessian, objective

from . import _lib as lib
from . import paper


class ConvNet:
    """Valid 1-D convolutions (kernels ``kernels``) on inputs of length ``d0``, then a dense layer to ``dn``."""

    def __init__(self, d0, kernels, dn, activation="leaky_relu", slope=0.2):
        dims = [d0]
        for k in kernels:
            dims.append(dims[-1] - k + 1)
        dims.append(dn)
        self.dims, self.kernels = tuple(dims), tuple(kernels)
        self.net = DeepNetwork(self.dims, activation=activation, negative_slope=slope, loss="half_square")
        self.sizes = list(kernels) + [dims[-2] * dn]
        cols = []
        for j, b in enumerate(self.net.blocks):
            r, c = b.shape
            if j < len(kernels):
                for q in range(kernels[j]):
                    M = np.zeros((r, c))
                    for row in range(r):
                        M[row, row + q] = 1.0
                    cols.append((b, M))
            else:
                for q in range(r * c):
                    M = np.zeros(r * c)
                    M[q] = 1.0
                    cols.append((b, M.reshape((r, c), order="F")))
        J = np.zeros((self.net.num_params, len(cols)))
        for k, (b, M) in enumerate(cols):
            J[b.slice, k] = M.reshape(-1, order="F")
        self.J = J
        self.op_norms = []
        start = 0
        for s in self.sizes:
            self.op_norms.append(float(np.linalg.norm(J[:, start:start + s], 2)))
            start += s

    @property
    def n(self):
        return len(self.sizes)

    def split(self, theta):
        out, k = [], 0
        for s in self.sizes:
            out.append(theta[k:k + s])
            k += s
        return out

    def loss(self, theta, data):
        return objective(self.net, data).loss(self.J @ theta)

    def hessian(self, theta, data):
        return self.J.T @ hessian(self.net, self.J @ theta, data) @ self.J

    def grad(self, theta, data):
        return self.J.T @ np.asarray(objective(self.net, data).grad(self.J @ theta), dtype=float)


def eq16_form(net, data, w, dw):
    """The quadratic form (16) (= (30) with Delta W_j = W_j(Delta w_j)), half-square loss, numpy."""
    Ws, dWs = lib.mats(net, w), lib.mats(net, dw)
    X, Y = np.asarray(data.X), np.asarray(data.Y).reshape(data.n, -1)
    alpha, alpha_bar = (float(s) for s in net.slopes)
    n, total = len(Ws), 0.0
    for i in range(data.n):
        Ds, h = [], X[i]
        for W in Ws[:-1]:
            z = W @ h
            D = np.diag(np.where(z > 0, alpha, alpha_bar))
            Ds.append(D)
            h = D @ z
        Ds.append(np.eye(Ws[-1].shape[0]))

        def P(hi, lo, M=Ws):
            size = M[lo - 1].shape[1] if lo <= n else Ws[-1].shape[0]
            out = np.eye(size)
            for j in range(lo, hi + 1):
                out = Ds[j - 1] @ M[j - 1] @ out
            return out

        g = P(n, 1) @ X[i] - Y[i]
        first = sum(P(n, j + 1) @ Ds[j - 1] @ dWs[j - 1] @ P(j - 1, 1) @ X[i] for j in range(1, n + 1))
        cross = sum(P(n, jp + 1) @ Ds[jp - 1] @ dWs[jp - 1] @ P(jp - 1, j + 1) @ Ds[j - 1] @ dWs[j - 1] @ P(j - 1, 1) @ X[i]
                    for j in range(1, n + 1) for jp in range(j + 1, n + 1))
        total += float(first @ first) + 2 * float(g @ cross)
    return total / data.n


lemma21 = paper.lemma(
    "lemma-21",
    r"\theta\in\mathcal D_{\theta'}:\ \nabla^2 f(\theta)[\Delta w_1..\Delta w_n] = \text{(16) with } \Delta W_j = W_j(\Delta w_j) "
    r"\text{ and } W_j = W_j(w_j)",
    where="App. C, Lemma 21", eq="30", uses=["eq-9", "assumption-homogeneous"], proof_uses=["lemma-9"],
)


@lemma21.check
def lemma21_finite_differences(ctx):
    """Two leaky conv nets (slope 0.2), random theta and directions: the second difference of (29) itself
    (step 1e-4) against (30) evaluated from the pattern matrices; relative error."""
    from symflat.models import Points

    rng = ctx.rng
    worst = 0.0
    for d0, kernels, dn in [(6, (3, 2), 2), (7, (2, 3, 2), 1)]:
        cn = ConvNet(d0, kernels, dn)
        for _ in range(4):
            data = Points(rng.standard_normal((5, d0)), rng.standard_normal((5, dn)))
            th, dth = rng.standard_normal(cn.J.shape[1]), rng.standard_normal(cn.J.shape[1])
            h = 1e-4
            fd = (cn.loss(th + h * dth, data) - 2 * cn.loss(th, data) + cn.loss(th - h * dth, data)) / h ** 2
            form = eq16_form(cn.net, data, cn.J @ th, cn.J @ dth)
            worst = max(worst, abs(fd - form) / max(1.0, abs(form)))
    if worst > 1e-5:
        return Evidence.refuted(f"(30) differs from the second difference of (29): {worst:.2e}")
    return Evidence.checked(f"8 random points and directions on two conv nets: relative error {worst:.1e}",
                            slack=1e-5 - worst, instances=8, cases="8 random points and directions on two 1-D conv nets, seed from ctx", seed=ctx.seed, method="central second differences")


@lemma21.check
def lemma21_general():
    """Every depth, widths, kernels and pattern: the derivation of (16) (Lemma 9) with effective layers
    V_j = D'_{i,j} W_j(w_j); W_j(.) is linear, so D V_j[dw_j] = D'_{i,j} W_j(dw_j) and D^2 V_j = 0, which is all it uses."""
    from symflat.symbolic.matrix_calculus import prove_pattern_second_variation
    return prove_pattern_second_variation().evidence(
        "for every depth n, widths, |S|, pattern and linear parametrisation W_j(.): on D_theta' f is (29) with effective "
        "layers V_j = D'_{i,j} W_j(w_j), linear in w_j (D V_j = D'_{i,j} W_j(dw_j), D^2 V_j = 0); the variations of V_n:1 "
        "(induction on n) with Delta_j = D'_{i,j} W_j(dw_j) and the second-order chain rule give (30) summand by summand")


prop22 = paper.proposition(
    "proposition-22",
    r"n\ge3,\ \exists\theta: \sum_i\nabla\ell(0,y_i)^\top h_\theta(x_i)\ne0 \text{ (network (28))} \Rightarrow "
    r"\inf_{\theta:\ \nabla^2 f(\theta)\text{ exists}}\lambda_{\min}(\nabla^2 f(\theta)) = -\infty",
    where="App. C, Proposition 22", uses=["eq-9"], proof_uses=["lemma-21"],
)


@prop22.check
def prop22_rescaling(ctx):
    """Leaky conv nets (n = 3, 4): w_1, w_2 -> s w_1, s w_2 and w_3 -> w_3 / s^2 (the function and region are
    unchanged); lambda_min of J^T H_F J falls like s^-2 (fitted exponent, s = 1e-1 .. 1e-3)."""
    from symflat.models import Points

    rng = ctx.rng
    rows = []
    for d0, kernels, dn in [(6, (3, 2), 2), (7, (2, 3, 2), 1)]:
        cn = ConvNet(d0, kernels, dn)
        data = Points(rng.standard_normal((5, d0)), rng.standard_normal((5, dn)))
        th = rng.standard_normal(cn.J.shape[1])
        ss, lams = np.array([1e-1, 1e-2, 1e-3]), []
        for s in ss:
            parts = cn.split(th.copy())
            parts[0], parts[1], parts[2] = s * parts[0], s * parts[1], parts[2] / s ** 2
            lams.append(lib.lam_min(cn.hessian(np.concatenate(parts), data)))
        slope = float(np.polyfit(np.log(ss), np.log(-np.array(lams)), 1)[0])
        rows.append((cn.dims, lams[-1], slope))
    if any(lam > -1e3 or slope > -1.5 for _, lam, slope in rows):
        return Evidence.refuted(f"lambda_min does not diverge: {rows}")
    return Evidence.checked("; ".join(f"{list(d)}: lambda_min = {l:.3e} at s = 1e-3, exponent {e:.2f}" for d, l, e in rows),
                            instances=6, cases="2 conv nets x 3 scalings s down to 1e-3", seed=ctx.seed, method="dense Hessian J^T H_F J")


def _factor(cn, data, theta):
    a = max(abs(float(s)) for s in cn.net.slopes)
    n = cn.n
    G = lib.loss_gradients(cn.net, data, cn.J @ theta)
    X = np.asarray(data.X)
    return a ** (n - 1) * (n - 1) / data.n * float(np.sum(np.linalg.norm(G, axis=1) * np.linalg.norm(X, axis=1))) * math.prod(cn.op_norms)


lemma23 = paper.lemma(
    "lemma-23",
    r"\theta\in\mathcal D_{\theta'}:\ \lambda_{\min}(\nabla^2 f(\theta))\ge-\max\{|\alpha|,|\bar\alpha|\}^{n-1}\tfrac{n-1}{|S|}"
    r"\sum_i\|\nabla\ell_i\|_2\|x_i\|_2\prod_j\|W_j(\cdot)\|_{op}\max_{|\mathcal J|=n-2}\prod_{j\in\mathcal J}\|w_j\|_2",
    where="App. C, Lemma 23", eq="31", uses=["lemma-21"], proof_uses=["lemma-21"],
)


@lemma23.check
def lemma23_random(ctx):
    """Random leaky and ReLU conv nets, weight vectors rescaled up to 30x apart: lambda_min(J^T H_F J) against (31)."""
    from symflat.models import Points

    rng = ctx.rng
    worst, count = np.inf, 0
    for (d0, kernels, dn), act, slope in [((6, (3, 2), 2), "leaky_relu", 0.2), ((7, (2, 3, 2), 1), "relu", 0.0),
                                          ((8, (3, 3), 2), "leaky_relu", 0.5)]:
        cn = ConvNet(d0, kernels, dn, activation=act, slope=slope)
        for _ in range(10):
            data = Points(rng.standard_normal((5, d0)), rng.standard_normal((5, dn)))
            parts = cn.split(rng.standard_normal(cn.J.shape[1]))
            s = 10 ** rng.uniform(-1.5, 1.5)
            parts[0], parts[-1] = parts[0] * s, parts[-1] / s
            th = np.concatenate(parts)
            lam = lib.lam_min(cn.hessian(th, data))
            norms = sorted(np.linalg.norm(p) for p in parts)
            rhs = -_factor(cn, data, th) * float(np.prod(norms[2:]))
            worst = min(worst, (lam - rhs) / max(1.0, abs(rhs)))
            count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"lambda_min below (31): relative slack {worst:.3e}")
    return Evidence.checked(f"{count} random points on three conv nets: min relative slack {worst:.3e}", slack=worst,
                            instances=count, cases="random points on three 1-D conv nets", seed=ctx.seed, method="dense Hessian J^T H_F J")


prop24 = paper.proposition(
    "proposition-24",
    r"\theta\in\mathcal D_{\theta'} \text{ on a flow from } \|\theta_s\|_2\le\epsilon \Rightarrow \lambda_{\min}(\nabla^2 f(\theta))\ge"
    r"-\max\{|\alpha|,|\bar\alpha|\}^{n-1}\tfrac{n-1}{|S|}\sum_i\|\nabla\ell_i\|_2\|x_i\|_2\prod_j\|W_j(\cdot)\|_{op}"
    r"\big(\min_j\|w_j\|_2+\epsilon\big)^{n-2}",
    where="App. C, Proposition 24", eq="32", uses=["lemma-21", "eq-5"], proof_uses=["lemma-23", "du-balancedness"],
)


@prop24.check
def prop24_flows(ctx):
    """Leaky conv flows (slope 0.2) from ||theta_s|| = eps in {0.1, 0.5}, followed while every pre-activation keeps
    its sign (terminal event), 21 times on [0, 20]: lambda_min against (32)."""
    from scipy.integrate import solve_ivp

    from symflat.models import Points

    rng = ctx.rng
    worst, count = np.inf, 0
    for d0, kernels, dn in [(6, (3, 2), 2), (7, (2, 3, 2), 1)]:
        cn = ConvNet(d0, kernels, dn)
        for eps in (0.1, 0.5):
            for _ in range(3):
                data = Points(rng.standard_normal((5, d0)), rng.standard_normal((5, dn)))
                th0 = rng.standard_normal(cn.J.shape[1])
                th0 *= eps / np.linalg.norm(th0)
                signs = np.where(lib.forward_patterns(cn.net, data, cn.J @ th0), 1.0, -1.0)

                def leave(t, y):
                    return lib.pre_activation_margin(cn.net, data, cn.J @ y, signs)

                leave.terminal = True
                sol = solve_ivp(lambda t, y: -cn.grad(y, data), (0, 20), th0, t_eval=np.linspace(0, 20, 21), events=[leave],
                                rtol=1e-10, atol=1e-12, method="DOP853")
                for th in sol.y.T:
                    lam = lib.lam_min(cn.hessian(th, data))
                    mn = min(np.linalg.norm(p) for p in cn.split(th))
                    rhs = -_factor(cn, data, th) * (mn + eps) ** (cn.n - 2)
                    worst = min(worst, (lam - rhs) / max(1.0, abs(rhs)))
                    count += 1
    if worst < -1e-9:
        return Evidence.refuted(f"lambda_min below (32): relative slack {worst:.3e}")
    return Evidence.checked(f"{count} points on 12 conv flows: min relative slack {worst:.3e}", slack=worst, instances=count, cases="points along 12 conv gradient flows kept inside one region",
                            seed=ctx.seed, method="DOP853 flow in the region + dense Hessian")

