"""Appendix E of Elkabetz & Cohen 2021: necessity of the assumptions of Propositions 6, 10 and 22 (Claims 27-29).

Each claim says that without one assumption the conclusion "inf lambda_min = -infinity" may fail, i.e. that
some setting has a Hessian bounded below. The paper's witnesses, checked here: a depth-2 network with the
logistic loss (bounded loss gradient), where the proof bounds lambda_min below by a constant; and a data set
with every x_i = 0, where f is constant. (The paper calls these "Claims"; symflat has no such kind, so they are
encoded as propositions with the paper's labels.)"""

import numpy as np
from scipy.special import expit

from symflat.claims import Evidence
from symflat.models import DeepNetwork, Points
from symflat.numeric import hessian, objective

from . import _lib as lib
from . import paper
from .appendix_c import ConvNet


def _labels(rng, N, d0):
    X = rng.standard_normal((N, d0))
    return X, np.where(rng.uniform(size=(N, 1)) < 0.5, -1.0, 1.0)


def _zero_inputs(model_hessian, size, rng):
    """Largest |entry| of the Hessian at random points when every input is zero (f is then constant)."""
    return max(float(np.max(np.abs(model_hessian(rng.standard_normal(size) * 3)))) for _ in range(5))


WITNESSES = "n = 2 with the logistic loss (labels +-1, 8 Gaussian inputs), and inputs x_i = 0"
#: The witness on which the claims are proved at every theta (``_general.shallow_logistic_witness``).
SCALAR = "; proved on the scalar witness: widths 1-1-1, one example x = 1, y = 1, logistic loss, and x = 0 at depth 3"


claim27 = paper.proposition(
    "claim-27",
    r"\text{In Prop. 6's setting, if } n=2 \text{ or } \nabla\phi(0)=0, \text{ possibly } \inf_\theta\lambda_{\min}(\nabla^2f(\theta))>-\infty",
    where="App. E, Claim 27", uses=["proposition-6", "eq-11"], proof_uses=["lemma-5"], about=WITNESSES + SCALAR,
    note="Witnesses: (a) n = 2, logistic loss: lambda_min >= -||grad phi(W_2 W_1)||_F >= -mean ||x_i||; (b) x_i = 0: f is "
         "constant, so grad phi(0) = 0 and lambda_min = 0.",
)


@claim27.check
def claim27_witnesses(ctx):
    """(a) 3-4-1 and 2-5-1 linear nets, logistic loss, 60 random theta of scale 0.1-30: lambda_min of the dense Hessian
    >= -||grad phi(W_2 W_1)|| (the proof's bound) >= -mean ||x_i||. (b) the same nets with X = 0: the Hessian is 0."""
    rng = ctx.rng
    worst, lowest, count = np.inf, 0.0, 0
    for dims in [(3, 4, 1), (2, 5, 1)]:
        model = DeepNetwork(dims, activation="linear", loss="logistic")
        X, Y = _labels(rng, 8, dims[0])
        data, single = Points(X, Y), DeepNetwork((dims[0], 1), activation="linear", loss="logistic")
        floor = -float(np.mean(np.linalg.norm(X, axis=1)))
        for _ in range(30):
            th = rng.standard_normal(model.num_params) * rng.uniform(0.1, 30)
            Ws = lib.mats(model, th)
            gphi = np.linalg.norm(np.asarray(objective(single, data).grad((Ws[1] @ Ws[0]).reshape(-1, order="F")), dtype=float))
            lam = lib.lam_min(hessian(model, th, data))
            worst = min(worst, lam + gphi, -gphi - floor)
            lowest = min(lowest, lam)
            count += 1
        zero = _zero_inputs(lambda t: hessian(model, t, Points(np.zeros_like(X), Y)), model.num_params, rng)
        if zero != 0:
            return Evidence.refuted(f"(b): the Hessian is not zero when x_i = 0 ({zero:.1e})")
    if worst < -1e-9:
        return Evidence.refuted(f"(a): lambda_min below the proof's bound (margin {worst:.2e})")
    return Evidence.checked(f"(a) {count} points: lambda_min >= -||grad phi|| >= -mean||x|| (lowest lambda_min {lowest:.3f}, "
                            f"min margin {worst:.2e}); (b) Hessian exactly 0 with x_i = 0", slack=float(worst), instances=count + 10,
                            cases="dims (3,4,1), (2,5,1); 30 random theta each (scale 0.1-30); 5 points with X = 0 each",
                            seed=ctx.seed, method="dense Hessian, float64")


@claim27.check
def claim27_scalar_witness():
    """Existence shown by one object: the scalar depth-2 linear network with the logistic loss (grad phi(0) = -1/2 != 0,
    so only n >= 3 fails) has lambda_min >= -1 at every theta; with x = 0 (grad phi = 0) at depth 3 the Hessian is 0."""
    from ._general import shallow_logistic_witness

    return shallow_logistic_witness("Claim 27")


claim28 = paper.proposition(
    "claim-28",
    r"\text{In Prop. 10's setting, without (i) } n\ge3 \text{ or (ii) } \sum_i\nabla\ell(0,y_i)^\top h_\theta(x_i)\not\equiv0, "
    r"\text{ possibly } \inf_{\nabla^2f \text{ exists}}\lambda_{\min}(\nabla^2f(\theta))>-\infty",
    where="App. E, Claim 28", uses=["proposition-10", "proposition-25"], proof_uses=["lemma-9"],
    about=WITNESSES + " (leaky ReLU)" + SCALAR + " (leaky slopes 1, 1/5)",
    note="Witness (a): n = 2, leaky ReLU, logistic loss: lambda_min >= -max{|alpha|,|alpha_bar|} mean(||grad l_i|| ||x_i||) "
         ">= -max{|alpha|,|alpha_bar|} mean ||x_i||; (b) x_i = 0.",
)


@claim28.check
def claim28_witnesses(ctx):
    """(a) leaky-ReLU (slope 0.2 and 0.5) 3-4-1 nets, logistic loss, 60 random theta (a.e. twice differentiable there):
    lambda_min >= -max|slope| mean(|l'_i| ||x_i||) >= -mean ||x_i||; (b) X = 0 gives a zero Hessian."""
    rng = ctx.rng
    worst, lowest, count = np.inf, 0.0, 0
    for slope in (0.2, 0.5):
        model = DeepNetwork((3, 4, 1), activation="leaky_relu", negative_slope=slope, loss="logistic")
        X, Y = _labels(rng, 8, 3)
        data = Points(X, Y)
        for _ in range(30):
            th = rng.standard_normal(model.num_params) * rng.uniform(0.1, 30)
            out = lib.outputs(model, data, th).reshape(-1)
            dl = np.abs(Y.reshape(-1)) * expit(-Y.reshape(-1) * out)
            bound = -float(np.mean(dl * np.linalg.norm(X, axis=1)))
            lam = lib.lam_min(hessian(model, th, data))
            worst = min(worst, lam - bound)
            lowest = min(lowest, lam)
            count += 1
        zero = _zero_inputs(lambda t: hessian(model, t, Points(np.zeros_like(X), Y)), model.num_params, rng)
        if zero != 0:
            return Evidence.refuted(f"(b): the Hessian is not zero when x_i = 0 ({zero:.1e})")
    if worst < -1e-9:
        return Evidence.refuted(f"(a): lambda_min below the proof's bound (margin {worst:.2e})")
    return Evidence.checked(f"(a) {count} points: lambda_min >= -mean(|l'_i| ||x_i||) (lowest {lowest:.3f}, min margin "
                            f"{worst:.2e}); (b) Hessian exactly 0 with x_i = 0", slack=float(worst), instances=count + 10,
                            cases="leaky slopes 0.2, 0.5; dims (3,4,1); 30 random theta each; 5 points with X = 0 each",
                            seed=ctx.seed, method="dense Hessian, float64")


@claim28.check
def claim28_scalar_witness():
    """Existence shown by one object: the scalar depth-2 leaky-ReLU network (slopes 1 and 1/5), logistic loss, x = 1:
    where the Hessian exists (w_1 != 0; by the paper's convention it then exists on a neighbourhood, and continuity
    extends the bound) lambda_min >= -1; assumption (ii) holds (l'(0) w_2 s(w_1) is not identically 0). With x = 0 the
    loss is constant."""
    from ._general import shallow_logistic_witness

    return shallow_logistic_witness("Claim 28")


claim29 = paper.proposition(
    "claim-29",
    r"\text{In Prop. 22's setting, without (i) } n\ge3 \text{ or (ii), possibly } \inf_{\nabla^2f \text{ exists}}"
    r"\lambda_{\min}(\nabla^2f(\theta))>-\infty",
    where="App. E, Claim 29", uses=["proposition-22"], proof_uses=["lemma-21", "lemma-23"],
    about=WITNESSES + " (1-D convolution)" + SCALAR + " (a kernel of length 1 on inputs of length 1, leaky slopes 1, 1/5)",
    note="Witness (a): one valid convolution then a dense output (n = 2), leaky ReLU, logistic loss: lambda_min >= "
         "-max{|alpha|,|alpha_bar|} mean(||grad l_i|| ||x_i||) prod_j ||W_j(.)||_op; (b) x_i = 0.",
)


@claim29.check
def claim29_witnesses(ctx):
    """(a) conv nets (input 6, kernel 2 or 3, dense output), leaky slope 0.2, logistic loss, 60 random theta: lambda_min
    of J^T H J >= the proof's bound with the operator norms of w_j -> W_j(w_j); (b) X = 0 gives a zero Hessian."""
    rng = ctx.rng
    worst, lowest, count = np.inf, 0.0, 0
    for k in (2, 3):
        net = ConvNet(6, [k], 1)
        net.net = DeepNetwork(net.dims, activation="leaky_relu", negative_slope=0.2, loss="logistic")
        X, Y = _labels(rng, 8, 6)
        data = Points(X, Y)
        ops = float(np.prod(net.op_norms))
        for _ in range(30):
            th = rng.standard_normal(net.J.shape[1]) * rng.uniform(0.1, 30)
            out = lib.outputs(net.net, data, net.J @ th).reshape(-1)
            dl = expit(-Y.reshape(-1) * out)
            bound = -float(np.mean(dl * np.linalg.norm(X, axis=1))) * ops
            lam = lib.lam_min(net.hessian(th, data))
            worst = min(worst, lam - bound)
            lowest = min(lowest, lam)
            count += 1
        zero = _zero_inputs(lambda t: net.hessian(t, Points(np.zeros_like(X), Y)), net.J.shape[1], rng)
        if zero != 0:
            return Evidence.refuted(f"(b): the Hessian is not zero when x_i = 0 ({zero:.1e})")
    if worst < -1e-9:
        return Evidence.refuted(f"(a): lambda_min below the proof's bound (margin {worst:.2e})")
    return Evidence.checked(f"(a) {count} points: lambda_min >= the proof's bound (lowest {lowest:.3f}, min margin {worst:.2e}); "
                            "(b) Hessian exactly 0 with x_i = 0", slack=float(worst), instances=count + 10,
                            cases="kernels 2, 3 on inputs of length 6, dense output; 30 random theta each; 5 points with X = 0 each",
                            seed=ctx.seed, method="dense Hessian J^T H J, float64")


@claim29.check
def claim29_scalar_witness():
    """Existence shown by one object: a convolution with a kernel of length 1 on inputs of length 1 followed by a dense
    output is the scalar depth-2 network of Claim 28; its lambda_min >= -1 wherever the Hessian exists, and x = 0 makes
    the loss constant."""
    from ._general import shallow_logistic_witness

    return shallow_logistic_witness("Claim 29")
