"""Figure 3 of Mulayoff & Michaeli (2020): intermediate gains of deep linear networks (d = 4, m = 6)
implementing one end-to-end map T, for arbitrary global minima and for flattest minima.

Blue dots: singular values of prod_{j<=k} W_j; red circles: ||prod_{j<=k} W_j v|| (Theorem 2(i) says
sigma_max(T)^{k/m} at flattest minima); dotted line: Theorem 2(ii)'s bound sqrt(m) sigma^{k/m}; dashed
line: the sharper bound sqrt(m-1) sigma^{k/m} (claim theorem-2-sharp).

Differences from the paper: arbitrary minima follow App. IX.1 (eq. S104, Gaussian A_i). Flattest minima
are not found by the paper's greedy random walk; two are built with Theorem 4's structure (random
rotations between layers, uneven lower gains) and two are diagonal-path minima outside Theorem 4 drawn
by rejection sampling so that lambda_max(H) equals eq. (17) (up to 1e-12) while the first layers amplify
a lower path strongly - they show how close to the bound a flattest minimum can come.

Run: python examples/mulayoff_michaeli_2020/fig3_intermediate_gains.py [--out DIR]
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from _common import out_dir  # noqa: E402
from mulayoff_michaeli_2020 import _linear as L  # noqa: E402


def unbalanced_flattest(T, m, rng, tries=20000):
    """Diagonal-path minimum in the SVD basis of T: path 1 has gain r per layer, path 2 gets random gains with
    product sigma_2; keep the flattest-certified draw with the largest intermediate gain of path 2."""
    U, s, V = L.svd_target(T)
    d, r, value = T.shape[0], s[0] ** (1 / m), L.flattest_value(T, m)
    best, best_gain = None, -1
    for _ in range(tries):
        z = rng.normal(0, 1.2, size=m)
        z -= z.mean()
        G = np.tile(s ** (1 / m), (m, 1))
        G[:, 1] *= np.exp(z)
        Ws = [np.diag(G[k]) for k in range(m)]
        Ws[0], Ws[-1] = Ws[0] @ V.T, U @ Ws[-1]
        lam, _ = L.sharpness_at_minimum(Ws, np.eye(d))
        if lam <= value * (1 + 1e-12):
            gain = max(np.prod(G[:k, 1]) / r**k for k in range(1, m))
            if gain > best_gain:
                best, best_gain = Ws, gain
    return best


def gains(Ws, T):
    m, d = len(Ws), T.shape[0]
    U, s, V = L.svd_target(T)
    sv = [np.linalg.svd(L.prod(Ws, 1, k, d), compute_uv=False) for k in range(1, m + 1)]
    red = [np.linalg.norm(L.prod(Ws, 1, k, d) @ V[:, 0]) for k in range(1, m + 1)]
    return sv, red, s[0]


def main():
    out = out_dir(__doc__.splitlines()[0])
    rng = np.random.default_rng(3)
    d, m = 4, 6
    T = rng.normal(size=(d, d))
    arbitrary = [L.random_minimum(T, m, rng, 1.0) for _ in range(4)]
    flattest = [L.theorem4_minimum(T, m, rng, 0.6) for _ in range(2)] + [unbalanced_flattest(T, m, rng) for _ in range(2)]
    value = L.flattest_value(T, m)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    k = np.arange(1, m + 1)
    for ax, nets, title in [(axes[0], arbitrary, "(a) arbitrary global minima"), (axes[1], flattest, "(b) flattest minima")]:
        for i, Ws in enumerate(nets):
            sv, red, smax = gains(Ws, T)
            lam, _ = L.sharpness_at_minimum(Ws, np.eye(d))
            x = k + (i - 1.5) * 0.12
            for kk, s in zip(x, sv):
                ax.plot([kk] * len(s), s, ".", color="tab:blue", ms=5)
            ax.plot(x, red, "o", mfc="none", color="tab:red", ms=7)
            print(f"{title[:14]} net {i}: lambda_max/eq.(17) = {lam / value:.4f}, max_k sigma_max(P_k)/sigma^(k/m) = "
                  f"{max(sv[j][0] / smax ** ((j + 1) / m) for j in range(m)):.3f}")
        ax.plot(k, np.sqrt(m) * smax ** (k / m), "k:", label=r"$\sqrt{m}\,\sigma_{\max}^{k/m}$ (Thm 2(ii))")
        ax.plot(k, np.sqrt(m - 1) * smax ** (k / m), "--", color="grey", label=r"$\sqrt{m-1}\,\sigma_{\max}^{k/m}$ (sharpened)")
        ax.set(yscale="log", xlabel="layer k", title=title)
        ax.legend(fontsize=8)
    axes[0].set_ylabel(r"singular values of $\prod_{j\leq k} W_j$")
    fig.tight_layout()
    fig.savefig(out / "mulayoff_michaeli_2020_fig3.png", dpi=130)


if __name__ == "__main__":
    main()
