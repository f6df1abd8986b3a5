"""GD/SGD on torch modules with the sharpness recorded, and the MNIST experiments' building blocks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from symflat.numeric import NumericError  # noqa: E402
from symflat.numeric.module_dynamics import train_module  # noqa: E402
from symflat.numeric.module_experiments import diagonal_gd, ec_network, mm_sharpness  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def regression(n=40, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    Y = torch.randn(n, 1, generator=g, dtype=torch.float64)
    net = torch.nn.Linear(d, 1).double()
    return net, X, Y


def test_gd_matches_hand_iterates_and_sharpness_is_the_quadratic_curvature():
    net, X, Y = regression()
    A = np.hstack([X.numpy(), np.ones((len(X), 1))])  # parameters (weight, bias) in module order
    w = np.concatenate([net.weight.detach().numpy().ravel(), net.bias.detach().numpy()])
    before = w.copy()
    H = 2 * A.T @ A / len(A)  # MSELoss: mean over samples of (a^T w - y)^2
    lr, steps = 0.1, 25
    run = train_module(net, torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=16), torch.nn.MSELoss(),
                       lr, steps, record_every=5, sharpness_every=5, sharpness_tol=1e-10, keep_weights=True)
    hand = [w.copy()]
    for _ in range(steps):
        w = w - lr * (H @ w - 2 * A.T @ Y.numpy().ravel() / len(A))
        hand.append(w.copy())
    np.testing.assert_allclose(run.final, hand[-1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.weights, np.array(hand)[::5], rtol=1e-10, atol=1e-12)
    assert run.status == "finished" and list(run.steps) == [0, 5, 10, 15, 20, 25]
    np.testing.assert_allclose(run.sharpness, np.linalg.eigvalsh(H)[-1], rtol=1e-8)
    assert run.two_over_lr == 20 and np.allclose(run.times, run.steps * lr)
    now = np.concatenate([net.weight.detach().numpy().ravel(), net.bias.detach().numpy()])
    np.testing.assert_array_equal(now, before)  # the module is untouched
    run.load_into(net)
    np.testing.assert_allclose(net.bias.detach().numpy(), hand[-1][-1:], rtol=1e-12)


def test_step_above_two_over_sharpness_diverges():
    net, X, Y = regression()
    A = np.hstack([X.numpy(), np.ones((len(X), 1))])
    top = np.linalg.eigvalsh(2 * A.T @ A / len(A))[-1]
    run = train_module(net, (X, Y), torch.nn.MSELoss(), 2.5 / top, 400, record_every=1, divergence=1e6)
    assert run.status == "diverged" and run.loss[-1] > 1e6 * run.loss[0]
    ok = train_module(net, (X, Y), torch.nn.MSELoss(), 1.9 / top, 400, record_every=400)
    assert ok.status == "finished" and ok.loss[-1] < ok.loss[0]


def test_sgd_is_seeded_and_descends():
    net, X, Y = regression(n=64)
    a = train_module(net, (X, Y), torch.nn.MSELoss(), 0.05, 200, batch_size=8, seed=3, record_every=50)
    b = train_module(net, (X, Y), torch.nn.MSELoss(), 0.05, 200, batch_size=8, seed=3, record_every=50)
    np.testing.assert_array_equal(a.final, b.final)
    assert a.loss[-1] < a.loss[0] and a.batch_size == 8
    with pytest.raises(NumericError, match="batch_size"):
        train_module(net, (X, Y), torch.nn.MSELoss(), 0.05, 10, batch_size=65)
    with pytest.raises(NumericError, match="lr must be a positive"):
        train_module(net, (X, Y), torch.nn.MSELoss(), -1.0, 10)


def test_ec_networks_have_the_papers_shapes():
    x = torch.randn(2, 1, 28, 28)
    for name, params, biases in (("fc-linear", 784 * 50 + 50 * 50 + 50 * 10, False), ("cnn-theory", None, False),
                                 ("cnn-tutorial", None, True)):
        net = ec_network(name)
        assert net(x.reshape(2, 784) if name.startswith("fc") else x).shape == (2, 10)
        assert any(n.endswith("bias") for n, _ in net.named_parameters()) == biases
        if params:
            assert sum(p.numel() for p in net.parameters()) == params
    # the theory network subsamples (top-left entry) instead of max pooling
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in ec_network("cnn-theory").modules())


def test_diagonal_gd_reaches_theorem_1_sharpness():
    tau = np.array([0.3, 0.8, 1.7])
    a, steps, status = diagonal_gd(tau, 3, 0.05, 100000, tol=1e-13)
    assert status == "converged"
    res = mm_sharpness(tau, 3, a, tol=1e-11)
    assert abs(res.eigenvalue - 2 * 3 * 1.7 ** (2 * (1 - 1 / 3))) <= 1e-9 * res.eigenvalue


def test_experiments_are_registered_and_judge_their_rows():
    from symflat.claims import Status
    from symflat.numeric.experiments import EXPERIMENTS
    from symflat.numeric.module_experiments import eos_evidence, mm_evidence, mm_task

    assert {"edge-of-stability", "ec-fig1-3", "mm-mnist-depth"} <= set(EXPERIMENTS)
    row = dict(lr=0.4, two_over_lr=5.0, status="finished", initial_sharpness=5.2, late_max_sharpness=5.4)
    assert eos_evidence(row).status is Status.CHECKED
    assert eos_evidence(dict(row, late_max_sharpness=5.6)).status is Status.REFUTED  # above 1.1 * 2/eta
    pytest.importorskip("mlxtend")
    mm = dict(depth=2, **mm_task(dict(depth=2, pool=4)))
    assert mm["status"] == "converged" and mm["rel_error"] < 1e-10
    assert mm_evidence(mm).status is Status.CHECKED
    assert mm_evidence(dict(mm, sharpness=mm["predicted"] * 1.01, rel_error=0.01)).status is Status.REFUTED


def test_balancedness_drift_shrinks_with_the_step():
    """GD conserves D_j up to O(eta) at a fixed time: halving eta halves the drift (Arora et al.
    2018 for linear nets; the diagonal for ReLU, Du et al. 2018)."""
    from symflat.numeric.module_dynamics import balancedness

    g = torch.Generator().manual_seed(0)
    X, Y = torch.randn(50, 4, generator=g, dtype=torch.float64), torch.randn(50, 3, generator=g, dtype=torch.float64)
    for act in (torch.nn.Identity(), torch.nn.ReLU()):
        torch.manual_seed(1)
        net = torch.nn.Sequential(torch.nn.Linear(4, 6, bias=False), act, torch.nn.Linear(6, 3, bias=False)).double()
        drift = []
        for lr in (0.02, 0.01):
            run = train_module(net, (X, Y), torch.nn.MSELoss(), lr, int(round(1.0 / lr)), record_every=10,
                               balancedness=True)
            drift.append(run.balancedness[-1])
        assert drift[0] > 0 and 1.7 < drift[0] / drift[1] < 2.3
        W1, W2 = net[0].weight.detach().numpy(), net[2].weight.detach().numpy()
        D = balancedness(net)[0]
        want = W2.T @ W2 - W1 @ W1.T
        np.testing.assert_allclose(D, want if isinstance(act, torch.nn.Identity) else np.diag(np.diag(want)))
    with pytest.raises(NumericError, match="bias-free Linear"):
        balancedness(torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)))


def test_gradient_flow_matches_the_exact_linear_flow_and_gd_approaches_it():
    import scipy.linalg

    from symflat.numeric.module_dynamics import gradient_flow_module

    net, X, Y = regression()
    A = np.hstack([X.numpy(), np.ones((len(X), 1))])
    H, b = 2 * A.T @ A / len(A), 2 * A.T @ Y.numpy().ravel() / len(A)
    w0 = np.concatenate([net.weight.detach().numpy().ravel(), net.bias.detach().numpy()])
    star = np.linalg.solve(H, b)
    flow = gradient_flow_module(net, (X, Y), torch.nn.MSELoss(), 2.0, t_eval=[0.0, 1.0, 2.0])
    for t, w in zip(flow.times, flow.weights):  # w(t) = w* + exp(-H t) (w0 - w*)
        np.testing.assert_allclose(w, star + scipy.linalg.expm(-H * t) @ (w0 - star), rtol=1e-7, atol=1e-9)
    assert flow.status == "finished" and flow.loss[-1] < flow.loss[0]
    gaps = []
    for lr in (0.02, 0.01):  # Euler's global error is O(eta)
        gd = train_module(net, (X, Y), torch.nn.MSELoss(), lr, int(round(2.0 / lr)), record_every=int(round(2.0 / lr)))
        gaps.append(np.linalg.norm(gd.final - flow.final))
    assert 1.8 < gaps[0] / gaps[1] < 2.2
    with pytest.raises(NumericError, match="t_final"):
        gradient_flow_module(net, (X, Y), torch.nn.MSELoss(), -1.0)
