"""Marion & Chizat 2024, "Deep linear networks for regression are implicitly regularized towards
flat minima": claims, lemma graph and checks (issue 7)."""

from symflat.claims import Paper

paper = Paper(
    "marion-chizat-2024",
    title="Deep linear networks for regression are implicitly regularized towards flat minima",
    source="marion-chizat-2024-flat-minima-regression.txt",
    authors="Pierre Marion, Lenaic Chizat",
    year=2024,
)
