"""Agreement on document questions, checked against scikit-learn, statsmodels, the
``krippendorff`` package and Fleiss' (1971) worked example."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]
from statsmodels.stats.inter_rater import (  # type: ignore[import-untyped]
    aggregate_raters,
)
from statsmodels.stats.inter_rater import (
    fleiss_kappa as statsmodels_fleiss,
)

from annotator.agreement.questions import (
    answer_table,
    answered_items,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_counts,
    krippendorff_alpha,
    mean_cohen_kappa,
    percent_agreement,
)
from annotator.core.model import Document
from tests.unit.agreement.samples import FLEISS_1971, aset, document, figures_of


@pytest.mark.parametrize("seed", range(10))
def test_cohen_kappa_equals_scikit_learn_on_the_items_both_answered(seed: int) -> None:
    rng = np.random.default_rng(seed)
    first, second = rng.integers(-1, 4, size=(2, int(rng.integers(10, 80))))
    both = (first >= 0) & (second >= 0)

    expected = cohen_kappa_score(first[both], second[both])

    assert cohen_kappa(first, second) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_fleiss_kappa_equals_statsmodels_on_items_everyone_answered(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    table = rng.integers(0, 4, size=(int(rng.integers(5, 60)), int(rng.integers(2, 8))))
    with_gaps = table.copy()
    with_gaps[0, 0] = -1  # an item someone did not answer is left out

    expected = statsmodels_fleiss(aggregate_raters(table[1:], n_cat=4)[0])

    assert fleiss_kappa(with_gaps, 4) == pytest.approx(expected, abs=1e-12)


def test_fleiss_kappa_reproduces_the_worked_example_of_fleiss_1971() -> None:
    kappa = fleiss_kappa_counts(FLEISS_1971)

    assert kappa is not None and round(kappa, 3) == 0.210
    assert kappa == pytest.approx(statsmodels_fleiss(FLEISS_1971), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_krippendorff_alpha_equals_the_package_with_missing_answers(seed: int) -> None:
    import krippendorff

    rng = np.random.default_rng(200 + seed)
    table = rng.integers(-1, 3, size=(40, 4))
    table[0] = [0, 0, 1, 2]

    expected = krippendorff.alpha(
        reliability_data=np.where(table >= 0, table, np.nan).T, level_of_measurement="nominal"
    )

    assert krippendorff_alpha(table) == pytest.approx(expected, abs=1e-12)


def test_percent_agreement_is_the_share_of_agreeing_pairs_of_answers() -> None:
    # Item 1: A, A, B gives 3 pairs, 1 agreeing; item 2: A, A (third missing) gives 1 of 1;
    # item 3 has a single answer, so no pair.
    table = answer_table([np.array([0, 0, 1]), np.array([0, 0, -1]), np.array([1, -1, -1])])

    assert percent_agreement(table, 2) == pytest.approx(2 / 4)
    assert answered_items(table) == 2


def test_mean_cohen_kappa_leaves_out_pairs_with_too_few_shared_items_or_undefined_kappa() -> None:
    alice = np.array([0, 1, 0, 1, -1, -1])
    bob = np.array([0, 1, 1, 1, -1, 0])  # with alice: κ defined on 4 items
    carol = np.array([-1, -1, -1, 0, 0, -1])  # one item shared with each: left out
    dave = np.array([0, 0, 0, 0, -1, -1])  # always the same answer: κ with him is still defined
    kappa_ab = cohen_kappa_score(alice[:4], bob[:4])
    kappa_bd = cohen_kappa_score(bob[:4], dave[:4])
    kappa_ad = cohen_kappa_score(alice[:4], dave[:4])

    table = answer_table([alice, bob, carol, dave])

    assert cohen_kappa(carol, alice) is None
    assert mean_cohen_kappa(table) == pytest.approx((kappa_ab + kappa_bd + kappa_ad) / 3)
    # Both always giving the same single answer: chance agreement is 1, κ undefined.
    assert cohen_kappa(np.array([2, 2, 2]), np.array([2, 2, 2])) is None
    assert mean_cohen_kappa(answer_table([carol, np.array([0, 0, 0, -1, 1, 1])])) is None


def test_every_question_metric_is_null_with_a_single_annotator_or_no_shared_item() -> None:
    alone = answer_table([np.array([0, 1, 2])])
    apart = answer_table([np.array([0, -1]), np.array([-1, 1])])

    for table in (alone, apart):
        assert percent_agreement(table, 3) is None
        assert mean_cohen_kappa(table) is None
        assert fleiss_kappa(table, 3) is None
        assert krippendorff_alpha(table) is None


def test_fleiss_kappa_is_null_when_everyone_always_gives_the_same_answer() -> None:
    assert fleiss_kappa(answer_table([np.array([1, 1]), np.array([1, 1])]), 3) is None


def answered(
    doc_id: str, question: str, alice: str | list[str], bob: str | list[str] | None
) -> Document:
    """A document alice and bob annotated, answering ``question`` (bob: None, not at all)."""
    return document(
        doc_id,
        aset("alice", answers={question: alice}),
        aset("bob", answers={question: bob} if bob is not None else {}),
    )


def test_question_figures_in_the_report() -> None:
    documents = [
        answered("d1", "stance", "FAVOR", "FAVOR"),
        answered("d2", "stance", "AGAINST", "NONE"),
        answered("d3", "stance", "NONE", "NONE"),
        answered("d4", "stance", "FAVOR", None),
    ]
    alice = np.array([0, 1, 2])
    bob = np.array([0, 2, 2])

    stance = figures_of(*documents)["questions"]["stance"]

    assert stance["items"] == 3
    assert stance["percent_agreement"] == pytest.approx(2 / 3)
    assert stance["cohen_kappa"] == pytest.approx(cohen_kappa_score(alice, bob))
    assert stance["fleiss_kappa"] == pytest.approx(
        statsmodels_fleiss(aggregate_raters(np.stack([alice, bob], axis=1), n_cat=3)[0])
    )
    assert set(stance) == {
        "items",
        "percent_agreement",
        "cohen_kappa",
        "fleiss_kappa",
        "krippendorff_alpha",
    }


def test_a_multi_answer_question_compares_the_sets_of_answers() -> None:
    from annotator.core.scheme import Scheme

    scheme = Scheme.from_dict(
        {"questions": [{"name": "topics", "values": ["eco", "tech", "law"], "multi": True}]}
    )
    documents = [
        answered("d1", "topics", ["eco", "tech"], ["tech", "eco"]),
        answered("d2", "topics", ["eco"], ["eco", "law"]),
    ]

    topics = figures_of(*documents, scheme=scheme)["questions"]["topics"]

    assert topics["percent_agreement"] == pytest.approx(0.5)
