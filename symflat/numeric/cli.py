"""``symflat sharpness``: the top (or bottom) Hessian eigenvalue of a model at chosen weights.

Examples::

    symflat sharpness --model deep-linear --dims 8,32,32,4 --n 1024 --at minimum
    symflat sharpness --model deep-linear --dims 64,32,32,10 --data digits --at random --method lanczos
    symflat sharpness --model deep-network --dims 4,16,1 --activation relu --backend torch --json -
"""

from __future__ import annotations

import sys

import numpy as np

from symflat.errors import argument_type, check_int, check_real
from symflat.numeric.backend import BACKENDS
from symflat.report.output import emit_json

MODELS = ("deep-linear", "scalar-chain", "relu-one-hidden", "deep-network")
POINTS = ("minimum", "random", "saddle")


def configure(parser) -> None:
    from symflat.numeric.sharpness import METHODS

    parser.add_argument("--model", choices=MODELS, default="deep-linear")
    parser.add_argument("--dims", default="4,8,8,2", help="layer dimensions d0,...,dm (deep-linear, deep-network)")
    parser.add_argument("--depth", type=argument_type(check_int, "--depth", minimum=1), default=3, help="depth of the scalar chain")
    parser.add_argument("--width", type=argument_type(check_int, "--width", minimum=1), default=8, help="hidden neurons of relu-one-hidden")
    parser.add_argument("--activation", choices=("linear", "relu", "leaky_relu"), default="relu")
    parser.add_argument("--loss", choices=("square", "half_square", "logistic"), default="square")
    parser.add_argument("--data", choices=("synthetic", "digits"), default="synthetic")
    parser.add_argument("--n", type=argument_type(check_int, "--n", minimum=1), default=256, help="number of samples (default 256)")
    parser.add_argument("--at", choices=POINTS, default="minimum",
                        help="weights: a global (or interpolating) minimum, random N(0, scale^2), or near a saddle")
    parser.add_argument("--weights", metavar="FILE.npy", help="load the weight vector from a .npy file instead")
    parser.add_argument("--scale", type=argument_type(check_real, "--scale", float, minimum=0, strict_min=True), default=0.5, help="scale of random / near-saddle weights")
    parser.add_argument("--method", choices=METHODS, default="auto")
    parser.add_argument("--which", choices=("largest", "smallest"), default="largest")
    parser.add_argument("--backend", choices=BACKENDS, default=None)
    parser.add_argument("--device", default=None, help="torch or jax device, e.g. cuda")
    parser.add_argument("--dtype", choices=("float64", "float32"), default=None)
    parser.add_argument("--tol", type=argument_type(check_real, "--tol", float, minimum=0), default=1e-8, help="relative residual tolerance (default 1e-8)")
    parser.add_argument("--maxiter", type=argument_type(check_int, "--maxiter", minimum=1), default=2000)
    parser.add_argument("--seed", type=argument_type(check_int, "--seed", minimum=0), default=0)
    parser.add_argument("--json", metavar="FILE", help="write the result as JSON to FILE ('-' for stdout)")


class _Usage(ValueError):
    pass


def _dims(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise _Usage(f"--dims must be comma-separated integers, got {text!r}") from None
    if len(dims) < 2:
        raise _Usage(f"--dims needs at least two dimensions, got {text!r}")
    return dims


def build(args):
    """The model, data and weights the arguments describe."""
    from symflat.models import DeepLinear, DeepNetwork, Points, ReluOneHidden, ScalarChain
    from symflat.numeric import problems

    if args.n < 1:
        raise _Usage(f"--n must be positive, got {args.n}")
    rng = np.random.default_rng(args.seed)
    if args.model == "relu-one-hidden":
        model = ReluOneHidden(args.width)
        teacher = problems.random_weights(model, 1.0, seed=args.seed + 1)
        x = np.sort(rng.uniform(-1, 1, args.n))
        obj_y = _relu_forward(model, teacher, x)
        data = Points(x, obj_y if args.at == "minimum" else obj_y + 0.1 * rng.standard_normal(args.n))
        w = teacher if args.at == "minimum" else problems.random_weights(model, args.scale, seed=args.seed)
        return model, data, _maybe_load(args, model, w)
    if args.model == "scalar-chain":
        model = ScalarChain(args.depth)
        dims = model.dims
    else:
        dims = _dims(args.dims)
        model = DeepLinear(dims) if args.model == "deep-linear" else DeepNetwork(dims, args.activation, loss=args.loss)
    if args.data == "digits":
        if (dims[0], dims[-1]) != (64, 10):
            raise _Usage(f"the digits data map R^64 to R^10 (one-hot); --dims must start with 64 and end with 10, got {list(dims)}")
        data = problems.digits(min(args.n, 1797), seed=args.seed)
    else:
        data = problems.synthetic_regression(args.n, dims[0], dims[-1], seed=args.seed)
    if args.at == "minimum" and not isinstance(model, DeepNetwork):
        w = problems.deep_linear_minimum(model, data, seed=args.seed)
    elif args.at == "saddle" and not isinstance(model, DeepNetwork):
        w = problems.near_saddle(model, data, scale=args.scale, seed=args.seed)
    elif args.at == "random":
        w = problems.random_weights(model, args.scale, seed=args.seed)
    else:
        raise _Usage(f"--at {args.at} is available for the linear models only; use --at random or --weights")
    return model, data, _maybe_load(args, model, w)


def _relu_forward(model, w, x):
    w1, b1, w2, b2 = (w[b.slice] for b in model.blocks)
    return np.maximum(np.outer(x, w1) + b1, 0) @ w2 + b2[0]


def _maybe_load(args, model, w):
    if not args.weights:
        return w
    try:
        loaded = np.load(args.weights)
    except (OSError, ValueError) as exc:
        raise _Usage(f"cannot read weights from {args.weights}: {exc}") from None
    if loaded.shape != (model.num_params,):
        raise _Usage(f"{args.weights} holds shape {loaded.shape}; the model needs ({model.num_params},)")
    return loaded


def run(args) -> int:
    from symflat.numeric import BackendError, NotApplicable, NumericError, sharpness
    from symflat.models import ModelError

    try:
        model, data, w = build(args)
        res = sharpness(model, w, data, args.method, which=args.which, backend=args.backend, device=args.device,
                        dtype=args.dtype, tol=args.tol, maxiter=args.maxiter, seed=args.seed)
    except (_Usage, ModelError, NumericError, BackendError, NotApplicable) as exc:
        print(f"symflat sharpness: {exc}", file=sys.stderr)
        return 2
    print(res)
    if args.json:
        payload = {k: v for k, v in vars(res).items() if k != "eigenvector"}
        payload["model"] = repr(model)
        emit_json(payload, args.json, indent=1, default=float)
    return 0 if res.converged else 1
