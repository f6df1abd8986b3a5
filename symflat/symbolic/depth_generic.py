"""Depth-generic derivations: sums and products whose length ``m`` is a symbol.

A product ``P = prod_{j=1}^m f_j`` of symbolic length cannot be expanded, so a proof that holds for
*every* depth works with three devices:

1. **The other factors as a symbol.** For a fixed index ``k`` (and ``q != k``),
   ``P = f_k * P_{-k}`` and ``P_{-k} = f_q * P_{-kq}``, where ``P_{-k}``, ``P_{-kq}`` are symbols
   with these defining relations; by definition they do not depend on ``f_k`` (``f_q``).
2. **Rules proved once by induction on the length** (:func:`by_induction`): the base case and the
   step ``n -> n + 1`` are both checked by SymPy, the length-``n`` object entering the step as an
   opaque symbol (the induction hypothesis substituted into it). Rules here: the sum of a constant,
   the logarithm and the derivative of a product, multiplicativity of products, sums of
   non-negative terms, the count of sign patterns, and AM-GM.
3. **Recorded side conditions.** Every rewrite that divides by something or uses a sign records
   it (:class:`Condition`), so a finished :class:`DepthProof` reports exactly the non-zero and sign
   conditions its steps needed, and nothing else.

Sums of symbolic length are SymPy ``Sum`` objects over an ``Indexed`` base; their linearity is
SymPy's. A proof step that SymPy cannot reduce to zero raises :class:`DerivationFailed` naming the
step and the residual, and :meth:`DepthProof.evidence` turns that into ``open`` with the reason.

Example (the Hessian entry of a scalar chain on its minimum set, every depth ``m >= 2``)::

    import sympy as sp
    from symflat.symbolic.depth_generic import DepthProof
    wk, wq, R, tau, s = sp.symbols("w_k w_q P_{-kq} tau sigma", real=True)
    proof = DepthProof("d^2 l / dw_k dw_q on Omega")
    P = wk * wq * R                                   # R = prod_{j != k, q} w_j (defining relation)
    l = s * (P - tau) ** 2
    on_omega = proof.divide(R, tau / (wk * wq), [wk, wq], "P_{-kq} = tau / (w_k w_q) on Omega")
    proof.identity("entry", sp.diff(l, wk, wq).subs(R, on_omega), 2 * s * tau**2 / (wk * wq))
    proof.evidence()   # proved, conditions: w_k != 0, w_q != 0
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import sympy as sp

from symflat.claims import Evidence
from symflat.symbolic.errors import SymbolicError

#: the symbolic depth and the indices used throughout
m = sp.Symbol("m", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
j, k, q = sp.symbols("j k q", integer=True, positive=True)


class DerivationFailed(SymbolicError):
    """A step of a depth-generic derivation that SymPy could not establish (with its residual)."""


@dataclass(frozen=True)
class Condition:
    """A side condition a step needs (``w_k != 0``, ``r_j > 0``) and why."""

    relation: sp.Basic
    why: str

    def __str__(self) -> str:
        return f"{sp.sstr(self.relation)} ({self.why})"


@dataclass
class Step:
    """One established step: what it says, how it was checked, what it needed."""

    name: str
    statement: str
    method: str
    conditions: list[Condition] = field(default_factory=list)


def is_zero(expr) -> bool:
    """Exact zero test for expressions with sums of symbolic length: expand, pull constants out of
    the sums, cancel, and as a last resort ``simplify``."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    e = sp.factor_terms(sp.expand(expr))
    if e == 0 or sp.cancel(sp.together(e)) == 0:
        return True
    return sp.simplify(e) == 0


class DepthProof:
    """A derivation for every depth: a list of :class:`Step` s and the conditions they needed."""

    def __init__(self, goal: str):
        self.goal = goal
        self.steps: list[Step] = []
        self._started = time.perf_counter()

    # -- conditions ---------------------------------------------------------------------------
    @property
    def conditions(self) -> list[Condition]:
        """Every condition any step needed, each once, in the order first needed."""
        seen, out = set(), []
        for s in self.steps:
            for c in s.conditions:
                if c.relation not in seen:
                    seen.add(c.relation)
                    out.append(c)
        return out

    # -- steps --------------------------------------------------------------------------------
    def identity(self, name: str, lhs, rhs, *, needs=(), statement: str = "") -> Step:
        """Establish ``lhs = rhs`` exactly (symbolic depth allowed); ``needs`` are the conditions the
        caller's setting of the identity already relies on."""
        residual = sp.sympify(lhs) - sp.sympify(rhs)
        if not is_zero(residual):
            raise DerivationFailed(f"{self.goal}: step '{name}' does not reduce to 0 (residual {sp.sstr(sp.simplify(residual))})")
        return self._add(Step(name, statement or f"{sp.sstr(lhs)} = {sp.sstr(rhs)}", "sympy identity", list(needs)))

    def divide(self, symbol, value, nonzero, why: str) -> sp.Expr:
        """Replace ``symbol`` by a quotient ``value`` (a defining relation solved for it), recording
        that every divisor in ``nonzero`` must be non-zero. Returns ``value``."""
        conds = [Condition(sp.Ne(d, 0), f"divisor in {why}") for d in nonzero]
        self._add(Step(f"rewrite {symbol}", f"{symbol} = {sp.sstr(value)}: {why}", "defining relation", conds))
        return value

    def sign(self, name: str, expr, relation: str, *, assuming: dict, why: str) -> Step:
        """Establish ``expr > 0`` / ``>= 0`` / ``!= 0`` (``relation`` is ``'positive'``,
        ``'nonnegative'`` or ``'nonzero'``) from SymPy assumptions on fresh symbols; ``assuming``
        maps each symbol of ``expr`` to the assumptions it needs, and each becomes a condition."""
        fresh = {s: sp.Symbol(s.name, real=True, **{a: True for a in kinds}) for s, kinds in assuming.items()}
        e = sp.simplify(sp.sympify(expr).subs(fresh))
        if getattr(e, f"is_{relation}") is not True:
            raise DerivationFailed(f"{self.goal}: step '{name}': SymPy cannot show {sp.sstr(expr)} is {relation} "
                                   f"under {({str(s): v for s, v in assuming.items()})}")
        conds = []
        for s, kinds in assuming.items():
            for kind in kinds:
                rel = {"positive": sp.Gt(s, 0), "nonnegative": sp.Ge(s, 0), "nonzero": sp.Ne(s, 0),
                       "negative": sp.Lt(s, 0)}[kind]
                if rel is not sp.true:                      # already implied by the symbol's own assumptions
                    conds.append(Condition(rel, why))
        return self._add(Step(name, f"{sp.sstr(expr)} is {relation}", "sympy assumptions", conds))

    def use(self, rule: Step, *, needs=()) -> Step:
        """Cite a rule established by induction (or another proof) as a step of this one. ``needs``
        are the rule's conditions instantiated for this use (``w_j != 0`` for the rule's
        ``f_j != 0``); without them the rule's own (generic) conditions are recorded."""
        generic = "; ".join(str(c) for c in rule.conditions)
        statement = f"{rule.statement} [rule needs: {generic}]" if generic else rule.statement
        return self._add(Step(rule.name, statement, rule.method, list(needs) if needs else list(rule.conditions)))

    def note(self, name: str, statement: str, *, needs=()) -> Step:
        """A purely logical step (e.g. 'a positive constant factor keeps the argmin'), with the
        conditions it needs; it asserts nothing SymPy has to compute."""
        return self._add(Step(name, statement, "logic", list(needs)))

    def _add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    # -- result -------------------------------------------------------------------------------
    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started

    def summary(self) -> str:
        conds = "; ".join(str(c) for c in self.conditions) or "none"
        return f"{self.goal}: {len(self.steps)} checked steps, conditions used: {conds}"

    def evidence(self, **data) -> Evidence:
        """``proved`` (general) with the steps and the conditions the derivation needed."""
        return Evidence.proved(self.summary(), method="depth-generic derivation (symflat.symbolic.depth_generic)",
                               conditions=[str(c) for c in self.conditions],
                               steps=[f"{s.name}: {s.statement} [{s.method}]" for s in self.steps],
                               seconds=round(self.seconds, 4), **data)


def run(build, *args, **kwargs) -> Evidence:
    """Run a function that builds a :class:`DepthProof`; a step that fails becomes ``open`` with
    its reason (never a guess)."""
    try:
        return build(*args, **kwargs).evidence()
    except DerivationFailed as e:
        return Evidence.open(f"depth-generic derivation stopped: {e}", reason=str(e))


# ------------------------------------------------------------------------------------ induction

def by_induction(name: str, statement: str, base, step, *, base_at=1, conditions=()) -> Step:
    """A rule ``S(n)`` for every ``n >= base_at``: ``base`` is an expression (or tuple) that must be
    0 when ``S(base_at)`` holds; ``step`` one that must be 0 when ``S(n)`` implies ``S(n + 1)``,
    written with the length-``n`` object as an opaque symbol and the hypothesis ``S(n)``
    substituted. Both are checked exactly; a failure raises :class:`DerivationFailed`."""
    for part, expr in (("base", base), ("step", step)):
        for e in (expr if isinstance(expr, (tuple, list)) else (expr,)):
            if not is_zero(e):
                raise DerivationFailed(f"induction for '{name}': {part} case leaves {sp.sstr(sp.simplify(e))}")
    return Step(name, f"{statement} (for every n >= {base_at})", "induction on n: base and step checked by sympy",
                list(conditions))


@functools.cache
def sum_of_constant() -> Step:
    """``sum_{j=1}^n c = n c``."""
    c, S_n = sp.symbols("c S_n")
    return by_induction("sum of a constant", "sum_{j=1}^n c = n c",
                        base=c - 1 * c,                       # S_1 = c
                        step=(S_n + c).subs(S_n, n * c) - (n + 1) * c)


@functools.cache
def product_of_constant() -> Step:
    """``prod_{j=1}^n c = c^n``."""
    c, P_n = sp.symbols("c P_n")
    return by_induction("product of a constant", "prod_{j=1}^n c = c^n", base=c - c**1,
                        step=(P_n * c).subs(P_n, c**n) - c ** (n + 1))


@functools.cache
def log_of_product() -> Step:
    """``log prod_{j=1}^n f_j = sum_j log f_j`` for positive factors."""
    P_n, f = sp.symbols("P_n f", positive=True)
    L_n = sp.Symbol("L_n", real=True)                         # L_n = sum_{j<=n} log f_j
    # hypothesis log P_n = L_n, i.e. P_n = exp(L_n); step: log(P_n f) = L_n + log f
    step = sp.expand_log(sp.log(sp.exp(L_n) * f)) - (L_n + sp.log(f))
    return by_induction("log of a product", "log prod_{j<=n} f_j = sum_{j<=n} log f_j", base=sp.log(f) - sp.log(f),
                        step=step, conditions=[Condition(sp.Gt(sp.Symbol("f_j"), 0), "log of each factor")])


@functools.cache
def derivative_of_product() -> Step:
    """``d/dt prod_{j=1}^n f_j(t) = prod_j f_j * sum_j f_j'/f_j`` where every ``f_j(t) != 0``."""
    t = sp.Symbol("t", real=True)
    f = sp.Function("f")(t)
    P_n = sp.Function("P_n")(t)
    S_n = sp.Function("S_n")(t)                               # S_n = sum_{j<=n} f_j'/f_j
    base = sp.diff(f, t) - f * (sp.diff(f, t) / f)
    # hypothesis P_n' = P_n S_n; P_{n+1} = P_n f, S_{n+1} = S_n + f'/f
    step = (sp.diff(P_n * f, t).subs(sp.Derivative(P_n, t), P_n * S_n)
            - P_n * f * (S_n + sp.diff(f, t) / f))
    return by_induction("derivative of a product", "d/dt prod_{j<=n} f_j = prod_{j<=n} f_j * sum_{j<=n} f_j'/f_j",
                        base=base, step=step, conditions=[Condition(sp.Ne(sp.Symbol("f_j"), 0), "log-derivative f_j'/f_j")])


@functools.cache
def product_of_quotients() -> Step:
    """``prod_j (a_j^2 / b_j) = (prod_j a_j)^2 / prod_j b_j`` where every ``b_j != 0``."""
    a, b, A_n, B_n = sp.symbols("a b A_n B_n", real=True)
    step = (A_n**2 / B_n) * (a**2 / b) - (A_n * a) ** 2 / (B_n * b)
    return by_induction("product of quotients", "prod_{j<=n} a_j^2/b_j = (prod a_j)^2 / prod b_j",
                        base=a**2 / b - a**2 / b, step=step, conditions=[Condition(sp.Ne(sp.Symbol("b_j"), 0), "divisor")])


@functools.cache
def nonnegative_sum() -> Step:
    """A sum of non-negative terms is >= 0, and is 0 only when every term is 0."""
    S_n, t_ = sp.symbols("S_n t", nonnegative=True)
    if (S_n + t_).is_nonnegative is not True:
        raise DerivationFailed("nonnegative sum: step S_n + t >= 0 not established")
    # equality: S_n + t = 0 with S_n, t >= 0 forces t = 0 (and then S_n = 0 by the hypothesis)
    x = sp.Symbol("x", real=True)
    forced = sp.reduce_inequalities([-x >= 0, x >= 0], x)
    if forced != sp.Eq(x, 0):
        raise DerivationFailed(f"nonnegative sum: equality case gives {forced}")
    return by_induction("sum of non-negative terms", "sum_{j<=n} t_j >= 0, with equality iff every t_j = 0",
                        base=0, step=0, conditions=[Condition(sp.Ge(sp.Symbol("t_j"), 0), "each term")])


@functools.cache
def sign_pattern_count() -> Step:
    """Of the ``2^n`` sign patterns in ``{+1, -1}^n``, exactly ``2^(n-1)`` have product ``+1`` and
    ``2^(n-1)`` product ``-1``. Step: a pattern of length ``n + 1`` with product ``s`` is a pattern of
    length ``n`` with product ``s`` followed by ``+1``, or one with product ``-s`` followed by ``-1``."""
    plus, minus = 2 ** (n - 1), 2 ** (n - 1)                 # closed form at n
    step = ((plus + minus) - 2**n, (minus + plus) - 2**n)     # N_{n+1}(+) = N_n(+) + N_n(-), likewise (-)
    return by_induction("count of sign patterns", "#{s in {+-1}^n : prod s = +1} = #{... = -1} = 2^(n-1)",
                        base=(sp.Integer(1) - 2**0, sp.Integer(1) - 2**0), step=step)


@functools.cache
def am_gm() -> Step:
    """AM-GM for every length: ``(1/n) sum a_j >= (prod a_j)^(1/n)`` for ``a_j > 0``, with equality
    iff all ``a_j`` are equal. Proof: ``phi(x) = x - 1 - log x >= 0`` with equality only at ``x = 1``;
    sum ``phi(a_j / A)`` with ``A`` the arithmetic mean: the linear terms cancel by the defining
    relation ``sum a_j = n A`` and the logarithms give ``n (log A - log G)``."""
    x = sp.Symbol("x", positive=True)
    phi = x - 1 - sp.log(x)
    crit = sp.solve(sp.diff(phi, x), x)
    if crit != [1] or phi.subs(x, 1) != 0 or sp.diff(phi, x, 2).is_positive is not True:
        raise DerivationFailed(f"AM-GM: phi has critical points {crit}, phi(1) = {phi.subs(x, 1)}")
    # the sum: sum_j phi(a_j/A) = (sum a_j)/A - n - (sum log a_j) + n log A, with sum a_j = n A and
    # sum log a_j = log prod a_j = n log G (log of a product)
    A, G = sp.symbols("A G", positive=True)
    SA, SL = sp.symbols("Sigma_a Sigma_log", real=True)
    total = SA / A - n - SL + n * sp.log(A)
    total = total.subs({SA: n * A, SL: n * sp.log(G)})
    if not is_zero(total - n * (sp.log(A) - sp.log(G))):
        raise DerivationFailed(f"AM-GM: sum of phi(a_j/A) is {total}")
    log_of_product(), nonnegative_sum()                       # the two rules used above (each raises if it fails)
    return Step("AM-GM", "(1/n) sum_{j<=n} a_j >= (prod a_j)^(1/n), equality iff all a_j equal (for every n >= 1)",
                "phi(x) = x - 1 - log x >= 0 (convex, unique zero at 1) summed at a_j/A; log of a product and "
                "sums of non-negative terms by induction",
                [Condition(sp.Gt(sp.Symbol("a_j"), 0), "AM-GM needs positive terms")])
