"""Figure 1 of Mulayoff & Michaeli (2020): gradient descent started next to a sharp global minimum of a
two-layer scalar network, loss (w1 w2 - 1)^2 (sigma_x^2 = 1, tau = 1), with and without momentum.

The sharpness of a minimum is 2 (w1^-2 + w2^-2) (eq. 10); the flattest points (1, 1), (-1, -1) have 4
(eq. 13). With step size eta every minimum sharper than 2/eta is unstable (App. I), so GD leaves the
sharp start and slides along the valley to a point flatter than 2/eta.

Differences from the paper: the paper does not give its start point, step sizes or momentum; we use
eta = 0.25 (2/eta = 8), heavy-ball momentum 0.3 with eta = 0.25 (linear-stability threshold
2(1+beta)/eta = 10.4), start (0.4, 2.6), next to the minimum (0.4, 2.5) of sharpness 12.8.

Run: python examples/mulayoff_michaeli_2020/fig1_scalar_gd.py [--out DIR]
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from _common import out_dir  # noqa: E402


def loss(w1, w2):
    return (w1 * w2 - 1.0) ** 2


def grad(w):
    r = w[0] * w[1] - 1.0
    return np.array([2 * r * w[1], 2 * r * w[0]])


def run(eta, beta, start, steps=400):
    w, v, path = np.array(start, float), np.zeros(2), [np.array(start, float)]
    for _ in range(steps):
        v = beta * v - eta * grad(w)
        w = w + v
        path.append(w.copy())
    return np.array(path)


def sharpness(w):
    return 2 * (w[0] ** -2 + w[1] ** -2)


def main():
    out = out_dir(__doc__.splitlines()[0])
    start = (0.4, 2.6)
    runs = {"GD, eta = 0.25": run(0.25, 0.0, start, 2000), "momentum 0.3, eta = 0.25": run(0.25, 0.3, start, 2000)}
    g = np.linspace(0.05, 3.0, 400)
    W1, W2 = np.meshgrid(g, g)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.contour(W1, W2, np.log10(loss(W1, W2) + 1e-3), levels=20, cmap="Greys", linewidths=0.6)
    ax.plot(g, 1 / g, "k--", lw=1, label=r"$\Omega$: $w_1 w_2 = 1$")
    ax.plot([1], [1], "o", color="green", ms=8, label=r"$\Omega_0$ (sharpness 4)")
    ax.plot(*start, "*", color="orange", ms=14, label=f"start, near a minimum of sharpness {sharpness((0.4, 1 / 0.4)):.1f}")
    for (name, path), c in zip(runs.items(), ["tab:blue", "tab:red"]):
        ax.plot(path[:, 0], path[:, 1], ".-", color=c, lw=0.7, ms=2,
                label=f"{name}: ends at sharpness {sharpness(path[-1]):.2f}")
    ax.set(xlim=(0.05, 3), ylim=(0.05, 3), xlabel="$w_1$", ylabel="$w_2$",
           title="GD leaves the sharp part of the valley")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "mulayoff_michaeli_2020_fig1.png", dpi=130)
    for name, path in runs.items():
        print(f"{name}: final point {path[-1].round(4)}, sharpness {sharpness(path[-1]):.3f}, loss {loss(*path[-1]):.2e}")


if __name__ == "__main__":
    main()
