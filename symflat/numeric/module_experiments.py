"""Experiments on real MNIST (:func:`symflat.models.data.mnist`, 5,000 digits) at the papers' scale.

- :func:`ec_task`: Elkabetz & Cohen 2021, Sec. 6, Figs. 1 and 3 and App. H.2: a 1,000-image
  subset chosen once uniformly at random, pixels standardised by the mean and standard deviation
  over all pixels, cross-entropy, Xavier-uniform weights; GD with ``eta_0 = 1e-3`` against
  ``eta_0 / r`` (``r`` in {2, 5, 10, 20}), comparing every iteration of the first with every
  ``r``-th of the second: ``||theta_{eta_0}(t) - theta_{eta_0/r}(t)||`` beside the distance
  travelled ``||theta_{eta_0}(t) - theta(0)||``. Networks: ``fc-linear``/``fc-relu`` (depth 3,
  784-50-50-10, no biases, Sec. 4.1), ``cnn-tutorial`` (the PyTorch 60-minute-blitz LeNet on 32x32
  zero-padded images) and ``cnn-theory`` (the same without biases and with max pooling replaced by
  taking each window's top-left entry, Sec. 4.2).
- :func:`eos_task`: full-batch GD on an MLP with the square loss on one-hot labels, sharpness
  recorded along training against ``2 / eta`` (Cohen et al., ICLR 2021).
- :func:`mm_task`: Mulayoff & Michaeli 2020, Sec. 6 on deep *linear* networks: denoising MNIST
  digits (pixel range [0, 1], white Gaussian noise of standard deviation 1.25, quadratic loss) at
  784-d input, output and hidden layers. The loss is taken in expectation over the noise, so
  ``Sigma_x = Sigma_c + s^2 I`` and ``Sigma_yx = Sigma_c`` with ``Sigma_c`` the clean images'
  second moment; the inputs are whitened (A2), which makes ``T = Sigma_c Sigma_x^{-1/2}``
  symmetric positive semidefinite. Identity-initialised GD (Lemma 1 (ii)) keeps every layer equal
  to ``Q diag(a) Q^T`` in the eigenbasis ``Q`` of ``Sigma_c``, so the run is computed on ``a``
  exactly (``a <- a - 2 eta (a^m - tau) a^{m-1}``, ``tau`` the eigenvalues of ``T``); the
  sharpness at its end is then measured by Lanczos on the full ``m d^2``-parameter Hessian (in
  the rotated coordinates, an isometry of parameter space) and set against Theorem 1's
  ``2 m sigma_max(T)^{2(1 - 1/m)}``.
"""

from __future__ import annotations

import numpy as np

EC_NETWORKS = ("fc-linear", "fc-relu", "cnn-tutorial", "cnn-theory")


# ------------------------------------------------------------------------------- data
def mnist_subset(n: int, seed: int = 0, standardise: bool = True):
    """``n`` of the 5,000 digits chosen uniformly at random (numpy generator ``seed``): ``X``
    ``(n, 784)`` and labels ``y``; pixels standardised over all pixels of the subset (E&C H.2)."""
    from symflat.models.data import mnist

    X, y = mnist()
    idx = np.sort(np.random.default_rng(seed).choice(len(X), size=int(n), replace=False))
    X, y = X[idx], y[idx]
    if standardise:
        X = (X - X.mean()) / X.std()
    return X, y


# ------------------------------------------------------------------------------- Elkabetz & Cohen
def ec_network(name: str, seed: int = 0):
    """One of :data:`EC_NETWORKS`, weights Xavier-uniform (biases, where present, zero)."""
    import torch

    nn = torch.nn

    class TopLeft(nn.Module):
        """Subsampling that keeps each 2x2 window's top-left entry (E&C Fig. 3, right)."""

        def forward(self, x):
            return x[..., ::2, ::2]

    torch.manual_seed(seed)
    if name in ("fc-linear", "fc-relu"):
        act = nn.Identity() if name == "fc-linear" else nn.ReLU()
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 50, bias=False), act, nn.Linear(50, 50, bias=False),
                            act, nn.Linear(50, 10, bias=False))
    elif name in ("cnn-tutorial", "cnn-theory"):
        bias = name == "cnn-tutorial"
        pool = (lambda: nn.MaxPool2d(2)) if bias else TopLeft
        net = nn.Sequential(nn.ZeroPad2d(2), nn.Conv2d(1, 6, 5, bias=bias), nn.ReLU(), pool(),
                            nn.Conv2d(6, 16, 5, bias=bias), nn.ReLU(), pool(), nn.Flatten(),
                            nn.Linear(400, 120, bias=bias), nn.ReLU(), nn.Linear(120, 84, bias=bias), nn.ReLU(),
                            nn.Linear(84, 10, bias=bias))
    else:
        from symflat.numeric.errors import NumericError

        raise NumericError(f"unknown network {name!r}; use one of {EC_NETWORKS}")
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


def ec_compare(network: str, n: int, steps: int, rs=(2, 5, 10, 20), lr0: float = 1e-3, seed: int = 0,
               records: int = 50, dtype: str = "float32") -> dict:
    """Run GD with ``lr0`` for ``steps`` iterations and with ``lr0 / r`` for ``r * steps``; return
    the loss and distance curves at ``records + 1`` matching times (units of ``lr0`` iterations)."""
    import torch

    from symflat.numeric.module_dynamics import train_module

    X, y = mnist_subset(n, seed=seed)
    shape = (-1, 784) if network.startswith("fc") else (-1, 1, 28, 28)
    data = (torch.as_tensor(X.reshape(shape), dtype=getattr(torch, dtype)), torch.as_tensor(y))
    net = ec_network(network, seed=seed).to(getattr(torch, dtype))
    loss = torch.nn.CrossEntropyLoss()
    every = max(1, steps // records)
    base = train_module(net, data, loss, lr0, steps, record_every=every, keep_weights=True)
    travel = np.linalg.norm(base.weights - base.initial, axis=1)
    row = dict(times=base.steps.tolist(), loss=base.loss.tolist(), travel=travel.tolist(), runs={}, status=base.status)
    drift = 0.0
    for r in rs:
        run = train_module(net, data, loss, lr0 / r, r * steps, record_every=every * r, keep_weights=True)
        k = min(len(run.weights), len(base.weights))
        dist = np.linalg.norm(run.weights[:k] - base.weights[:k], axis=1)
        row["runs"][str(r)] = dict(loss=run.loss.tolist(), distance=dist.tolist(), status=run.status)
        drift = max(drift, float(dist.max()))
    row.update(max_drift=drift, final_travel=float(travel[-1]), drift_ratio=drift / max(float(travel[-1]), 1e-300),
               params=int(base.initial.size))
    return row


EC_MINOR = 0.1  # "minor compared to the distance traveled" read as: drift <= 10% of the distance


def ec_task(point: dict) -> dict:
    rs = point.get("rs", (2, 5, 10, 20))
    steps = int(point.get("steps") or (500 if point["network"].startswith("fc") else 50))
    return ec_compare(point["network"], int(point.get("n", 1000)), steps, rs=tuple(int(r) for r in rs),
                      lr0=float(point.get("lr", 1e-3)), seed=int(point.get("seed", 0)))


def ec_evidence(row):
    from symflat.claims import Evidence

    if "error" in row:
        return Evidence.open(f"run failed: {row['error']}", seed=row.get("seed"))
    detail = (f"{row['network']} on {row.get('n', 1000)} MNIST images, {row['times'][-1]} GD steps at eta_0 = "
              f"{row.get('lr', 1e-3)}: max drift to eta_0/r runs {row['max_drift']:.3g} vs distance travelled "
              f"{row['final_travel']:.3g} (ratio {row['drift_ratio']:.3g}, threshold {EC_MINOR})")
    make = Evidence.checked if row["drift_ratio"] <= EC_MINOR else Evidence.refuted
    return make(detail, slack=EC_MINOR - row["drift_ratio"], seed=row.get("seed"), method="gd", instances=1,
                cases=row["network"])


def ec_figure(rows, axes):
    """Per network: loss curves (left) and distances (right), as in E&C Figs. 1 and 3."""
    rows = [r for r in rows if "error" not in r]
    axes = np.atleast_1d(axes)
    for i, row in enumerate(rows[: len(axes) // 2]):
        ax_l, ax_d = axes[2 * i], axes[2 * i + 1]
        t = row["times"]
        ax_l.plot(t, row["loss"], "k-", lw=2, label="eta_0")
        ax_d.plot(t, row["travel"], "k-", lw=2, label="||theta_eta0 - theta_0||")
        for r, run in row["runs"].items():
            ax_l.plot(t[: len(run["loss"])], run["loss"], "--", label=f"eta_0/{r}")
            ax_d.plot(t[: len(run["distance"])], run["distance"], "--", label=f"||theta_eta0 - theta_eta0/{r}||")
        ax_l.set_title(f"{row['network']}: training loss", fontsize=9)
        ax_d.set_title(f"{row['network']}: distance in weight space", fontsize=9)
        for ax in (ax_l, ax_d):
            ax.set_xlabel("iterations of eta_0")


# ------------------------------------------------------------------------------- edge of stability
def eos_task(point: dict) -> dict:
    """Full-batch GD on a tanh MLP (784-width-10, square loss on one-hot labels, MNIST pixels in
    [0, 1]); the sharpness every ``sharpness_every`` steps."""
    import torch

    from symflat.models.data import mnist
    from symflat.numeric.module_dynamics import train_module

    n, seed, lr = int(point.get("n", 500)), int(point.get("seed", 0)), float(point["lr"])
    X, y = mnist()
    idx = np.sort(np.random.default_rng(seed).choice(len(X), size=n, replace=False))
    data = (torch.as_tensor(X[idx]), torch.nn.functional.one_hot(torch.as_tensor(y[idx]), 10).double())
    torch.manual_seed(seed)
    width = int(point.get("width", 32))
    net = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.Tanh(), torch.nn.Linear(width, 10)).double()
    steps = int(point.get("steps", 600))
    every = int(point.get("sharpness_every", 20))
    run = train_module(net, data, torch.nn.MSELoss(), lr, steps, record_every=every, sharpness_every=every)
    late = run.sharpness[len(run.sharpness) // 2:]
    return dict(status=run.status, two_over_lr=2 / lr, steps_run=int(run.steps[-1]), rec_steps=run.steps.tolist(),
                sharpness=run.sharpness.tolist(), loss=run.loss.tolist(), initial_sharpness=float(run.sharpness[0]),
                late_max_sharpness=float(np.nanmax(late)), final_loss=float(run.loss[-1]))


EOS_MARGIN = 0.1  # "at or below 2/eta" allowing the hover just above it: sharpness <= 1.1 * 2/eta


def eos_evidence(row):
    from symflat.claims import Evidence

    if "error" in row:
        return Evidence.open(f"run failed: {row['error']}", seed=row.get("seed"))
    if row["status"] != "finished":
        return Evidence.open(f"GD {row['status']} at eta = {row['lr']}; no prediction tested", seed=row.get("seed"))
    bound = (1 + EOS_MARGIN) * row["two_over_lr"]
    detail = (f"eta = {row['lr']}: sharpness {row['initial_sharpness']:.4g} at start, at most "
              f"{row['late_max_sharpness']:.4g} over the second half vs 2/eta = {row['two_over_lr']:.4g}")
    make = Evidence.checked if row["late_max_sharpness"] <= bound else Evidence.refuted
    return make(detail, slack=bound - row["late_max_sharpness"], seed=row.get("seed"), method="gd+lanczos",
                instances=1)


def eos_figure(rows, ax):
    for i, row in enumerate(r for r in rows if "sharpness" in r):
        color = f"C{i}"
        ax.plot(row["rec_steps"], row["sharpness"], "o-", ms=3, color=color, label=f"eta = {row['lr']}")
        ax.axhline(row["two_over_lr"], color=color, ls="--", lw=1)
    ax.set_xlabel("GD step")
    ax.set_ylabel("sharpness lambda_max (dashed: 2/eta)")
    ax.set_title("Full-batch GD on MNIST: sharpness against 2/eta")


# ------------------------------------------------------------------------------- Mulayoff & Michaeli
def mm_problem(pool: int = 1, noise: float = 1.25):
    """``tau``: the eigenvalues of ``T = Sigma_c Sigma_x^{-1/2}`` for denoising MNIST-5k (images
    average-pooled by ``pool``: 784-d for ``pool=1``), in expectation over the noise; ``d``."""
    from symflat.models.data import mnist

    C, _ = mnist()
    if pool > 1:
        C = C.reshape(-1, 28 // pool, pool, 28 // pool, pool).mean(axis=(2, 4)).reshape(len(C), -1)
    lam = np.clip(np.linalg.eigvalsh(C.T @ C / len(C)), 0, None)
    return lam / np.sqrt(lam + noise ** 2), C.shape[1]


def lemma1_step(depth: int, tau_max: float) -> float:
    """Lemma 1 (ii)'s step size ``1/(2m) min{1, sigma_max(T)^{-2(1-1/m)}}``."""
    return min(1.0, tau_max ** (-2 * (1 - 1 / depth))) / (2 * depth)


def diagonal_gd(tau, depth: int, lr: float, max_steps: int, tol: float = 1e-12):
    """Identity-initialised GD on equal layers ``diag(a)``: ``a <- a - 2 lr (a^m - tau) a^{m-1}``,
    until the top direction fits (``|a_max^m - tau_max| <= tol tau_max``) or ``max_steps``."""
    a = np.ones_like(tau)
    top = int(np.argmax(tau))
    for k in range(int(max_steps)):
        a = a - 2 * lr * (a ** depth - tau) * a ** (depth - 1)
        if not np.all(np.isfinite(a)) or np.max(np.abs(a)) > 1e6:
            return a, k + 1, "diverged"
        if abs(a[top] ** depth - tau[top]) <= tol * tau[top]:
            return a, k + 1, "converged"
    return a, int(max_steps), "max_steps"


def mm_sharpness(tau, depth: int, a, tol: float = 1e-8, seed: int = 0):
    """Lanczos on the full Hessian of the deep linear net ``W_j = diag(a)`` with ``Sigma_x = I``,
    ``Sigma_yx = diag(tau)`` (the rotated problem)."""
    from symflat.models import DeepLinear, Moments
    from symflat.numeric.sharpness import sharpness

    d = len(tau)
    model = DeepLinear((d,) * (depth + 1))
    w = np.concatenate([np.diag(a).ravel() for _ in range(depth)])
    return sharpness(model, w, Moments(np.eye(d), np.diag(tau)), "lanczos", tol=tol, seed=seed)


def mm_task(point: dict) -> dict:
    depth = int(point["depth"])
    tau, d = mm_problem(int(point.get("pool", 1)), float(point.get("noise", 1.25)))
    lr = float(point.get("lr_factor", 1.0)) * lemma1_step(depth, float(tau.max()))
    a, steps, status = diagonal_gd(tau, depth, lr, int(point.get("steps", 200000)))
    predicted = 2 * depth * float(tau.max()) ** (2 * (1 - 1 / depth))
    row = dict(d=d, lr=lr, status=status, steps_run=steps, predicted=predicted, two_over_lr=2 / lr,
               sigma_max_T=float(tau.max()))
    if status == "converged":
        res = mm_sharpness(tau, depth, a, tol=float(point.get("tol", 1e-7)))
        row.update(sharpness=res.eigenvalue, sharpness_converged=res.converged, hvps=res.hvps,
                   rel_error=abs(res.eigenvalue - predicted) / predicted)
    return row


MM_RTOL = 1e-5


def mm_evidence(row):
    from symflat.claims import Evidence

    if "error" in row:
        return Evidence.open(f"run failed: {row['error']}", seed=row.get("seed"))
    if row["status"] != "converged" or not row.get("sharpness_converged"):
        return Evidence.open(f"GD {row['status']} at depth {row['depth']}; no prediction tested")
    detail = (f"depth {row['depth']}, d = {row['d']}: lambda_max at the end of identity-initialised GD "
              f"{row['sharpness']:.10g} vs 2m sigma_max(T)^(2(1-1/m)) = {row['predicted']:.10g} "
              f"(relative {row['rel_error']:.1e}); 2/eta = {row['two_over_lr']:.4g}")
    ok = row["rel_error"] <= MM_RTOL and row["sharpness"] <= row["two_over_lr"] * (1 + 1e-9)
    make = Evidence.checked if ok else Evidence.refuted
    return make(detail, slack=MM_RTOL - row["rel_error"], method="gd+lanczos", instances=1,
                cases=f"depth {row['depth']}, d = {row['d']}")


def mm_figure(rows, ax):
    ok = sorted((r for r in rows if "sharpness" in r), key=lambda r: r["depth"])
    if ok:
        ax.plot([r["depth"] for r in ok], [r["sharpness"] for r in ok], "o", ms=7, label="measured (Lanczos)")
        ms = np.linspace(min(r["depth"] for r in ok), max(r["depth"] for r in ok), 100)
        s = ok[0]["sigma_max_T"]
        ax.plot(ms, 2 * ms * s ** (2 * (1 - 1 / ms)), "k--", lw=1, label="2m sigma_max(T)^(2(1-1/m))")
    ax.set_xlabel("depth m")
    ax.set_ylabel("lambda_max at the end of GD")
    ax.set_title("Deep linear MNIST denoisers from the identity", fontsize=10)


__all__ = ["EC_NETWORKS", "diagonal_gd", "ec_compare", "ec_network", "lemma1_step", "mm_problem", "mm_sharpness",
           "mnist_subset"]
