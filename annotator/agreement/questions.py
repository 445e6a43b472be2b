"""Agreement on a document question (DESIGN §8): one item per document, nominal answers.

An answer table has one row per item and one column per annotator, holding answer codes
(-1: the annotator did not answer that item). A multi-answer question's answer is the
set of values chosen, compared as a whole.

- **percent agreement**: over all items, the share of pairs of answers that agree
  (pairs pooled over items, not averaged per item);
- **Cohen's κ**: per pair of annotators on the items both answered, then averaged over
  pairs; a pair with fewer than two shared items, or whose κ is undefined (chance
  agreement 1, e.g. both always gave the same answer), is left out;
- **Fleiss' κ** (Fleiss 1971): over the items every annotator answered;
- **Krippendorff's α** (nominal): every answer, missing ones allowed, with the
  ``krippendorff`` package.

Each is None when the data leave it undefined.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from itertools import combinations

import krippendorff
import numpy as np
from numpy.typing import NDArray

from annotator.agreement.alpha import value_counts
from annotator.agreement.data import IntArray

AnswerTable = NDArray[np.int64]


def answer_table(columns: Sequence[IntArray]) -> AnswerTable:
    """Items × annotators from one column of answer codes per annotator."""
    if not columns:
        return np.zeros((0, 0), dtype=np.int64)
    return np.stack(columns, axis=1).astype(np.int64)


def answered_items(table: AnswerTable) -> int:
    """Items answered by two or more annotators: the items agreement is about."""
    return int(((table >= 0).sum(axis=1) >= 2).sum()) if table.size else 0


def percent_agreement(table: AnswerTable, values: int) -> float | None:
    """Share of agreeing pairs among all pairs of answers given to the same item."""
    if not table.size:
        return None
    counts = value_counts(list(table.T), max(values, 1)).astype(np.int64)
    answered = counts.sum(axis=1)
    pairs = int((answered * (answered - 1) // 2).sum())
    agreeing = int((counts * (counts - 1) // 2).sum())
    return None if pairs == 0 else agreeing / pairs


def cohen_kappa(first: IntArray, second: IntArray) -> float | None:
    """Cohen's κ of two annotators on the items both answered (None if undefined)."""
    both = (first >= 0) & (second >= 0)
    if int(both.sum()) < 2:
        return None
    a, b = first[both], second[both]
    size = int(max(a.max(), b.max())) + 1
    observed = float(np.mean(a == b))
    chance = float(np.dot(np.bincount(a, minlength=size), np.bincount(b, minlength=size)))
    chance /= len(a) ** 2
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def mean_cohen_kappa(table: AnswerTable) -> float | None:
    """Cohen's κ averaged over the pairs of annotators for which it is defined."""
    kappas = [
        kappa
        for i, j in combinations(range(table.shape[1]), 2)
        if (kappa := cohen_kappa(table[:, i], table[:, j])) is not None
    ]
    return sum(kappas) / len(kappas) if kappas else None


def fleiss_kappa(table: AnswerTable, values: int) -> float | None:
    """Fleiss' κ over the items that every annotator (two or more) answered."""
    if table.ndim != 2 or table.shape[1] < 2:
        return None
    complete = table[(table >= 0).all(axis=1)]
    return fleiss_kappa_counts(value_counts(list(complete.T), max(values, 1)))


def fleiss_kappa_counts(counts: NDArray[np.integer]) -> float | None:
    """Fleiss' κ from an items × categories table of how many raters chose each category
    (every item rated by the same number of raters, two or more)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or len(counts) == 0:
        return None
    raters = counts.sum(axis=1)
    if raters[0] < 2 or not np.all(raters == raters[0]):
        return None
    n = raters[0]
    shares = counts.sum(axis=0) / counts.sum()
    per_item = ((counts * counts).sum(axis=1) - n) / (n * (n - 1))
    observed, chance = float(per_item.mean()), float((shares * shares).sum())
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def krippendorff_alpha(table: AnswerTable) -> float | None:
    """Nominal α over all answers, with the ``krippendorff`` package (None if undefined)."""
    if table.ndim != 2 or table.shape[1] < 2 or answered_items(table) == 0:
        return None
    data = np.where(table >= 0, table, np.nan).astype(np.float64).T
    try:
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            alpha = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:  # one value only, or nothing pairable: α is undefined
        return None
    return alpha if math.isfinite(alpha) else None
