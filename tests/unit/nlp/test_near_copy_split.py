"""Wire copies never split across train and dev (issue 24): every document of a cluster
of near-copies lands on the side of its cluster, other documents keep the side of their
own id, report.json counts the clusters, and --one-per-cluster exports one copy each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from annotator.core.model import AnnotationSet, Document, Span
from annotator.nlp import split
from annotator.services import near_copies
from annotator.services.corpora import default_scheme
from annotator.services.training import export_training_data, summary
from annotator.store.corpus import Corpus
from tests.unit.services.near_copy_samples import (
    article,
    cut_paragraph,
    edited_headline,
    text_of,
    with_byline,
)

CLUSTERS = {
    "s01": ("s01", "s01-headline", "s01-byline"),
    "s04": ("s04", "s04-cut"),
    "s08": ("s08", "s08-byline", "s08-cut"),
    "s13": ("s13", "s13-headline"),
}


def annotated(doc_id: str, text: str) -> Document:
    first = text.split(" ", 1)[0]
    span = Span("e1", "entity", 0, len(first), "ORG")
    return Document(doc_id, text, {}, [AnnotationSet("alice", "done", [span])])


@pytest.fixture
def wire(tmp_path: Path) -> Corpus:
    corpus = Corpus.create(tmp_path / "wire.annotator", default_scheme())
    docs = [annotated(f"s{i:02d}", text_of(article(i))) for i in range(30)]
    for cluster, members in CLUSTERS.items():
        source = article(int(cluster[1:]))
        for member in members[1:]:
            kind = member.rsplit("-", 1)[1]
            text = {
                "headline": edited_headline(source),
                "byline": with_byline(source),
                "cut": cut_paragraph(source),
            }[kind]
            docs.append(annotated(member, text))
    corpus.add_documents(docs)
    near_copies.update(corpus)
    assert {c.id: c.documents for c in near_copies.clusters(corpus)} == CLUSTERS
    return corpus


def sides(out: Path) -> dict[str, str]:
    found = {}
    for side in ("train", "dev"):
        for doc in DocBin().from_disk(out / f"{side}.spacy").get_docs(Vocab()):
            found[doc.user_data["annotator"]["document"]["id"]] = side
    return found


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_each_cluster_lands_on_one_side_and_the_others_keep_theirs(
    wire: Corpus, tmp_path: Path, seed: int
) -> None:
    out = tmp_path / f"out-{seed}"
    report = export_training_data(wire, out, dev_fraction=0.4, seed=seed)
    placed = sides(out)
    assert len(placed) == 30 + 6
    for cluster, members in CLUSTERS.items():
        expected = "dev" if split.goes_to_dev(cluster, 0.4, seed) else "train"
        assert {placed[m] for m in members} == {expected}, (seed, cluster)
    for doc_id, side in placed.items():
        if not any(doc_id in m for m in CLUSTERS.values()):
            assert side == ("dev" if split.goes_to_dev(doc_id, 0.4, seed) else "train")
    written = json.loads((out / "report.json").read_text("utf-8"))
    assert written["near_copies"] == {
        "threshold": 0.8, "clusters": 4, "clustered": 10, "copies": 6, "exported": 10,
        "left_out": [],
    }  # fmt: skip
    assert "near-copies: 4 clusters of 10 documents, each on one side" in summary(report, out)


def test_one_per_cluster_exports_the_first_copy_of_each(wire: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "one"
    report = export_training_data(wire, out, dev_fraction=0.3, one_per_cluster=True)
    placed = sides(out)
    assert len(placed) == 30
    assert set(CLUSTERS) <= set(placed)
    copies = {m for members in CLUSTERS.values() for m in members[1:]}
    assert not copies & set(placed)
    assert sorted(report.near_copies["left_out"]) == sorted(copies)
    assert report.near_copies["exported"] == 4
    assert "6 copies left out (--one-per-cluster)" in summary(report, out)


def test_a_cluster_moved_to_fill_an_empty_side_moves_whole(tmp_path: Path) -> None:
    corpus = Corpus.create(tmp_path / "tiny.annotator", default_scheme())
    source = article(2)
    corpus.add_documents(
        [annotated("a", text_of(source)), annotated("a-cut", cut_paragraph(source))]
    )
    near_copies.update(corpus)
    out = tmp_path / "out"
    export_training_data(corpus, out, dev_fraction=0.0)
    assert sides(out) == {"a": "train", "a-cut": "train"}  # dev 0: everything trains
