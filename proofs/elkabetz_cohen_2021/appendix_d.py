"""Appendix D of Elkabetz & Cohen 2021, second half: Proposition 26, regions of differentiability for networks
with weight sharing and sparsity (eq. 28-29); Proposition 25 (fully connected) is in section4.py."""

import numpy as np

from symflat.claims import Evidence

from . import _lib as lib
from . import paper
from .appendix_c import ConvNet

prop26 = paper.proposition(
    "proposition-26",
    r"\sigma(z)=\alpha\max\{z,0\}-\bar\alpha\max\{-z,0\},\ \alpha\ne\bar\alpha,\ W_j = W_j(w_j) \text{ as in (28)} \Rightarrow "
    r"\text{for a.e. }\theta'\ \exists D'_{i,j}\in\mathrm{diag}(\{\alpha,\bar\alpha\}) \text{ with } f = (29) \text{ on an open }"
    r"\mathcal D_{\theta'}\ni\theta' \text{ closed under } (w_j)\mapsto(c_jw_j),\ c_j>0",
    where="App. D, Proposition 26 (used in App. C)", eq="29", uses=["eq-9", "assumption-homogeneous"],
    proof_uses=["proposition-25"],
)


def _patterns(net, data, w):
    X, Ws = np.asarray(data.X), lib.mats(net.net, net.J @ w)
    h, out = X, []
    a, ab = (float(s) for s in net.net.slopes)
    for W in Ws[:-1]:
        z = h @ W.T
        out.append(z)
        h = np.where(z > 0, a * z, ab * z)
    return out


def _eq29(net, data, w, signs):
    """(29): the loss with the activation matrices D'_{i,j} frozen at ``signs`` (half-square loss)."""
    X, Y, Ws = np.asarray(data.X), np.asarray(data.Y), lib.mats(net.net, net.J @ w)
    a, ab = (float(s) for s in net.net.slopes)
    h = X
    for W, s in zip(Ws[:-1], signs):
        h = (h @ W.T) * np.where(s > 0, a, ab)
    r = h @ Ws[-1].T - Y
    return float(np.mean(np.sum(r * r, axis=1)) / 2)


@prop26.check
def prop26_regions(ctx):
    """Random conv nets (kernels (2, 2) and (3,), leaky slopes 0.2 and 0.5), 100 random theta': every pre-activation is
    non-zero (theta' regular, as almost every point is); the pattern survives random positive rescalings of each w_j;
    and at 5 points of a small ball around theta' (and their rescalings) f equals (29) with theta''s D'_{i,j}."""
    rng = ctx.rng
    worst, count = 0.0, 0
    for kernels, slope in [((2, 2), 0.2), ((3,), 0.5)]:
        net = ConvNet(6, list(kernels), 2, slope=slope)
        for _ in range(50):
            data = lib.random_points(rng, 4, 6, 2)
            w = rng.standard_normal(net.J.shape[1])
            pre = _patterns(net, data, w)
            if min(float(np.min(np.abs(z))) for z in pre) == 0:
                return Evidence.refuted("a random theta' has a zero pre-activation")
            signs = [np.sign(z) for z in pre]
            radius = 0.5 * min(float(np.min(np.abs(z))) for z in pre) / (1 + np.linalg.norm(w)) ** len(net.sizes)
            for _ in range(5):
                d = rng.standard_normal(w.size)
                q = w + radius * d / np.linalg.norm(d)
                c = np.concatenate([np.full(s, rng.uniform(0.1, 10)) for s in net.sizes])
                for point in (q, c * q):
                    if any(not np.array_equal(np.sign(z), s) for z, s in zip(_patterns(net, data, point), signs)):
                        return Evidence.refuted("the pattern changed inside the region or under a positive rescaling",
                                                counterexample={"kernels": list(kernels), "slope": slope})
                    worst = max(worst, abs(net.loss(point, data) - _eq29(net, data, point, signs)) / max(1.0, net.loss(point, data)))
            count += 1
    return Evidence.checked(f"{count} random theta' (all regular); patterns kept in a ball and under rescalings; |f - (29)| <= "
                            f"{worst:.1e} relative", slack=1e-10 - worst, instances=count,
                            cases="kernels (2,2) slope 0.2 and (3,) slope 0.5 on inputs of length 6, 2 outputs; 50 theta' each",
                            seed=ctx.seed, method="float64")
