"""``annotator adjudicate --auto`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import annotator as run

TEXT = "Emmanuel Macron est à Paris."


def annotation(name: str, paris: str) -> dict[str, object]:
    return {
        "annotator": name,
        "status": "done",
        "spans": [
            {"id": "m", "layer": "entity", "start": 0, "end": 15, "label": "PER"},
            {"id": "p", "layer": "entity", "start": 22, "end": 27, "label": paris},
        ],
        "doc_labels": {"stance": "NONE"},
    }


def test_auto_adjudication_copies_agreement_and_reports_counts(tmp_path: Path):
    corpus = str(tmp_path / "c.annotator")
    source = tmp_path / "two.jsonl"
    record = {
        "id": "d",
        "text": TEXT,
        "annotations": [annotation("alice", "LOC"), annotation("bob", "ORG")],
    }
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert run("init", corpus).returncode == 0
    assert run("import", corpus, str(source)).returncode == 0
    done = run("adjudicate", corpus, "--auto")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "1 documents with two or more annotators: 2 agreed items copied into gold "
        "(1 spans, 0 links, 0 attributes, 0 actors, 1 answers); 1 disagreements left to review"
    )
    out = tmp_path / "gold.jsonl"
    exported = run("export", corpus, str(out), "--from", "gold")
    assert exported.returncode == 0, exported.stderr
    (gold,) = json.loads(out.read_text(encoding="utf-8"))["annotations"]
    assert [(s["start"], s["end"], s["label"]) for s in gold["spans"]] == [(0, 15, "PER")]


def test_adjudicate_without_auto_is_bad_usage(tmp_path: Path):
    corpus = str(tmp_path / "c.annotator")
    run("init", corpus)
    result = run("adjudicate", corpus)
    assert result.returncode == 2
    assert "--auto" in result.stderr
