"""The network families of the encoded papers, as plain data (no algebra inside).

- ``DeepLinear``: ``x -> W_m ... W_1 x`` (Mulayoff & Michaeli 2020, eq. 1).
- ``ScalarChain``: ``x -> w_m ... w_1 x`` with scalar weights (Mulayoff & Michaeli 2020, eq. 6).
- ``LinearWithOutput``: ``x -> w^T W_L ... W_1 x`` with a fixed output vector ``w``
  (Marion & Chizat 2024, eq. 3); ``residual=True`` marks the parametrisation
  ``W_k = I + s/sqrt(L d) N_k + theta_k / L`` of their Section 5.
- ``ReluOneHidden``: ``x -> w2^T relu(x w1 + b1) + b2`` on scalar inputs
  (Mulayoff, Michaeli & Soudry 2021, supplement eq. S43).
- ``DeepNetwork``: ``x -> W_n s(W_{n-1} s(... s(W_1 x)))`` with a positively homogeneous
  activation ``s(z) = alpha max(z,0) - alpha_bar max(-z,0)`` (Elkabetz & Cohen 2021, eq. 8).
"""

from __future__ import annotations

import cmath
import numbers
from dataclasses import dataclass, field
from math import prod

from symflat.errors import SymflatError, check_bool, check_int


class ModelError(SymflatError, ValueError):
    """A model description that cannot be built (bad dimensions, unknown activation, ...)."""


@dataclass(frozen=True)
class Block:
    """One named block of the parameter vector: a matrix (column-major) or a vector."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def slice(self) -> slice:
        return slice(self.offset, self.offset + self.size)


def _check_dims(dims, what: str, minimum_layers: int = 1) -> tuple[int, ...]:
    """``dims`` as a tuple of integers >= 1 (an integral float such as ``4.0`` is read as 4; ``2.5``,
    ``True`` or ``"3"`` are refused, never truncated)."""
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
        raise ModelError(f"{what}: dims must be a sequence of layer dimensions [d0, ..., dm], got {dims!r}")
    dims = list(dims)
    if len(dims) < minimum_layers + 1:
        raise ModelError(f"{what}: dims needs at least {minimum_layers + 1} dimensions [d0, ..., dm], got {dims!r}")
    out = []
    for j, d in enumerate(dims):
        if isinstance(d, (str, bytes)):
            raise ModelError(f"{what}: dims[{j}] must be an integer >= 1, got {d!r} in dims {dims!r}")
        out.append(check_int(d, f"{what}: dims[{j}]", minimum=1, error=ModelError))
    return tuple(out)


def _entry(value, what: str):
    """One entry of a model's or data set's numbers, kept as given: a real number (int, float,
    Fraction, numpy scalar) that is finite, or a SymPy expression; complex numbers, NaN, infinities,
    strings and other objects are refused."""
    if isinstance(value, bool):
        raise ModelError(f"{what}: entries must be real numbers, got {value!r}")
    if isinstance(value, numbers.Real):
        if not cmath.isfinite(float(value)):
            raise ModelError(f"{what}: entries must be finite, got the non-finite {value!r}")
        return value
    if isinstance(value, numbers.Complex):
        raise ModelError(f"{what}: entries must be real numbers, got the complex {value!r}")
    if type(value).__module__.split(".")[0] in ("sympy", "mpmath", "flint"):
        number = getattr(value, "is_number", False)  # a SymPy number must be known finite (nan's is_finite is None)
        if getattr(value, "is_real", True) is False or getattr(value, "is_finite", True) is False or (
                number and getattr(value, "is_finite", True) is not True):
            raise ModelError(f"{what}: entries must be finite real numbers, got {value!r}")
        return value
    raise ModelError(f"{what}: entries must be real numbers or SymPy expressions, got {type(value).__name__} {value!r}")


def _matrix_blocks(dims: tuple[int, ...], prefix: str = "W") -> tuple[Block, ...]:
    blocks, offset = [], 0
    for j in range(1, len(dims)):
        b = Block(f"{prefix}{j}", (dims[j], dims[j - 1]), offset)
        blocks.append(b)
        offset += b.size
    return tuple(blocks)


def _square_matrices(mats, count: int, d: int) -> tuple:
    """``count`` matrices of size ``d x d`` as nested tuples (entries kept as given)."""
    try:
        out = tuple(tuple(tuple(row) for row in M) for M in mats)
    except TypeError:
        raise ModelError(f"LinearWithOutput: noise must be {count} matrices of size {d}x{d}") from None
    if len(out) != count or any(len(M) != d or any(len(row) != d for row in M) for M in out):
        shapes = [(len(M), len(M[0]) if M else 0) for M in out]
        raise ModelError(f"LinearWithOutput: noise must be {count} matrices of size {d}x{d}, got shapes {shapes}")
    return out


class _Layered:
    """Shared behaviour: a tuple of parameter blocks and the total parameter count."""

    blocks: tuple[Block, ...]

    @property
    def num_params(self) -> int:
        return sum(b.size for b in self.blocks)

    def block(self, name: str) -> Block:
        for b in self.blocks:
            if b.name == name:
                return b
        raise ModelError(f"{type(self).__name__} has no parameter block {name!r}; blocks: {[b.name for b in self.blocks]}")


@dataclass(frozen=True)
class DeepLinear(_Layered):
    """Deep linear network ``f(x) = W_m ... W_1 x`` with ``W_j`` of shape ``d_j x d_{j-1}``.

    ``dims = [d0, d1, ..., dm]`` (``d0 = d_x``, ``dm = d_y``); depth ``m = len(dims) - 1``.
    """

    dims: tuple[int, ...]
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        dims = _check_dims(self.dims, "DeepLinear")
        object.__setattr__(self, "dims", dims)
        object.__setattr__(self, "blocks", _matrix_blocks(dims))

    @property
    def depth(self) -> int:
        return len(self.dims) - 1

    @property
    def d_in(self) -> int:
        return self.dims[0]

    @property
    def d_out(self) -> int:
        return self.dims[-1]

    @property
    def has_capacity(self) -> bool:
        """Mulayoff & Michaeli's capacity condition: ``min_j d_j >= min(d_x, d_y)``."""
        return min(self.dims) >= min(self.d_in, self.d_out)


@dataclass(frozen=True)
class ScalarChain(_Layered):
    """Scalar linear network ``f(x) = w_m ... w_1 x`` (Mulayoff & Michaeli 2020, eq. 6)."""

    depth: int
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "depth", check_int(self.depth, "ScalarChain: depth", minimum=1, error=ModelError))
        object.__setattr__(self, "blocks", tuple(Block(f"w{j}", (1, 1), j - 1) for j in range(1, self.depth + 1)))

    @property
    def dims(self) -> tuple[int, ...]:
        return (1,) * (self.depth + 1)

    def as_deep_linear(self) -> DeepLinear:
        return DeepLinear(self.dims)


@dataclass(frozen=True)
class LinearWithOutput(_Layered):
    """``f(x) = w^T W_L ... W_1 x`` with fixed output vector ``w`` (Marion & Chizat 2024, eq. 3).

    ``dims = [d, d_1, ..., d_L]``; ``output`` is the fixed vector ``w`` of length ``d_L`` (any
    numeric, rational or symbolic entries; ``None`` means "supplied with the data"). With
    ``residual=True`` all ``d_k = d`` and the weights are read as ``W_k = I + s/sqrt(L d) N_k +
    theta_k / L`` (their eq. 2 and Section 5); the parameters are then the ``theta_k``. ``noise``
    holds the fixed ``d x d`` matrices ``N_1..N_L`` and ``scale`` the number ``s``; numeric work
    needs both, symbolic work uses symbols for whichever is ``None``.
    """

    dims: tuple[int, ...]
    output: tuple | None = None
    residual: bool = False
    noise: tuple | None = field(default=None, repr=False)
    scale: object = None
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        dims = _check_dims(self.dims, "LinearWithOutput")
        object.__setattr__(self, "residual", check_bool(self.residual, "LinearWithOutput: residual", error=ModelError))
        if self.residual and len(set(dims)) != 1:
            raise ModelError(f"LinearWithOutput(residual=True) needs square layers d_0 = ... = d_L, got {list(dims)}")
        if not self.residual and (self.noise is not None or self.scale is not None):
            raise ModelError("LinearWithOutput: noise and scale belong to the residual parametrisation (residual=True)")
        if self.output is not None:
            if isinstance(self.output, (str, bytes)) or not hasattr(self.output, "__iter__"):
                raise ModelError(f"LinearWithOutput: output must be a vector of length d_L = {dims[-1]}, got {self.output!r}")
            out = tuple(_entry(v, "LinearWithOutput: output") for v in self.output)
            if len(out) != dims[-1]:
                raise ModelError(f"LinearWithOutput: output vector has length {len(out)}, expected d_L = {dims[-1]}")
            object.__setattr__(self, "output", out)
        if self.noise is not None:
            object.__setattr__(self, "noise", _square_matrices(self.noise, len(dims) - 1, dims[0]))
        object.__setattr__(self, "dims", dims)
        prefix = "theta" if self.residual else "W"
        object.__setattr__(self, "blocks", _matrix_blocks(dims, prefix))

    @property
    def depth(self) -> int:
        return len(self.dims) - 1


@dataclass(frozen=True)
class ReluOneHidden(_Layered):
    """``f(x) = w2^T relu(x w1 + b1) + b2`` for scalar ``x`` and ``k`` hidden neurons (supp. eq. S43).

    Parameter order: ``w1`` (k), ``b1`` (k), ``w2`` (k), ``b2`` (1), i.e. ``3k + 1`` parameters.
    """

    width: int
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "width", check_int(self.width, "ReluOneHidden: width", minimum=1, error=ModelError))
        k = self.width
        object.__setattr__(self, "blocks", (Block("w1", (k,), 0), Block("b1", (k,), k), Block("w2", (k,), 2 * k), Block("b2", (1,), 3 * k)))




@dataclass(frozen=True)
class DeepNetwork(_Layered):
    """Fully connected network with a positively homogeneous activation (Elkabetz & Cohen, eq. 8).

    ``activation`` is ``"linear"``, ``"relu"`` or ``"leaky_relu"`` (slope ``negative_slope`` on the
    negative side); in general ``s(z) = alpha max(z,0) - alpha_bar max(-z,0)``. ``loss`` names the
    per-example loss ``l(h, y)``: ``"square"`` (``||h - y||^2``), ``"half_square"``
    (``||h - y||^2 / 2``) or ``"logistic"`` (``log(1 + exp(-y h))``, scalar output).
    """

    dims: tuple[int, ...]
    activation: str = "relu"
    negative_slope: float = 0.01
    loss: str = "square"
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    LOSSES = ("square", "half_square", "logistic")

    def __post_init__(self):
        dims = _check_dims(self.dims, "DeepNetwork")
        if not isinstance(self.activation, str) or self.activation not in ("linear", "relu", "leaky_relu"):
            raise ModelError(f"DeepNetwork: unknown activation {self.activation!r}; use 'linear', 'relu' or 'leaky_relu'")
        if self.activation == "leaky_relu":
            slope = self.negative_slope
            if isinstance(slope, bool) or not isinstance(slope, numbers.Real) or not 0 <= float(slope) < 1:
                raise ModelError(f"DeepNetwork: leaky_relu needs 0 <= negative_slope < 1, got {slope!r}")
        if not isinstance(self.loss, str) or self.loss not in self.LOSSES:
            raise ModelError(f"DeepNetwork: unknown loss {self.loss!r}; use one of {self.LOSSES}")
        if self.loss == "logistic" and dims[-1] != 1:
            raise ModelError(f"DeepNetwork: the logistic loss needs a scalar output, got d_n = {dims[-1]}")
        object.__setattr__(self, "dims", dims)
        object.__setattr__(self, "blocks", _matrix_blocks(dims))

    @property
    def depth(self) -> int:
        return len(self.dims) - 1

    @property
    def slopes(self) -> tuple:
        """``(alpha, alpha_bar)``: the activation's slopes for positive and negative inputs."""
        if self.activation == "linear":
            return (1, 1)
        if self.activation == "relu":
            return (1, 0)
        return (1, self.negative_slope)
