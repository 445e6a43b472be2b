"""Corpus statistics (``annotator stats``), counted by the database."""

from __future__ import annotations

from pathlib import Path

from annotator.services.importing import import_paths
from annotator.services.stats import format_statistics, statistics
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import RAW_TEXT, TEXT, sample_records, write_jsonl


def test_an_empty_corpus(corpus: Corpus) -> None:
    stats = statistics(corpus)

    assert stats["documents"] == 0 and stats["characters"] == 0
    assert stats["annotators"] == {}
    assert stats["layers"] == {layer.name: {} for layer in corpus.scheme.span_layers}
    assert stats["guidelines_version"] == 1  # the default scheme's guidelines
    assert stats["language"] == "fr"


def test_counts_documents_progress_and_accepted_spans_by_label(
    tmp_path: Path, corpus: Corpus
) -> None:
    import_paths(corpus, [write_jsonl(tmp_path / "s.jsonl", sample_records())])
    corpus.add_guidelines("# v2", "lead")

    stats = statistics(corpus)

    gold_text = sample_records()[2]["text"]
    assert stats["documents"] == 3
    assert stats["characters"] == len(TEXT) + len(RAW_TEXT) + len(gold_text)  # code points
    assert stats["unannotated"] == 1
    assert stats["guidelines_version"] == 2
    assert stats["annotators"]["alice"] == {
        "documents": 1,
        "status": {"todo": 0, "in_progress": 0, "done": 1, "skipped": 0},
        "spans": 9,
        "suggested": 1,
        "relations": 4,
        "answered": 1,
        "suggestions": {"pending": 1, "accepted": 0, "changed": 0, "rejected": 0},
    }
    assert stats["annotators"]["bob"]["status"]["in_progress"] == 1
    assert stats["annotators"]["carol"]["spans"] == 0
    assert stats["annotators"]["carol"]["answered"] == 1
    assert stats["annotators"]["gold"]["status"]["skipped"] == 1
    assert list(stats["annotators"]) == ["alice", "bob", "carol", "gold"]
    assert stats["layers"] == {
        **{layer.name: {} for layer in corpus.scheme.span_layers},
        "entity": {"LOC": 1, "MISC": 3, "ORG": 3, "PER": 2},
        "claim": {"CLAIM": 2},
        "cue": {"CUE": 1},
    }


def test_the_text_report_shows_progress_and_pending_suggestions(
    tmp_path: Path, corpus: Corpus
) -> None:
    import_paths(corpus, [write_jsonl(tmp_path / "s.jsonl", sample_records())])

    report = format_statistics(statistics(corpus))

    assert "documents   3 (" in report
    assert "1 not annotated by anyone" in report
    assert "alice" in report and "1 suggestions pending" in report
    assert "layer entity     LOC 1, MISC 3, ORG 3, PER 2" in report
