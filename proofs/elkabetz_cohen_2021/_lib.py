"""Numeric helpers for the Elkabetz & Cohen 2021 claims (no claims here).

- networks (eq. 8-9) in the shared vec layout (column-major blocks ``W_1, ..., W_n``);
- the tube ``D_{t~,eps}`` of Theorem 3 sampled around a gradient-flow trajectory: estimates of
  ``beta`` (spectral norm of the Hessian), ``gamma`` (gradient norm) and ``m(t)`` (minus the
  smallest Hessian eigenvalue on ``B_eps(theta(t))``);
- the step-size bound (7) as stated (``int_{t'}^{t~} m``) and as its proof uses it
  (``int_{t'}^{t} m``), and the distance bound ``beta gamma eta int_0^t e^{int_{t'}^t m}`` that
  the proof of Theorem 3 gets from the Fundamental Theorem (4);
- the one-dimensional counterexample to Theorem 3 as stated.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad

from symflat.models import DeepNetwork, Points
from symflat.numeric import gradient_flow, hessian, objective
from symflat.numeric.backend import get_backend
from symflat.numeric.objective import pack, unpack

_NUMPY = get_backend("numpy")


# --- networks ------------------------------------------------------------------------------------

def mats(model, w) -> list[np.ndarray]:
    """The weight matrices ``W_1..W_n`` of a float parameter vector (the engine's column-major :func:`unpack`)."""
    return unpack(model, np.asarray(w, dtype=float))


def flat(Ws) -> np.ndarray:
    """Inverse of :func:`mats` (the engine's :func:`pack`)."""
    return pack(_NUMPY, [np.asarray(W, dtype=float) for W in Ws])


def random_points(rng, n: int, d0: int, dn: int, scale: float = 1.0) -> Points:
    X = rng.standard_normal((n, d0))
    Y = scale * rng.standard_normal((n, dn))
    return Points(X, Y)


def forward(model: DeepNetwork, data: Points, w) -> tuple[list[np.ndarray], np.ndarray]:
    """The hidden pre-activations ``z_j`` (one ``n x d_j`` array per hidden layer) and the outputs
    ``h(x_i)`` (rows) of the network of eq. (8) on every example."""
    alpha, alpha_bar = (float(s) for s in model.slopes)
    Ws = mats(model, w)
    h, zs = np.asarray(data.X, dtype=float), []
    for W in Ws[:-1]:
        z = h @ W.T
        zs.append(z)
        h = np.where(z > 0, alpha * z, alpha_bar * z)
    return zs, h @ Ws[-1].T


def forward_patterns(model: DeepNetwork, data: Points, w) -> np.ndarray:
    """Signs of every hidden pre-activation on every example (the region ``D_theta'`` of eq. 15)."""
    zs, _ = forward(model, data, w)
    return np.concatenate([(z > 0).reshape(-1) for z in zs]) if zs else np.zeros(0, bool)


def outputs(model: DeepNetwork, data: Points, w) -> np.ndarray:
    """``h(x_i)`` on every example (rows)."""
    return forward(model, data, w)[1]


def loss_gradients(model: DeepNetwork, data: Points, w) -> np.ndarray:
    """``grad l_i`` w.r.t. the prediction for the half-square loss: ``h(x_i) - y_i`` (rows)."""
    assert model.loss == "half_square"
    return outputs(model, data, w) - np.asarray(data.Y, dtype=float).reshape(data.n, -1)


def lam_min(H) -> float:
    return float(np.linalg.eigvalsh(H)[0])


# --- the tube of Theorem 3 -----------------------------------------------------------------------

def tube_estimates(model, data, weights, eps: float, rng, directions: int = 4):
    """Sample ``B_eps(theta(t_i))`` at every recorded point ``theta(t_i)``: the centre, ``directions``
    random points on the sphere and the four points ``+-eps v`` along the extreme Hessian
    eigenvectors. Returns ``(beta, gamma, m, same_pattern)``: ``beta = max ||H||_2``,
    ``gamma = max ||grad f||``, ``m[i] = max(-lambda_min)`` over the samples of ball ``i``, and whether
    every sample lies in the activation region of ``theta(0)`` (always true for linear nets).

    These are lower estimates of the suprema in Theorem 3; an inequality ``distance <= bound``
    that holds with them holds a fortiori with the true constants (the bound grows with each)."""
    obj = objective(model, data)
    beta = gamma = 0.0
    m = np.empty(len(weights))
    ref = forward_patterns(model, data, weights[0]) if model.activation != "linear" else None
    same = True
    for i, c in enumerate(weights):
        H = hessian(model, c, data)
        vals, vecs = np.linalg.eigh(H)
        pts = [c, c + eps * vecs[:, 0], c - eps * vecs[:, 0], c + eps * vecs[:, -1], c - eps * vecs[:, -1]]
        for _ in range(directions):
            u = rng.standard_normal(c.size)
            pts.append(c + eps * u / np.linalg.norm(u))
        worst = -np.inf
        for q in pts:
            Hq = H if q is c else hessian(model, q, data)
            ev = np.linalg.eigvalsh(Hq)
            beta = max(beta, float(np.max(np.abs(ev))))
            gamma = max(gamma, float(np.linalg.norm(np.asarray(obj.grad(q), dtype=float))))
            worst = max(worst, -float(ev[0]))
            if ref is not None and not np.array_equal(forward_patterns(model, data, q), ref):
                same = False
        m[i] = worst
    return beta, gamma, m, same


def growth_integrals(times, m):
    """``I(t_i) = int_0^{t_i} exp(int_{t'}^{t_i} m) dt'`` (the proof's integral) for ``m`` taken as
    the larger endpoint value on each step (``I' = m I + 1``), and ``M(t_i) = int_0^{t_i} m``."""
    times, m = np.asarray(times, float), np.asarray(m, float)
    I, M = np.zeros(len(times)), np.zeros(len(times))
    for i in range(1, len(times)):
        h = times[i] - times[i - 1]
        mi = max(m[i], m[i - 1])
        g = math.exp(mi * h)
        step = h if abs(mi * h) < 1e-12 else (g - 1.0) / mi
        I[i] = g * I[i - 1] + step
        M[i] = M[i - 1] + mi * h
    return I, M


def eta_bounds(times, m, beta, gamma, eps, init_gap=0.0):
    """Right-hand side of (7): ``inf_t (eps - e^{int_0^t m} gap) / (beta gamma D(t))`` with
    ``D = J(t) = int_0^t e^{int_{t'}^{t~} m}`` (as stated) and ``D = I(t)`` (as the proof uses).
    Returns ``(stated, corrected)``."""
    I, M = growth_integrals(times, m)
    J = I * np.exp(M[-1] - M)
    num = eps - np.exp(M) * init_gap
    with np.errstate(divide="ignore"):
        stated = np.min(num[1:] / (beta * gamma * J[1:]))
        corrected = np.min(num[1:] / (beta * gamma * I[1:]))
    return float(stated), float(corrected)


def flow_grid(model, data, w0, t_end, points=121):
    times = np.linspace(0.0, t_end, points)
    gf = gradient_flow(model, w0, data, t_end, t_eval=times, rtol=1e-11, atol=1e-13)
    return gf.times, gf.weights, gf


# --- the counterexample to Theorem 3 as stated ---------------------------------------------------

class BentQuadratic:
    """``f: R -> R`` with ``f'' = -1`` on ``(-inf, a]``, rising linearly to ``+1`` on ``[a, a+1]``,
    ``f'' = +1`` on ``[a+1, inf)``, ``f'(0) = -1`` (C^2, |f''| <= 1). Gradient flow from 0 follows
    ``theta(t) = e^t - 1`` until it reaches ``a``; gradient descent follows ``(1+eta)^k - 1``."""

    def __init__(self, a):
        self.a = a

    def fpp(self, q):
        a = self.a
        return -1.0 if q <= a else (1.0 if q >= a + 1 else -1.0 + 2.0 * (q - a))

    def fp(self, q):
        a = self.a
        if q <= a:
            return -1.0 - q
        if q <= a + 1:
            s = q - a
            return -1.0 - a - s + s * s
        return -1.0 - a + (q - a - 1)

    # the constants of Theorem 3 for eps = 1 (see theorem-3's check for the derivation)
    def gamma(self):
        return self.a + 1.25

    def arrival_time_bound(self, eps=1.0):
        """An upper bound on the time after which B_eps(theta(t)) lies in {f'' = 1}."""
        a = self.a
        return math.log1p(a) + (1.0 + eps) / (a - eps + 1.0)


def pre_activation_margin(model: DeepNetwork, data: Points, w, ref_signs) -> float:
    """``min`` over hidden units and examples of ``z * sign0``: positive while ``w`` stays in the
    activation region (eq. 15) whose signs are ``ref_signs`` (+1 / -1 per unit and example)."""
    zs, _ = forward(model, data, w)
    return float(np.min(np.concatenate([z.reshape(-1) for z in zs]) * ref_signs))


def region_flow(model, data, w0, t_end, times):
    """Gradient flow stopped (terminal event) when a hidden pre-activation reaches 0, i.e. when the
    trajectory leaves the open region ``D_theta'`` of ``theta(0)`` (App. D, Prop. 25). Returns
    ``(weights at times, stayed)``; inside the region ``f`` is the polynomial (15), so the flow is
    the smooth flow of Theorem 3."""
    from scipy.integrate import solve_ivp

    obj = objective(model, data)
    signs = np.where(forward_patterns(model, data, w0), 1.0, -1.0)
    if model.activation == "linear":
        signs = None

    def rhs(t, y):
        return -np.asarray(obj.grad(y), dtype=float)

    def leave(t, y):
        return pre_activation_margin(model, data, y, signs)

    leave.terminal = True
    events = [leave] if signs is not None else None
    sol = solve_ivp(rhs, (0.0, float(t_end)), np.asarray(w0, float), method="DOP853", t_eval=times, rtol=1e-11,
                    atol=1e-13, events=events)
    stayed = sol.status == 0 and sol.y.shape[1] == len(times)
    return sol.y.T, stayed


# --- the reparametrised end-to-end trajectory of App. I.12 ----------------------------------------

class EndToEnd:
    """Closed form of the solution u(t) of (59) (whitened data, ||lambda_yx|| = 1, balanced start), at ``dps``
    digits (mpmath) or in float64 (``dps=None``). With c = (1 - nu0)/(1 + nu0): nu(t) = 1 - 2c/(c + e^{2t})
    (Lemma 44 iii), and s = 1/||u|| solves the linear equation s' = n - n nu(t) s (Lemma 40), so
    s(t) = (s0 + n int_0^t E)/E(t), E(t) = exp(n int_0^t nu) = e^{-nt} ((c + e^{2t})/(c + 1))^n, whose
    integral is a sum of exponentials with positive coefficients (binomial expansion; no cancellation, so
    float64 keeps full relative accuracy). u(t) stays in the plane of u(0) and lambda_yx:
    u = ||u|| (nu lambda + sqrt(1 - nu^2) v), v the unit part of u(0) orthogonal to lambda. The flow's own
    time is xi(t) = int_0^t ||u||^{-(1 - 2/n)} (Lemma 43)."""

    def __init__(self, n: int, w0, nu0, dps: int | None = 40):
        import mpmath as mp

        self.n, self.dps = n, dps
        if dps is None:
            self.f, self.ctx = float, None
            self.exp, self.log, self.sqrt, self.comb = math.exp, math.log, math.sqrt, math.comb
        else:
            self.f, self.ctx = mp.mpf, mp
            self.exp, self.log, self.sqrt, self.comb = mp.exp, mp.log, mp.sqrt, mp.binomial
        with self._prec():
            self.w0, self.nu0 = self.f(w0), self.f(nu0)
            self.c = (1 - self.nu0) / (1 + self.nu0)

    def _prec(self):
        import contextlib

        return contextlib.nullcontext() if self.ctx is None else self.ctx.workdps(self.dps)

    def nu(self, t):
        with self._prec():
            return 1 - 2 * self.c / (self.c + self.exp(2 * self.f(t)))

    def norm(self, t):
        """||u(t)||."""
        n, c = self.n, self.c
        with self._prec():
            t = self.f(t)
            E = self.exp(-n * t) * ((c + self.exp(2 * t)) / (c + 1)) ** n
            total = self.f(0)
            for k in range(n + 1):
                rate = 2 * k - n
                part = t if rate == 0 else (self.exp(rate * t) - 1) / rate
                total += self.comb(n, k) * c ** (n - k) * part
            return E / (1 / self.w0 + n * total / (c + 1) ** n)

    def distance(self, t):
        """||u(t) - lambda_yx|| = sqrt(||u||^2 - 2 ||u|| nu + 1)."""
        with self._prec():
            r, v = self.norm(t), self.nu(t)
            return self.sqrt(max(r * r - 2 * r * v + 1, self.f(0)))

    def slope(self, t):
        """d/dt ||u(t)|| = n ||u|| (nu - ||u||) (Lemma 40)."""
        with self._prec():
            r = self.norm(t)
            return self.n * r * (self.nu(t) - r)

    def norms(self, ts):
        """||u(t)|| on a float64 array of times (the float path of ``norm``, vectorised)."""
        n, c = self.n, float(self.c)
        ts = np.asarray(ts, dtype=float)
        E = np.exp(-n * ts) * ((c + np.exp(2 * ts)) / (c + 1)) ** n
        total = np.zeros_like(ts)
        for k in range(n + 1):
            rate = 2 * k - n
            total += math.comb(n, k) * c ** (n - k) * (ts if rate == 0 else np.expm1(rate * ts) / rate)
        return E / (1 / float(self.w0) + n * total / (c + 1) ** n)

    def nus(self, ts):
        c = float(self.c)
        return 1 - 2 * c / (c + np.exp(2 * np.asarray(ts, dtype=float)))

    def integrate(self, fn, t, pieces: int = 400):
        """int_0^t fn(s) ds for a vectorised ``fn`` by composite 16-point Gauss-Legendre (float64)."""
        x, wts = np.polynomial.legendre.leggauss(16)
        edges = np.linspace(0.0, float(t), pieces + 1)
        mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
        s = (mid[:, None] + half[:, None] * x[None, :]).ravel()
        return float(np.sum(fn(s).reshape(pieces, 16) * wts[None, :] * half[:, None]))

    def xi(self, t):
        """xi(t) = int_0^t ||u||^{-(1-2/n)}: Gauss-Legendre in float64, mpmath quadrature otherwise."""
        p = 1 - 2 / self.n
        if self.ctx is None:
            return self.integrate(lambda s: self.norms(s) ** -p, t)
        with self.ctx.workdps(min(self.dps, 20)):
            return self.ctx.quad(lambda s: self.norm(s) ** -p, [0, t])

    def t_m(self):
        """First time with nu(t) >= ||u(t)|| (Definition 45), by bisection."""
        with self._prec():
            if self.nu0 >= self.w0:
                return self.f(0)
            hi = self.f(1)
            while self.nu(hi) < self.norm(hi):
                hi *= 2
                if hi > 1e6:
                    return self.f("inf")
            lo = self.f(0)
            for _ in range(90 if self.ctx is not None else 60):
                mid = (lo + hi) / 2
                if self.nu(mid) < self.norm(mid):
                    lo = mid
                else:
                    hi = mid
            return hi

    def u_min(self):
        return self.norm(self.t_m())

    @staticmethod
    def t_a_c(n, nu0, u_min):
        """(t_a, t_c) of Definitions 49 and 52 (float)."""
        return math.log(max(5 * (1 - nu0) / (1 + nu0), 1.0)) / 2, 3 / (2 * n) * math.log(2 * n / (3 * float(u_min)))

    @staticmethod
    def t_eps(n, eps_bar):
        """t_eps_bar of Definition 55."""
        return 3 * (n + 1) / (2 * n) * math.log(6 / (5 * math.sqrt(2 * eps_bar)))

    def vector(self, t, lam, v):
        """u(t) in R^{d0} for the unit target ``lam`` and the unit direction ``v`` orthogonal to it."""
        r, nu = float(self.norm(t)), float(self.nu(t))
        return r * (nu * lam + math.sqrt(max(0.0, 1 - nu * nu)) * v)


def rotated_balanced(rng, dims, lam, norm, nu):
    """A balanced point (19) of a d_n = 1 linear net with end-to-end vector of the given norm and cosine
    nu with ``lam``: Procedure 13 followed by random orthogonal changes of basis in the hidden layers
    (W_j -> Q_j W_j Q_{j-1}^T keeps W_{j+1}^T W_{j+1} = W_j W_j^T)."""
    n = len(dims) - 1
    v = rng.standard_normal(dims[0])
    v -= (v @ lam) * lam
    v /= np.linalg.norm(v)
    A = norm * (nu * lam + math.sqrt(max(0.0, 1 - nu * nu)) * v)
    U, S, Vt = np.linalg.svd(A.reshape(1, -1), full_matrices=False)
    r = S[0] ** (1.0 / n)
    Ws = [np.zeros((dims[j + 1], dims[j])) for j in range(n)]
    Ws[0][0, :] = r * Vt[0]
    for j in range(1, n - 1):
        Ws[j][0, 0] = r
    Ws[-1][0, 0] = U[0, 0] * r
    Qs = [np.eye(dims[0])] + [np.linalg.qr(rng.standard_normal((d, d)))[0] for d in dims[1:-1]] + [np.eye(1)]
    return [Qs[j + 1] @ Ws[j] @ Qs[j].T for j in range(n)]


def subset_products(norms, size: int) -> float:
    """max over J of [n] with |J| = size of prod_{j in J} norms[j] (1 when size <= 0)."""
    import itertools

    if size <= 0:
        return 1.0
    return max(math.prod(c) for c in itertools.combinations(norms, size))


def not_zero(res, what: str):
    """``None`` when a ``symflat.symbolic.prove_zero`` result reduced the expression to 0 exactly; otherwise the
    evidence saying why not (refuted with its counterexample, or open when only random points were tried)."""
    from symflat.claims import Evidence

    if res.proved:
        return None
    if not res.holds:
        return res.evidence(what)
    return Evidence.open(f"{what}: not reduced to 0 symbolically ({res.method})")


class WorstCase:
    """The worst case of Prop. 20 (App. I.14): phi' and phi_bar' of (25)-(26) on the half-lines the trajectories
    visit (mpmath or float), Prop. 20's window for t~ and, in floats, the flow in closed form."""

    def __init__(self, a, b, eps, mp=None):
        self.mp = mp
        f = (lambda x: mp.mpf(x)) if mp is not None else float
        self.a, self.b, self.eps = f(a), f(b), f(eps)
        exp = mp.exp if mp is not None else math.exp
        self.zc, self.zbc = self.b * exp(30) + 1, self.b + 1
        self.rho = min(exp(-12) / 2, self.eps / (2 * self.b))
        self.c2 = self.rho / 2 - 1

    def dphi(self, z):
        a, zc = self.a, self.zc
        if z < zc:
            return -a * z
        if z <= zc + 1:
            s = z - zc
            return -a * z + 3 * a * (2 / 3 + zc) * s ** 2 - 4 * a * (0.25 + zc / 2) * s ** 3
        return 0 * z

    def dphibar(self, z):
        a, r, c2, zb = self.a, self.rho, self.c2, self.zbc
        if z < 1 - r:
            return -(a / 2) * (z - c2)
        if z <= 1:
            return -a * z - a / (4 * r) * (z - 1) ** 2
        if z < zb:
            return -a * z
        if z <= zb + 1:
            s = z - zb
            return -a * z + 3 * a * (2 / 3 + zb) * s ** 2 - 4 * a * (0.25 + zb / 2) * s ** 3
        return 0 * z

    def window(self, th2):
        """Prop. 20's interval for t~."""
        a, r, c2 = float(self.a), float(self.rho), float(self.c2)
        base = 2 / a * math.log((2 - 1.5 * r) / (th2 - c2))
        return base + math.log(2 / (1 - r)) / a, base + math.log((1 + r / 4) / (1 - 0.75 * r)) / a + math.log(float(self.b)) / a

    def flow_at(self, th, t):
        """theta(t) in closed form piece by piece (the transition [1 - rho, 1] by quadrature)."""
        a, r, c2 = self.a, self.rho, self.c2
        q1 = th[0] * math.exp(a * t)  # stays below z_c for the times used here
        t_in = 2 / a * math.log((1 - r - c2) / (th[1] - c2))
        across = quad(lambda z: 1.0 / -self.dphibar(z), 1 - r, 1, epsabs=0, epsrel=1e-12)[0]
        t1 = t_in + across
        if t < t1:
            raise ValueError("t~ is before the flow's arrival at 1")
        q2 = math.exp(a * (t - t1))
        assert q1 < self.zc and q2 < self.zbc
        return np.array([q1, q2, th[2] * math.exp(-12 * a * t)]), t1
