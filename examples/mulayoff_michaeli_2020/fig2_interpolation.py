"""Figure 2 of Mulayoff & Michaeli (2020): the loss along the line joining two global minima of a scalar
network, loss (prod w - 1)^2 (sigma_x^2 = 1, tau = 1).

(a) m = 2: a flattest minimum w1 = (1, 1) (sharpness 4) and a sharp one w2 = (1/4, 4) (sharpness 32.1)
look equally sharp along their connecting line (eq. S32). (b) m = 3: Lemma 2's construction
w3 = w1^2 / w2 (eq. S29): w2 = (2, 2, 1/4) looks sharper than w1 along its line, and w3 = (1/2, 1/2, 4)
then looks flatter than w1 although its true sharpness (2 sum w^-2 = 16.1) is far above 6.

Differences from the paper: the paper's panel (b) shows only the m = 2 case in the main text; the m = 3
panel illustrates App. III.2 with our own choice of points.

Run: python examples/mulayoff_michaeli_2020/fig2_interpolation.py [--out DIR]
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from _common import out_dir  # noqa: E402


def loss(w):
    return (np.prod(w, axis=-1) - 1.0) ** 2


def sharpness(w):
    return 2 * np.sum(np.asarray(w, float) ** -2)


def along(a, b, t):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return loss(a[None, :] + t[:, None] * (b - a)[None, :])


def curvature(a, b, at, h=1e-4):
    a, b = np.asarray(a, float), np.asarray(b, float)
    p = a if at == 0 else b
    d = b - a
    return (loss(p + h * d) - 2 * loss(p) + loss(p - h * d)) / h**2 / np.dot(d, d)


def main():
    out = out_dir(__doc__.splitlines()[0])
    t = np.linspace(-0.25, 1.25, 601)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    w1, w2 = (1.0, 1.0), (0.25, 4.0)
    ax = axes[0]
    ax.plot(t, along(w1, w2, t), "k")
    ax.plot([0], [0], "o", color="green", label=f"flattest w1, sharpness {sharpness(w1):.1f}, line curvature {curvature(w1, w2, 0):.3f}")
    ax.plot([1], [0], "o", color="orange", label=f"w2, sharpness {sharpness(w2):.1f}, line curvature {curvature(w1, w2, 1):.3f}")
    ax.set(xlabel="t  (w1 + t (w2 - w1))", ylabel="loss", title="(a) m = 2: both ends look equally sharp", ylim=(0, 0.6))
    ax.legend(fontsize=7)
    w1, w2 = (1.0, 1.0, 1.0), (2.0, 2.0, 0.25)
    w3 = tuple(a * a / b for a, b in zip(w1, w2))
    ax = axes[1]
    ax.plot(t, along(w1, w2, t), color="tab:orange", label=f"w1 -> w2: curvature {curvature(w1, w2, 0):.3f} at w1, {curvature(w1, w2, 1):.3f} at w2")
    ax.plot(t, along(w1, w3, t), color="tab:blue", label=f"w1 -> w3: curvature {curvature(w1, w3, 0):.3f} at w1, {curvature(w1, w3, 1):.3f} at w3")
    ax.plot([0], [0], "o", color="green")
    ax.set(xlabel="t", ylabel="loss", ylim=(0, 1.0),
           title=f"(b) m = 3: w3 = w1^2/w2 looks flatter (true sharpness {sharpness(w3):.1f} vs {sharpness(w1):.0f})")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "mulayoff_michaeli_2020_fig2.png", dpi=130)
    print(f"m=3: sharpness w1 {sharpness(w1):.2f}, w2 {sharpness(w2):.2f}, w3 {sharpness(w3):.2f}; "
          f"line curvatures w1-w2: {curvature(w1, w2, 0):.4f} / {curvature(w1, w2, 1):.4f}, "
          f"w1-w3: {curvature(w1, w3, 0):.4f} / {curvature(w1, w3, 1):.4f}")


if __name__ == "__main__":
    main()
