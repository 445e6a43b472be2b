"""A discontinuous claim in the spaCy export: its layer's span group holds its fragments
(same label; its claimant and stance likewise), ``user_data`` keeps it whole, the
report counts it under ``split``, and a DocBin import gives the whole span back, also
when the Doc was edited elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.nlp.examples import ExampleBuilder
from annotator.nlp.language import blank
from annotator.services.corpora import init_corpus
from annotator.services.importing import import_paths
from annotator.services.training import export_training_data

TEXT = (
    "«\u00a0Nous avons fait venir des experts\u00a0», a déclaré Marie Dubois, "
    "«\u00a0pour nous aider\u00a0»."
)


def at(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)


FIRST, SECOND = at("Nous avons fait venir des experts"), at("pour nous aider")


def quote_set() -> AnnotationSet:
    spans = [
        Span("c", "claim", FIRST[0], SECOND[1], "CLAIM", {"stance": "FAVOR"},
             fragments=(FIRST, SECOND)),
        Span("p", "entity", *at("Marie Dubois"), "PER"),
        Span("u", "cue", *at("a déclaré"), "CUE"),
    ]  # fmt: skip
    return AnnotationSet(
        "alice", "done", spans, [Relation("c", "p", "CLAIMANT"), Relation("c", "u", "CUE")]
    )


def quote_document() -> Document:
    return Document("d1", TEXT, {"lang": "fr"}, [quote_set()])


def groups(doc: Any, key: str) -> list[tuple[str, str]]:
    return [(span.text, span.label_) for span in doc.spans[key]]


def test_the_claim_group_holds_the_fragments_and_user_data_the_whole_span(
    scheme: Scheme,
) -> None:
    [doc], audit = ExampleBuilder(blank("fr"), scheme, "strict", False).build(quote_document())

    assert groups(doc, "claim") == [
        ("Nous avons fait venir des experts", "CLAIM"),
        ("pour nous aider", "CLAIM"),
    ]
    assert groups(doc, "claim_stance") == [
        ("Nous avons fait venir des experts", "FAVOR"),
        ("pour nous aider", "FAVOR"),
    ]
    assert groups(doc, "claimant") == [("Marie Dubois", "PER")]
    assert audit.split == 1 and not audit.misaligned
    (whole,) = [s for s in doc.user_data["annotator"]["set"]["spans"] if s["id"] == "c"]
    assert whole["fragments"] == [list(FIRST), list(SECOND)]


def test_the_report_counts_the_split_spans_and_the_import_restores_them(
    tmp_path: Path,
) -> None:
    with init_corpus(tmp_path / "c.annotator") as corpus:
        corpus.add_documents([quote_document()])
        report = export_training_data(corpus, tmp_path / "out", dev_fraction=0.0)
    assert report.audit.split == 1
    assert json.loads((tmp_path / "out" / "report.json").read_text())["split"] == 1

    with init_corpus(tmp_path / "again.annotator") as again:
        imported = import_paths(again, [tmp_path / "out" / "train.spacy"])
        [back] = again.document("d1").annotations

    assert back.spans == quote_set().spans
    assert set(back.relations) == set(quote_set().relations)
    assert imported.files[0].warnings == []  # the fragments shown are the span: no edit


def test_a_fragment_removed_from_the_docbin_imports_as_an_edit(tmp_path: Path) -> None:
    with init_corpus(tmp_path / "c.annotator") as corpus:
        corpus.add_documents([quote_document()])
        export_training_data(corpus, tmp_path / "out", dev_fraction=0.0)
    [doc] = DocBin().from_disk(tmp_path / "out" / "train.spacy").get_docs(Vocab())
    doc.spans["claim"] = [s for s in doc.spans["claim"] if s.text != "pour nous aider"]
    DocBin(store_user_data=True, docs=[doc]).to_disk(tmp_path / "edited.spacy")

    with init_corpus(tmp_path / "again.annotator") as again:
        import_paths(again, [tmp_path / "edited.spacy"])
        [back] = again.document("d1").annotations

    claims = [(s.start, s.end, s.fragments) for s in back.spans if s.layer == "claim"]
    assert claims == [(*FIRST, None)]  # what the Doc shows now: one claim, one piece
