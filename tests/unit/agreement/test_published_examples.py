"""Published worked examples, entered as annotations through the normal import path:
a native JSONL file of documents with each coder's answer, imported into a real corpus
with ``import_paths``, then ``compute_agreement`` on that corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.services.agreement import compute_agreement
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.agreement.samples import FLEISS_1971

#: Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the example with
#: 4 observers, 12 units and missing values (None); nominal α = 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def corpus_with_answers(tmp_path: Path, values: list[str], answers: dict[str, list[Any]]) -> Corpus:
    """A corpus whose question "value" each coder answered as ``answers`` say, one
    document per unit; a coder without an answer has no annotation set there."""
    scheme = tmp_path / "scheme.json"
    question = {"name": "value", "values": values, "multi": False}
    scheme.write_text(json.dumps({"span_layers": [], "questions": [question]}), "utf-8")
    units = len(next(iter(answers.values())))
    lines = []
    for unit in range(units):
        sets = [
            {"annotator": coder, "status": "done", "doc_labels": {"value": str(given[unit])}}
            for coder, given in answers.items()
            if given[unit] is not None
        ]
        record = {"id": f"unit-{unit + 1:02d}", "text": f"Unité {unit + 1}.", "annotations": sets}
        lines.append(json.dumps(record, ensure_ascii=False))
    data = tmp_path / "answers.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = init_corpus(tmp_path / "example.annotator", scheme)
    import_paths(corpus, [data], format="jsonl")
    return corpus


def test_krippendorff_alpha_of_the_2011_example_with_missing_values(tmp_path: Path) -> None:
    with corpus_with_answers(tmp_path, ["1", "2", "3", "4", "5"], KRIPPENDORFF_2011) as corpus:
        figures = compute_agreement(corpus).figures

    value = figures["questions"]["value"]
    assert round(value["krippendorff_alpha"], 3) == 0.743
    assert figures["annotators"] == ["A", "B", "C", "D"]
    assert figures["documents"] == 11  # unit 12 has one answer only
    assert value["items"] == 11
    assert value["fleiss_kappa"] is not None  # units 2-9 were answered by all four


def test_fleiss_kappa_of_the_1971_example_14_raters_10_subjects(tmp_path: Path) -> None:
    categories = ["1", "2", "3", "4", "5"]
    raters: dict[str, list[Any]] = {f"rater{r:02d}": [] for r in range(1, 15)}
    for row in FLEISS_1971:
        given = [categories[c] for c, count in enumerate(row) for _ in range(count)]
        for name, answer in zip(raters, given, strict=True):
            raters[name].append(answer)

    with corpus_with_answers(tmp_path, categories, raters) as corpus:
        value = compute_agreement(corpus).figures["questions"]["value"]

    assert round(value["fleiss_kappa"], 3) == 0.210
    # With 14 answers on every subject, the share of agreeing pairs is Fleiss' P̄.
    assert round(value["percent_agreement"], 3) == 0.378
    assert value["items"] == 10
