"""``services.agreement``: agreement of a real corpus file, progress, the text summary."""

from __future__ import annotations

import pytest

from annotator.core.model import GOLD
from annotator.services.agreement import (
    compute_agreement,
    document_differences,
    format_summary,
    report_title,
)
from annotator.store.corpus import Corpus
from tests.unit.agreement.samples import aset, document, span


def test_agreement_of_a_corpus_reports_progress_and_reads_every_document(
    corpus: Corpus,
) -> None:
    corpus.add_documents(
        [
            document("d1", aset("alice", span("Paris", "LOC")), aset("bob", span("Paris", "LOC"))),
            document("d2", aset("alice", span("Lyon", "LOC")), aset(GOLD, span("Lyon", "LOC"))),
            document("d3"),
        ]
    )
    seen: list[tuple[int, int, str]] = []

    report = compute_agreement(corpus, progress=lambda *step: seen.append(step))

    assert seen[-1] == (3, 3, "documents")
    assert report.figures["documents"] == 1
    assert report.figures["layers"]["entity"]["f1_exact"] == 1.0
    assert report.figures["gold"]["alice"]["documents"] == 1


def test_the_summary_names_layers_questions_and_the_worst_documents(corpus: Corpus) -> None:
    corpus.add_documents(
        [
            document(
                "d1",
                aset("alice", span("Paris", "LOC"), answers={"stance": "FAVOR"}),
                aset("bob", span("Paris", "ORG"), answers={"stance": "NONE"}),
            ),
            document("d2", aset("alice", span("Lyon", "LOC")), aset("bob", span("Lyon", "LOC"))),
        ]
    )

    text = format_summary(compute_agreement(corpus))

    assert "documents   2 annotated by two or more annotators (alice, bob" in text
    assert "layer entity     F1 exact 0.500, overlap 0.500, α tokens" in text
    assert "layer cue        F1 exact n/a" in text
    assert "question stance  1 items: agreement 0.000" in text
    assert text.rstrip().endswith("1.000  d1")


def test_an_empty_corpus_has_nothing_to_compare(corpus: Corpus) -> None:
    text = format_summary(compute_agreement(corpus))

    assert "nothing to compare yet" in text


def test_document_differences_read_the_document_from_the_corpus(corpus: Corpus) -> None:
    corpus.add_documents(
        [document("d1", aset("alice", span("Paris", "LOC")), aset("bob", span("Paris", "ORG")))]
    )

    found = document_differences(corpus, "d1")

    assert [(f.annotator, f.span.label, f.missing) for f in found] == [
        ("alice", "LOC", ("bob",)),
        ("bob", "ORG", ("alice",)),
    ]


def test_the_report_names_a_file_corpus_by_its_file_name(corpus: Corpus) -> None:
    assert report_title(corpus) == "corpus.annotator"


# -- an empty answer to a multi-valued question is an answer ----------------------------------

TOPICS_SCHEME = {
    "language": "fr",
    "span_layers": [{"name": "entity", "labels": ["LOC"]}],
    "questions": [{"name": "topics", "values": ["economy", "privacy"], "multi": True}],
}


def topics_corpus(tmp_path, answers: dict[str, dict[str, list[str]]]) -> Corpus:
    import json

    from annotator.services.corpora import init_corpus

    scheme = tmp_path / "scheme.json"
    scheme.write_text(json.dumps(TOPICS_SCHEME), encoding="utf-8")
    corpus = init_corpus(tmp_path / "topics.annotator", scheme)
    corpus.add_documents(
        [
            document(doc_id, *(aset(name, answers=given) for name, given in sets.items()))
            for doc_id, sets in answers.items()
        ]
    )
    return corpus


def test_an_empty_multi_answer_is_stored_and_counted_in_agreement(tmp_path) -> None:
    from sklearn.metrics import cohen_kappa_score

    corpus = topics_corpus(
        tmp_path,
        {
            "d1": {"alice": {"topics": []}, "bob": {"topics": []}},
            "d2": {"alice": {"topics": []}, "bob": {"topics": ["privacy"]}},
            "d3": {"alice": {"topics": ["economy"]}, "bob": {"topics": ["economy"]}},
        },
    )
    with corpus:
        assert corpus.annotation_set("d1", "alice").doc_labels == {"topics": []}
        figures = compute_agreement(corpus).figures["questions"]["topics"]

    assert figures["items"] == 3
    assert figures["percent_agreement"] == 2 / 3
    alice, bob = ["[]", "[]", "economy"], ["[]", "privacy", "economy"]
    assert figures["cohen_kappa"] == pytest.approx(cohen_kappa_score(alice, bob), abs=1e-12)
