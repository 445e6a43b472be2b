"""Agreement shows near-copies as one cluster (issue 24): in documents_by_disagreement
each entry says its cluster, a cluster's copies follow its most disagreed member, and
the text summary and the HTML report mark them."""

from __future__ import annotations

from pathlib import Path

from annotator.agreement.html import render
from annotator.core.model import AnnotationSet, Document, Span
from annotator.services import near_copies
from annotator.services.agreement import compute_agreement, format_summary
from annotator.services.corpora import default_scheme
from annotator.store.corpus import Corpus
from tests.unit.services.near_copy_samples import article, cut_paragraph, text_of, with_byline


def two_annotators(doc_id: str, text: str, agree: bool) -> Document:
    words = text.split(" ")
    first = len(words[0])
    second = first + 1 + len(words[1])
    alice = [Span("a1", "entity", 0, first, "ORG")]
    bob = [Span("b1", "entity", 0, first, "ORG" if agree else "PER")]
    if not agree:
        bob.append(Span("b2", "entity", first + 1, second, "LOC"))
    return Document(
        doc_id,
        text,
        {},
        [AnnotationSet("alice", "done", alice), AnnotationSet("bob", "done", bob)],
    )


def test_copies_are_reported_as_one_cluster(tmp_path: Path) -> None:
    corpus = Corpus.create(tmp_path / "agree.annotator", default_scheme())
    s2 = article(2)
    corpus.add_documents(
        [
            two_annotators("s1", text_of(article(1)), agree=False),
            two_annotators("s2", text_of(s2), agree=True),
            two_annotators("s3", text_of(article(3)), agree=True),
            two_annotators("s2-byline", with_byline(s2), agree=False),
            two_annotators("s2-cut", cut_paragraph(s2), agree=True),
        ]
    )
    near_copies.update(corpus)
    report = compute_agreement(corpus)
    ranked = report.figures["documents_by_disagreement"]

    # s2-byline is as disagreed as s1 (ties by id: s1 first); its copies follow it
    assert [(d["id"], d["cluster"]) for d in ranked] == [
        ("s1", None),
        ("s2-byline", "s2"),
        ("s2", "s2"),
        ("s2-cut", "s2"),
        ("s3", None),
    ]
    assert ranked[0]["disagreement"] > 0 and ranked[2]["disagreement"] == 0
    assert report.figures["near_copies"] == {"clusters": 1, "documents": 3}
    assert "s2-byline  (near-copy: cluster s2)" in format_summary(report)
    assert "s2-byline (near-copy: cluster s2)" in render(report, "agree")
