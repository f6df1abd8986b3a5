"""Curvature of arbitrary torch modules, against torch.autograd.functional.hessian on the flat
parameter vector (an independent dense reference built here, not through symflat)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from symflat.numeric import (  # noqa: E402
    ModuleError,
    NumericError,
    hessian,
    hessian_operator,
    hessian_trace,
    sharpness,
    spectral_density,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models: torch's intra-op threads only add synchronisation (and CI has 2 shared cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def dense_reference(net, X, Y, loss, names=None):
    """The dense Hessian of loss(net(X), Y) in the module's named_parameters order."""
    named = [(n, p) for n, p in net.named_parameters() if names is None or n in names]
    rest = {n: p.detach() for n, p in net.named_parameters() if names is not None and n not in names}
    buffers = {n: b.detach().clone() for n, b in net.named_buffers()}
    w0 = torch.cat([p.detach().reshape(-1) for _, p in named])

    def f(w):
        state, start = dict(rest), 0
        state.update({n: b.clone() for n, b in buffers.items()})
        for n, p in named:
            state[n] = w[start:start + p.numel()].reshape(p.shape)
            start += p.numel()
        return loss(torch.func.functional_call(net, state, (X,)), Y)

    return torch.autograd.functional.hessian(f, w0).numpy()


def conv_tanh_mse():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(32, 2))
    return net.double(), torch.randn(30, 1, 6, 6, dtype=torch.float64), torch.randn(30, 2, dtype=torch.float64), \
        torch.nn.MSELoss()


def mlp_gelu_ce():
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))
    return net.double(), torch.randn(30, 5, dtype=torch.float64), torch.randint(0, 3, (30,)), torch.nn.CrossEntropyLoss()


def negative_definite():
    """-mean (w^T x + b - y)^2: Hessian -2 E[(x,1)(x,1)^T], negative definite for generic x."""
    torch.manual_seed(2)
    net = torch.nn.Linear(4, 1).double()
    return net, torch.randn(30, 4, dtype=torch.float64), torch.randn(30, 1, dtype=torch.float64), \
        lambda out, y: -((out - y) ** 2).mean()


CASES = {"conv-tanh-mse": conv_tanh_mse, "mlp-gelu-ce": mlp_gelu_ce, "negative-definite": negative_definite}


def loader(X, Y, batch_size=7):  # 30 = 4 * 7 + 2: an unequal last batch
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=batch_size)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("source", ["tensors", "loader"])
@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_extreme_eigenvalues_match_dense_reference(case, source, which):
    net, X, Y, loss = CASES[case]()
    ev = np.linalg.eigvalsh(dense_reference(net, X, Y, loss))
    want = ev[-1] if which == "largest" else ev[0]
    data = (X, Y) if source == "tensors" else loader(X, Y)
    res = sharpness(net, data=data, loss=loss, which=which, method="lanczos", tol=1e-10)
    assert res.converged
    assert abs(res.eigenvalue - want) <= 1e-6 * abs(want)
    if case == "negative-definite":
        assert ev[-1] < 0 and res.eigenvalue < 0  # the algebraic end, not the largest magnitude


def test_top_k_and_operator_match_reference():
    net, X, Y, loss = mlp_gelu_ce()
    H = dense_reference(net, X, Y, loss)
    ev = np.linalg.eigvalsh(H)
    res = sharpness(net, data=loader(X, Y), loss=loss, k=3, tol=1e-10)
    np.testing.assert_allclose(res.extra["eigenvalues"], ev[::-1][:3], rtol=1e-8)
    assert res.converged and np.all(res.extra["residuals"] < 1e-8)
    low = sharpness(net, data=(X, Y), loss=loss, k=2, which="smallest", tol=1e-10)
    np.testing.assert_allclose(low.extra["eigenvalues"], ev[:2], rtol=1e-8)
    op = hessian_operator(net, data=loader(X, Y), loss=loss)
    np.testing.assert_allclose(op.to_dense(), H, atol=1e-12)
    np.testing.assert_allclose(hessian(net, data=(X, Y), loss=loss), H, atol=1e-12)


def test_parameter_subset_is_the_sub_block():
    net, X, Y, loss = conv_tanh_mse()
    names = ["3.weight", "3.bias"]
    H = dense_reference(net, X, Y, loss, names=names)
    assert H.shape == (66, 66)
    res = sharpness(net, data=(X, Y), loss=loss, params=names, method="dense")
    assert abs(res.eigenvalue - np.linalg.eigvalsh(H)[-1]) <= 1e-12 * abs(res.eigenvalue)


def test_sum_reduction_is_divided_by_the_data_size():
    net, X, Y, _ = conv_tanh_mse()
    total = torch.nn.MSELoss(reduction="sum")
    want = np.linalg.eigvalsh(dense_reference(net, X, Y, total))[-1] / len(X)
    res = sharpness(net, data=loader(X, Y), loss=total, method="lanczos", tol=1e-10)
    assert abs(res.eigenvalue - want) <= 1e-8 * want


def test_float32_is_accurate_to_single_precision():
    net, X, Y, loss = mlp_gelu_ce()
    want = np.linalg.eigvalsh(dense_reference(net, X, Y, loss))[-1]
    res = sharpness(net.float(), data=(X.float(), Y), loss=loss, method="lanczos")
    assert "float32" in res.backend and res.converged
    assert abs(res.eigenvalue - want) <= 1e-4 * want
    res64 = sharpness(net, data=(X.float(), Y), loss=loss, dtype="float64", method="lanczos", tol=1e-10)
    assert "float64" in res64.backend


def test_trace_and_density_have_honest_error_bars():
    net, X, Y, loss = conv_tanh_mse()
    ev = np.linalg.eigvalsh(dense_reference(net, X, Y, loss))
    tr = hessian_trace(net, data=(X, Y), loss=loss, samples=100, seed=3)
    assert tr.stderr > 0 and abs(tr.estimate - ev.sum()) <= 4 * tr.stderr
    sd = spectral_density(net, data=(X, Y), loss=loss, probes=8, steps=30, seed=4)
    est, se = sd.trace()
    assert abs(est - ev.sum()) <= 4 * se
    sq, sq_se = sd.trace(lambda t: t ** 2)
    assert abs(sq - np.sum(ev ** 2)) <= 4 * sq_se
    lo, hi = sd.range
    assert ev[0] - 1e-9 <= lo and hi <= ev[-1] + 1e-9
    assert abs(hi - ev[-1]) <= 1e-6 * ev[-1]  # 30 steps resolve the extreme eigenvalue
    grid = np.linspace(ev[0] - 1, ev[-1] + 1, 4001)
    dens, dens_se = sd.density(grid, sigma=0.05)
    assert abs(np.trapezoid(dens, grid) - 1) < 1e-3 and np.all(dens_se >= 0)


def test_state_and_mode_are_left_alone():
    torch.manual_seed(5)
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh(), torch.nn.Dropout(0.3),
                              torch.nn.Linear(8, 2)).double()
    X, Y = torch.randn(30, 5, dtype=torch.float64), torch.randn(30, 2, dtype=torch.float64)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    loss = torch.nn.MSELoss()
    a = sharpness(net, data=loader(X, Y), loss=loss, tol=1e-10)  # training mode: batch statistics, fixed masks
    b = sharpness(net, data=loader(X, Y), loss=loss, tol=1e-10)
    assert a.eigenvalue == b.eigenvalue and net.training
    hessian_trace(net, data=(X, Y), loss=loss, samples=4)
    sharpness(net, net[0].weight.detach().reshape(-1).clone() * 2, data=(X, Y), loss=loss, params=["0.weight"])
    net.eval()
    c = sharpness(net, data=(X, Y), loss=loss, tol=1e-10)
    assert not net.training and c.eigenvalue != a.eigenvalue
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # parameters and running statistics
    no_dropout = torch.nn.Sequential(*[m for m in net if not isinstance(m, torch.nn.Dropout)]).train()
    want = np.linalg.eigvalsh(dense_reference(no_dropout, X, Y, loss))[-1]
    got = sharpness(no_dropout, data=(X, Y), loss=loss, tol=1e-10).eigenvalue
    assert abs(got - want) <= 1e-6 * want  # train-mode BatchNorm: the Hessian with batch statistics


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_matches_cpu():
    net, X, Y, loss = conv_tanh_mse()
    cpu = sharpness(net, data=(X, Y), loss=loss, tol=1e-10)
    gpu = sharpness(net, data=(X, Y), loss=loss, tol=1e-10, device="cuda")
    assert "cuda" in gpu.backend and abs(gpu.eigenvalue - cpu.eigenvalue) <= 1e-8 * cpu.eigenvalue


# ------------------------------------------------------------------------------- bad input
def _one_line_error(match, **kw):
    net, X, Y, loss = kw.pop("case", mlp_gelu_ce)()
    args = dict(data=(X, Y), loss=loss)
    args.update(kw)
    model = args.pop("model", net)
    with pytest.raises(ModuleError, match=match) as info:
        sharpness(model, **args)
    assert "\n" not in str(info.value) and isinstance(info.value, NumericError)


def test_nan_parameter():
    net, X, Y, loss = mlp_gelu_ce()
    with torch.no_grad():
        net[2].bias[1] = float("nan")
    _one_line_error(r"parameter '2.bias' contains NaN", model=net)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_data(bad):
    net, X, Y, loss = conv_tanh_mse()
    X = X.clone()
    X[3, 0, 1, 1] = bad
    _one_line_error("the inputs of batch 1 contain NaN or infinite", case=conv_tanh_mse, data=loader(X, Y, 2))


def test_shape_the_module_rejects():
    net, X, Y, loss = mlp_gelu_ce()
    _one_line_error(r"module rejects batch 0 with inputs of shape \(30, 6\)", data=(torch.randn(30, 6).double(), Y))


def test_empty_loader():
    _one_line_error("no batches", data=loader(torch.zeros(0, 5).double(), torch.zeros(0, dtype=torch.long)))


def test_non_scalar_loss():
    _one_line_error(r"loss: must return a scalar, got \(30,\)", loss=torch.nn.CrossEntropyLoss(reduction="none"))


def test_module_without_parameters():
    _one_line_error("has no parameters", model=torch.nn.Tanh())


def test_requires_grad_off_everywhere():
    net, *_ = mlp_gelu_ce()
    for p in net.parameters():
        p.requires_grad_(False)
    _one_line_error("no parameter of Sequential has requires_grad=True", model=net)
    # naming them explicitly still works (the subset is the user's choice)
    X, Y = torch.randn(30, 5, dtype=torch.float64), torch.randint(0, 3, (30,))
    res = sharpness(net, data=(X, Y), loss=torch.nn.CrossEntropyLoss(), params=["2.bias"], method="dense")
    assert math.isfinite(res.eigenvalue)


def test_missing_loss_and_unknown_params():
    _one_line_error("loss must be a callable", loss=None)
    _one_line_error(r"params: \['nope'\] are not parameters", params=["nope"])


def test_both_hvp_engines_agree_with_the_reference():
    from symflat.numeric.module import module_objective

    net, X, Y, loss = mlp_gelu_ce()
    H = dense_reference(net, X, Y, loss)
    for engine in ("forward-over-reverse", "double-backward"):
        obj = module_objective(net, loader(X, Y), loss, hvp=engine)
        assert obj.engine == engine
        np.testing.assert_allclose(obj.hessian(), H, atol=1e-12)
    kept = module_objective(net, loader(X, Y), loss, keep_graph=True)  # all five batches' graphs held
    cols = np.stack([kept.hvp(None, e).numpy() for e in torch.eye(kept.num_params, dtype=torch.float64)], axis=1)
    np.testing.assert_allclose(cols, H, atol=1e-12)
    with pytest.raises(ModuleError, match="hvp must be one of"):
        module_objective(net, (X, Y), loss, hvp="finite-differences")
    conv, X, Y, loss = conv_tanh_mse()  # torch's forward-mode rules fail inside conv's double backward here
    try:
        module_objective(conv, (X, Y), loss, hvp="forward-over-reverse")
    except ModuleError as exc:
        assert "use hvp='double-backward'" in str(exc) and "\n" not in str(exc)
