"""Mulayoff, Michaeli & Soudry (NeurIPS 2021), "The Implicit Bias of Minima Stability: A View from
Function Space".

Claims are split by section: ``setting.py`` (Sec. 3 and supp. V, VII: network (18), loss, gradient
(S32), Hessian (26)-(27), thresholds, f'', the weight function g (22)-(23), rescalings (S81),
Definitions 1-4 and the switching system), ``stability.py`` (Lemmas 1-3, the once-differentiability
of global minima (S57) and the per-mode Hessian (S59)), ``function_space.py`` (Lemma 4 with its proof
steps (S33)-(S42), Theorem 1, the extension (S78)-(S79)), ``theorem2.py`` (Lemma 5, Theorem 2 in its
two forms, (S71)-(S75), Corollary 1) and ``flattest.py`` (supp. XI, (S81)-(S90)).
"""

from symflat.claims import Paper

paper = Paper(
    "mulayoff-michaeli-soudry-2021",
    title="The Implicit Bias of Minima Stability: A View from Function Space",
    source="mulayoff-michaeli-soudry-2021-minima-stability-supplement.txt",
    authors="Rotem Mulayoff, Tomer Michaeli, Daniel Soudry",
    year=2021,
)
