"""Sections 2-4.1 of Elkabetz & Cohen 2021: initial value problems, Euler's method, gradient flow
and gradient descent (eq. 1-6), the network (8), its training loss (9), the end-to-end matrix
(10) and phi (11). Theorems 1-2 are cited results from numerical analysis."""

from . import paper

ivp = paper.definition(
    "eq-1",
    r"\theta(0) = \theta_s,\ \tfrac{d}{dt}\theta(t) = g(t, \theta(t))\ (t \ge 0),\ g: [0,\infty)\times\mathbb{R}^d\to\mathbb{R}^d",
    where="Sec. 2", eq="1",
)

existence = paper.theorem(
    "theorem-1",
    r"g \text{ locally Lipschitz} \Rightarrow \exists!\ \text{maximal solution } \theta:[0,t_e)\to\mathbb{R}^d \text{ of (1), with "
    r"either } t_e = \infty \text{ or } t_e<\infty,\ \lim_{t\nearrow t_e}\|\theta(t)\|_2 = \infty",
    where="Sec. 2, Theorem 1", uses=["eq-1"], cite="Grant (2014), Sec. 1.5 (Picard-Lindeloef, extended)",
)

euler = paper.definition(
    "eq-2",
    r"\theta_{k+1} = \theta_k + \eta\, g(t_k, \theta_k),\ t_k = k\eta,\ \eta > 0",
    where="Sec. 2", eq="2", uses=["eq-1"],
)

polygon = paper.definition(
    "eq-3",
    r"\bar\theta(0)=\theta_0,\ \tfrac{d}{dt}\bar\theta(t) = g(t_k,\theta_k)\ \text{on } (t_k, t_{k+1}) \text{ (Euler's polygon)}",
    where="Sec. 2", eq="3", uses=["eq-2"],
)

fundamental = paper.theorem(
    "theorem-2",
    r"g \in C^1,\ \lambda_{\max}(\tfrac12(J+J^\top))(t,q) \le m(t)\ \forall q\in[\theta(t),\bar\theta(t)],\ "
    r"\|\bar\theta'(t^+) - g(t,\bar\theta(t))\|_2 \le \delta(t) \Rightarrow "
    r"\|\theta(t)-\bar\theta(t)\|_2 \le e^{\mu(t)}\big(\|\theta(0)-\bar\theta(0)\|_2 + \int_0^t e^{-\mu(t')}\delta(t')dt'\big),\ "
    r"\mu(t) = \int_0^t m",
    where="Sec. 2, Theorem 2", eq="4", uses=["eq-1", "eq-3", "theorem-1"],
    cite="Hairer, Norsett & Wanner (1993), Theorem I.10.6 (the 'Fundamental Theorem')",
)

gradient_flow = paper.definition(
    "eq-5",
    r"\theta(0) = \theta_s,\ \tfrac{d}{dt}\theta(t) = -\nabla f(\theta(t)),\ f\in C^2(\mathbb{R}^d);\ "
    r"\text{unique maximal solution } \theta:[0,t_e)\to\mathbb{R}^d",
    where="Sec. 3", eq="5", uses=["eq-1", "theorem-1"],
)

gradient_descent = paper.definition(
    "eq-6",
    r"\theta_{k+1} = \theta_k - \eta\nabla f(\theta_k)\ \text{(Euler's method (2) applied to (5))}",
    where="Sec. 3", eq="6", uses=["eq-2", "eq-5"],
)

network = paper.definition(
    "eq-8",
    r"h_\theta(x) = W_n\sigma(W_{n-1}\sigma(\cdots\sigma(W_1x))),\ W_j\in\mathbb{R}^{d_j\times d_{j-1}},\ n\ge2,\ "
    r"\theta\in\mathbb{R}^d,\ d = \sum_j d_jd_{j-1}",
    where="Sec. 4.1", eq="8",
    note="symflat.models.DeepNetwork; the vec layout stacks W_1..W_n column-major (any fixed order is allowed, footnote 9).",
)

homogeneous = paper.assumption(
    "assumption-homogeneous",
    r"\sigma(cz) = c\,\sigma(z)\ \forall c\ge0, z\in\mathbb{R};\ \text{i.e. } \sigma(z) = \alpha\max\{z,0\} - \bar\alpha\max\{-z,0\} "
    r"\text{ (linear, ReLU, leaky ReLU)}",
    where="Sec. 4.1", uses=["eq-8"],
)

loss = paper.definition(
    "eq-9",
    r"f(\theta) = \tfrac1{|S|}\sum_{i=1}^{|S|}\ell(h_\theta(x_i), y_i),\ \ell(\cdot, y) \text{ convex and } C^2",
    where="Sec. 4.1", eq="9", uses=["eq-8"],
)

end_to_end = paper.definition(
    "eq-10",
    r"\sigma(z) = z:\ W_{n:1} := W_nW_{n-1}\cdots W_1\in\mathbb{R}^{d_n\times d_0},\ h_\theta(x) = W_{n:1}x",
    where="Sec. 4.1.1", eq="10", uses=["eq-8"],
)

phi = paper.definition(
    "eq-11",
    r"\phi(W) = \tfrac1{|S|}\sum_i\ell(Wx_i, y_i)\ \text{(convex, } C^2),\ f(\theta) = \phi(W_{n:1})",
    where="Sec. 4.1.1", eq="11", uses=["eq-9", "eq-10"],
)
