"""The train/dev split: by a stable hash of the document id, seedable, never empty sides."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotator.core.errors import AnnotatorError
from annotator.nlp.split import check_fraction, goes_to_dev, rebalance, score

IDS = [f"doc-{n}" for n in range(2000)]


def test_the_score_is_stable_across_processes() -> None:
    # Python's hash() is salted per process; the split must not be.
    code = "from annotator.nlp.split import score; print(repr(score('tiktok-oracle', 3)))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert float(other) == score("tiktok-oracle", 3)


def test_about_the_fraction_of_documents_go_to_dev() -> None:
    dev = [doc_id for doc_id in IDS if goes_to_dev(doc_id, 0.2, seed=0)]
    assert 0.17 < len(dev) / len(IDS) < 0.23


def test_the_seed_changes_the_split() -> None:
    first = {doc_id for doc_id in IDS if goes_to_dev(doc_id, 0.2, seed=0)}
    second = {doc_id for doc_id in IDS if goes_to_dev(doc_id, 0.2, seed=1)}
    assert first != second
    assert 0.1 < len(first & second) / len(first) < 0.35  # independent draws overlap ~20%


def test_a_larger_fraction_only_adds_documents_to_dev() -> None:
    small = {doc_id for doc_id in IDS if goes_to_dev(doc_id, 0.1, seed=5)}
    large = {doc_id for doc_id in IDS if goes_to_dev(doc_id, 0.3, seed=5)}
    assert small < large


def test_a_tiny_corpus_gets_its_lowest_scored_document_in_dev() -> None:
    ids = ["a", "b"]
    train = [i for i in ids if not goes_to_dev(i, 0.01, seed=0)]
    assert train == ids  # the hash alone put nothing in dev
    assert rebalance(train, [], 0.01, seed=0) == [min(ids, key=lambda i: score(i, 0))]


def test_a_corpus_all_in_dev_gives_one_document_back_to_train() -> None:
    assert rebalance([], ["a", "b", "c"], 0.99, seed=0) == [max("abc", key=lambda i: score(i, 0))]


def test_nothing_moves_with_one_document_or_a_zero_fraction_or_both_sides_filled() -> None:
    assert rebalance(["a"], [], 0.5, seed=0) == []
    assert rebalance(["a", "b"], [], 0.0, seed=0) == []
    assert rebalance(["a"], ["b"], 0.5, seed=0) == []


def test_a_single_document_drawn_into_dev_goes_back_to_train() -> None:
    assert rebalance([], ["only"], 0.99, seed=0) == ["only"]


def test_a_zero_fraction_still_never_leaves_train_empty() -> None:
    assert rebalance([], ["a", "b"], 0.0, seed=0) == [max("ab", key=lambda i: score(i, 0))]


def test_a_cluster_moves_whole_and_never_takes_the_last_of_train() -> None:
    clusters = {"a": "k", "b": "k", "c": "k"}
    assert rebalance([], ["a", "b"], 0.5, seed=0, clusters=clusters) == ["a", "b"]
    # one cluster is all of train: nothing moves, dev stays empty
    assert rebalance(["a", "b", "c"], [], 0.5, seed=0, clusters=clusters) == []
    # with another document, the lowest scored group that leaves train something moves
    moved = rebalance(["a", "b", "c", "z"], [], 0.5, seed=0, clusters=clusters)
    assert moved in (["a", "b", "c"], ["z"])
    expected = ["a", "b", "c"] if score("k", 0) < score("z", 0) else ["z"]
    assert moved == expected


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_a_fraction_outside_zero_to_one_is_refused(fraction: float) -> None:
    with pytest.raises(AnnotatorError, match="--dev-fraction"):
        check_fraction(fraction)
