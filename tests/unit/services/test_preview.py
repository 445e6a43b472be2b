"""The import dialog's preview: a file read as the import would, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError, InputError
from annotator.services.corpora import default_scheme
from annotator.services.preview import preview
from tests.conftest import FORMATS_REAL

EMERSON = FORMATS_REAL / "prodigy" / "explosion-projects_nel_emerson_annotated_text.jsonl"


def test_preview_keeps_the_first_documents_and_counts_them_all() -> None:
    shown = preview(EMERSON, limit=3, annotator="ana", scheme=default_scheme())

    assert (shown.format, shown.detected) == ("prodigy", True)
    assert len(shown.documents) == 3 and shown.total_documents == 30
    assert (shown.annotation_sets, shown.spans, shown.relations) == (30, 30, 0)
    assert shown.documents[0].annotations[0].spans[0].label == "ORG"
    assert shown.unknown_labels == {"entity": ["PERSON"]}
    assert shown.needs_extension and shown.problems == []


def test_preview_lists_warnings_and_problems_that_extension_would_not_solve(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tasks.jsonl"
    tasks = [
        {
            "text": "Apple et Google",
            "answer": "accept",
            "spans": [
                {"start": 0, "end": 9, "label": "ORG"},
                {"start": 6, "end": 15, "label": "ORG"},
            ],
        },
        {"text": "Rejeté", "answer": "reject"},
    ]
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks), "utf-8")

    shown = preview(path, format="prodigy", scheme=default_scheme())

    assert not shown.detected and shown.total_documents == 1
    assert shown.warnings == [f"{path}: 1 tasks answered 'reject' were not imported (lines 2)"]
    assert not shown.needs_extension
    (problem,) = shown.problems
    assert problem.startswith(f"{path}, line 1: document 'doc-")
    assert "overlap in layer 'entity'" in problem


def test_preview_of_a_bad_file_raises_the_import_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conll"
    bad.write_text("Paris B-LOC\nLyon\n", "utf-8")

    with pytest.raises(InputError, match=r"bad.conll, line 2: expected a token and a tag"):
        preview(bad)
    with pytest.raises(AnnotatorError, match="no such file"):
        preview(tmp_path / "missing.jsonl")
