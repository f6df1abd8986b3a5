"""Counterexample search for the conjecture after eq. (29) of Mulayoff & Michaeli (2020): for non-white
data, min over Omega of lambda_max(H_w) equals max over ||B||_F = 1 of nu(B) (eq. 25).

Eq. (25) proves '>='. For random instances (d_y = 2..3 = every hidden width, d_x = d_y or d_y + 1, depth
m = 2..4, Sigma_x = A A^T + c I with c log-uniform in [1e-3, 3], Gaussian T) we estimate the minimum from above (BFGS with autograd
gradients of lambda_max, polished by Nelder-Mead, 4 restarts; Omega parametrised by W_2..W_m with
W_1 = (W_m...W_2)^{-1} T) and the maximum of nu from below (BFGS, 6 restarts), and print the relative gap.
A persistent positive gap would be a candidate counterexample. Writes a CSV table.

This is the longer campaign behind the claim mulayoff-michaeli-2020/conjecture-nonwhite, whose check runs
a small version of it. Run: python examples/mulayoff_michaeli_2020/conjecture_search.py [--out DIR]
(about 25 s per instance on one core; TRIALS instances).
"""

import numpy as np
import torch
from scipy.optimize import minimize

from _common import out_dir

TRIALS = 24


def sqrtm(S):
    lam, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(lam)) @ Q.T


def hhat_top(upper, T, Sh):
    """lambda_max(2 sum_k S_k kron R_k) at the point of Omega with upper layers ``upper`` (torch, differentiable)."""
    m = len(upper) + 1
    top = upper[0]
    for W in upper[1:]:
        top = W @ top
    Ws = [torch.linalg.solve(top, T)] + upper
    dy, dx = T.shape
    total = 0
    for k in range(1, m + 1):
        pre = torch.eye(dx, dtype=T.dtype)
        for W in Ws[:k - 1]:
            pre = W @ pre
        A = pre @ Sh
        suf = torch.eye(dy, dtype=T.dtype)
        for W in Ws[k:]:
            suf = W @ suf
        total = total + torch.kron(A.T @ A, suf @ suf.T)
    return 2 * torch.linalg.eigvalsh(total)[-1]


def min_sharpness(Sx, T, m, rng, restarts=4):
    d = T.shape[0]                                # hidden widths = d_y
    Tt, Sh = torch.tensor(T), torch.tensor(sqrtm(Sx))

    def f(p):
        pt = torch.tensor(p, requires_grad=True)
        try:
            v = hhat_top([pt[i * d * d:(i + 1) * d * d].reshape(d, d) for i in range(m - 1)], Tt, Sh)
        except RuntimeError:                      # singular upper product
            return 1e12, np.zeros_like(p)
        v.backward()
        return v.item(), pt.grad.numpy().copy()

    best = np.inf
    for _ in range(restarts):
        p0 = np.concatenate([(np.eye(d) + 0.5 * rng.normal(size=(d, d))).ravel() for _ in range(m - 1)])
        r = minimize(f, p0, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 400})
        r2 = minimize(lambda p: f(p)[0], r.x, method="Nelder-Mead", options={"xatol": 1e-13, "fatol": 1e-15, "maxiter": 1500})
        best = min(best, r.fun, r2.fun)
    return best


def max_nu(Sx, T, m, rng, restarts=6):
    dy, dx = T.shape
    Tt, Sh = torch.tensor(T), torch.tensor(sqrtm(Sx))

    def f(b):
        bt = torch.tensor(b, requires_grad=True)
        B = bt.reshape(dy, dx) / bt.norm()
        M = torch.linalg.matrix_power(B @ Sh @ Tt.T, m - 1) @ B @ Sh
        v = -2 * m * torch.linalg.matrix_norm(M, 2) ** (2 / m)
        v.backward()
        return v.item(), bt.grad.numpy().copy()

    return max(-minimize(f, rng.normal(size=dy * dx), jac=True, method="BFGS",
                         options={"gtol": 1e-10, "maxiter": 400}).fun for _ in range(restarts))


def main():
    out = out_dir(__doc__.splitlines()[0])
    torch.set_num_threads(1)
    rng = np.random.default_rng(5)
    rows = ["trial,d_x,d_y,m,cond_sigma_x,max_nu,min_sharpness,relative_gap"]
    for trial in range(TRIALS):
        d, m = int(rng.integers(2, 4)), int(rng.integers(2, 5))
        dx = d + int(trial % 2)
        A = rng.normal(size=(dx, dx))
        Sx = A @ A.T + 10 ** rng.uniform(-3, 0.5) * np.eye(dx)
        T = rng.normal(size=(d, dx))
        lo, hi = max_nu(Sx, T, m, rng), min_sharpness(Sx, T, m, rng)
        rows.append(f"{trial},{dx},{d},{m},{np.linalg.cond(Sx):.4g},{lo:.17g},{hi:.17g},{hi / lo - 1:.3e}")
        print(rows[-1], flush=True)
    (out / "mulayoff_michaeli_2020_conjecture.csv").write_text("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
