"""Elkabetz & Cohen 2021, "Continuous vs. Discrete Optimization of Deep Neural Networks":
claims, lemma graph and checks (main text, Appendix A, and the appendix lemmas behind
Theorem 3, Proposition 8 and Proposition 14)."""

from symflat.claims import Paper

paper = Paper(
    "elkabetz-cohen-2021",
    title="Continuous vs. Discrete Optimization of Deep Neural Networks",
    source="elkabetz-cohen-2021-continuous-vs-discrete.txt",
    authors="Omer Elkabetz, Nadav Cohen",
    year=2021,
)
