"""``annotator agreement CORPUS [--json] [--html FILE]`` (DESIGN §7, §8), run as a real
process on a corpus imported from native JSONL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from tests.e2e.cli import annotator
from tests.unit.corpus_samples import write_jsonl

TEXT = "Selon Marie Curie, la science avance à Paris. Oracle répond que Lyon attendra."

TOP_KEYS = {
    "annotators",
    "documents",
    "layers",
    "questions",
    "claims",
    "documents_by_disagreement",
    "gold",
    "near_copies",  # issue 24: clusters of near-copies among the ranked documents
}
LAYER_KEYS = {"f1_exact", "f1_overlap", "alpha_tokens", "labels", "pairs"}
QUESTION_KEYS = {"items", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"}


def entity(substring: str, label: str, span_id: str) -> dict[str, Any]:
    start = TEXT.index(substring)
    return {"id": span_id, "layer": "entity", "start": start, "end": start + len(substring),
            "label": label}  # fmt: skip


def annotation(name: str, spans: list[dict[str, Any]], stance: str) -> dict[str, Any]:
    return {"annotator": name, "status": "done", "spans": spans, "doc_labels": {"stance": stance}}


@pytest.fixture
def team_corpus(tmp_path: Path, corpus_path: Path) -> Path:
    """Three documents annotated by alice and bob (and gold on the first), one by alice."""
    marie, paris = entity("Marie Curie", "PER", "e1"), entity("Paris", "LOC", "e2")
    records = [
        {"id": "d1", "text": TEXT, "annotations": [
            annotation("alice", [marie, paris], "FAVOR"),
            annotation("bob", [marie, entity("Paris", "ORG", "e2")], "AGAINST"),
            annotation("gold", [marie, paris], "FAVOR")]},
        {"id": "d2", "text": TEXT, "annotations": [
            annotation("alice", [entity("Oracle", "ORG", "o")], "NONE"),
            annotation("bob", [entity("Oracle", "ORG", "o")], "NONE")]},
        {"id": "d3", "text": TEXT, "annotations": [
            annotation("alice", [entity("Lyon", "LOC", "l")], "NONE"),
            annotation("bob", [entity("Lyon", "LOC", "l"), marie], "NONE")]},
        {"id": "d4", "text": TEXT, "annotations": [annotation("alice", [paris], "NONE")]},
    ]  # fmt: skip
    with init_corpus(corpus_path) as corpus:
        import_paths(corpus, [write_jsonl(tmp_path / "team.jsonl", records)])
    return corpus_path


def test_json_has_exactly_the_structure_of_the_contract(team_corpus: Path) -> None:
    done = annotator("agreement", team_corpus, "--json")

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    figures = json.loads(done.stdout)
    assert set(figures) == TOP_KEYS
    assert figures["annotators"] == ["alice", "bob"] and figures["documents"] == 3
    assert list(figures["layers"]) == ["entity", "claim", "cue", "source"]
    for layer in figures["layers"].values():
        assert set(layer) == LAYER_KEYS
        assert all(set(item) == {"f1_exact", "support"} for item in layer["labels"].values())
        assert {k: set(v) for k, v in layer["pairs"].items()} == {
            "alice|bob": {"f1_exact", "f1_overlap"}
        }
    assert set(figures["questions"]) == {"stance"}
    assert set(figures["questions"]["stance"]) == QUESTION_KEYS
    entity_layer = figures["layers"]["entity"]
    # alice 4 spans, bob 5; exact matches: Marie (d1), Oracle (d2), Lyon (d3).
    assert entity_layer["f1_exact"] == pytest.approx(2 * 3 / (4 + 5))
    assert entity_layer["labels"]["PER"]["support"] == 3
    assert figures["questions"]["stance"]["items"] == 3
    assert figures["documents_by_disagreement"][0]["id"] == "d1"
    assert set(figures["gold"]) == {"alice", "bob"}
    assert figures["gold"]["alice"]["layers"]["entity"]["f1_exact"] == 1.0


def test_html_report_is_written_with_its_tables(team_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "agreement.html"

    done = annotator("agreement", team_corpus, "--html", out)

    assert done.returncode == 0, done.stderr
    assert "layer entity" in done.stdout and f"wrote {out}" in done.stdout
    assert "most disagreement" in done.stdout and "d1" in done.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<table>") >= 10
    for heading in ("Span layers", "F1 exact per pair", "Label confusion", "Document questions",
                    "Agreement with gold", "Documents with most disagreement"):  # fmt: skip
        assert heading in page


def test_json_and_html_together_keep_stdout_pure_json(team_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    done = annotator("agreement", team_corpus, "--json", "--html", out)

    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == TOP_KEYS
    assert f"wrote {out}" in done.stderr and out.is_file()


def test_a_corpus_without_shared_documents_reports_nulls(corpus_path: Path) -> None:
    init_corpus(corpus_path).close()

    done = annotator("agreement", corpus_path, "--json")
    text = annotator("agreement", corpus_path)

    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["documents"] == 0 and figures["annotators"] == []
    assert figures["layers"]["entity"]["f1_exact"] is None
    assert figures["questions"]["stance"]["cohen_kappa"] is None
    assert text.returncode == 0 and "nothing to compare yet" in text.stdout


def test_user_errors_exit_1_and_bad_usage_exits_2(team_corpus: Path, tmp_path: Path) -> None:
    missing = annotator("agreement", tmp_path / "nope.annotator")
    no_folder = annotator("agreement", team_corpus, "--html", tmp_path / "no" / "r.html")
    usage = annotator("agreement", team_corpus, "--colour")

    for done, where in ((missing, "nope.annotator"), (no_folder, "no such folder")):
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("annotator: error: ") and where in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()
    assert usage.returncode == 2
