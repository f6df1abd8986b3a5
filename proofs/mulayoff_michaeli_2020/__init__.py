"""Mulayoff & Michaeli (ICML 2020), "Unique properties of flat minima in deep networks".

Claims are split by section: ``setting.py`` (Sec. 2, App. I-II), ``scalar.py`` (Sec. 3, App. III),
``hessian.py`` (Lemma 3, eqs. 18-21, App. IV), ``theorems.py`` (Theorems 1-4, Lemma 4, eqs. 22-29,
App. V-VIII) and ``conjecture.py`` (the non-white conjecture after eq. 29 and our repairs).
"""

from symflat.claims import Paper

paper = Paper(
    "mulayoff-michaeli-2020",
    title="Unique properties of flat minima in deep networks",
    source="mulayoff-michaeli-2020-flat-minima.txt",
    authors="Rotem Mulayoff, Tomer Michaeli",
    year=2020,
)
