"""services.training: the export folder, report.json, the audit and snapping, on real corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationSet, Document, Span
from annotator.services.progress import Cancelled
from annotator.services.training import (
    alignment_audit,
    export_training_data,
    snap_edits,
    strict_failure,
    summary,
)
from annotator.store.corpus import Corpus
from tests.unit.nlp.spacy_samples import SEEDS, annotate, annotated_seeds

REPORT_KEYS = {
    "documents",
    "examples",
    "misaligned",
    "overlapping",
    "skipped",
    "dropped",
    "docbins",
    "not_trained",
    "language",
    "split",
    "near_copies",
}
FRENCH_SEEDS = 4
ISSUE_KEYS = {
    "document",
    "annotator",
    "layer",
    "label",
    "start",
    "end",
    "text",
    "contract",
    "expand",
}


def read_docs(path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(Vocab()))


def owners(path: Path) -> list[tuple[str, str]]:
    return [
        (d.user_data["annotator"]["document"]["id"], d.user_data["annotator"]["set"]["annotator"])
        for d in read_docs(path)
    ]


@pytest.fixture
def seeded(corpus: Corpus) -> Corpus:
    """The French seeds: one language, one folder."""
    corpus.add_documents(annotated_seeds("fr"))
    return corpus


def test_the_export_writes_the_four_files_and_the_report_contract(
    seeded: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"

    report = export_training_data(seeded, out)

    assert sorted(p.name for p in out.iterdir()) == [
        "config.cfg",
        "dev.spacy",
        "report.json",
        "train.spacy",
    ]
    written = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(written) == REPORT_KEYS
    assert written["documents"] == FRENCH_SEEDS
    assert written["examples"] == {"train": report.train, "dev": report.dev}
    assert written["docbins"] == {"train": 1, "dev": 1}  # one file each
    assert report.train + report.dev == FRENCH_SEEDS and report.dev >= 1
    assert len(read_docs(out / "train.spacy")) == report.train
    assert written["misaligned"] == written["overlapping"] == written["skipped"] == []
    assert written["dropped"] == [] and written["language"] == "fr"
    assert not report.failed_strict


def test_a_document_never_lands_in_both_files_and_all_its_sets_stay_together(
    corpus: Corpus, tmp_path: Path
) -> None:
    documents = annotated_seeds("fr")
    for document in documents:
        document.annotations.append(annotate(document, SEEDS[document.id], "bob"))
    corpus.add_documents(documents)

    export_training_data(corpus, tmp_path / "out", source="all", dev_fraction=0.4)

    train = owners(tmp_path / "out" / "train.spacy")
    dev = owners(tmp_path / "out" / "dev.spacy")
    assert {d for d, _ in train}.isdisjoint({d for d, _ in dev})
    assert sorted(train + dev) == sorted((d.id, a) for d in documents for a in ("alice", "bob"))


def test_from_name_exports_only_that_annotator(corpus: Corpus, tmp_path: Path) -> None:
    documents = annotated_seeds()
    documents[0].annotations.append(annotate(documents[0], SEEDS[documents[0].id], "bob"))
    corpus.add_documents(documents)

    report = export_training_data(corpus, tmp_path / "out", source="bob", dev_fraction=0.0)

    assert owners(tmp_path / "out" / "train.spacy") == [(documents[0].id, "bob")]
    assert report.dev == 0
    assert "dev.spacy is empty" in summary(report, tmp_path / "out")


def test_from_gold_without_gold_is_a_clear_error(seeded: Corpus, tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="no gold layer yet"):
        export_training_data(seeded, tmp_path / "out", source="gold")


def test_the_split_is_the_same_on_every_export(seeded: Corpus, tmp_path: Path) -> None:
    export_training_data(seeded, tmp_path / "a", seed=3)
    export_training_data(seeded, tmp_path / "b", seed=3)

    assert owners(tmp_path / "a" / "dev.spacy") == owners(tmp_path / "b" / "dev.spacy")


def test_two_documents_give_one_train_and_one_dev_example(corpus: Corpus, tmp_path: Path) -> None:
    corpus.add_documents(annotated_seeds()[:2])

    report = export_training_data(corpus, tmp_path / "out", dev_fraction=0.01)

    assert (report.train, report.dev) == (1, 1)


MISALIGNED_DOC = "tiktok-oracle-donnees-americaines"


def misaligned_corpus(corpus: Corpus) -> Corpus:
    """The French seeds with one entity that ends inside the token "données"."""
    documents = annotated_seeds("fr")
    tiktok = next(d for d in documents if d.id == MISALIGNED_DOC)
    start = tiktok.text.index("données")
    tiktok.annotations[0].spans.append(Span("x", "entity", start, start + 5, "ORG"))
    corpus.add_documents(documents)
    return corpus


def test_strict_alignment_writes_the_files_and_reports_where(
    corpus: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = export_training_data(misaligned_corpus(corpus), out)

    assert report.failed_strict
    [entry] = json.loads((out / "report.json").read_text(encoding="utf-8"))["misaligned"]
    assert set(entry) == ISSUE_KEYS
    assert entry["document"] == MISALIGNED_DOC
    assert (entry["annotator"], entry["layer"], entry["label"], entry["text"]) == (
        "alice",
        "entity",
        "ORG",
        "donné",
    )
    assert entry["contract"] is None
    assert entry["expand"] == [entry["start"], entry["start"] + len("données")]
    message = strict_failure(report, out)
    assert message.startswith("1 span not on spaCy 'fr' token boundaries")
    assert MISALIGNED_DOC in message and str(out / "report.json") in message


def test_expand_alignment_snaps_and_still_lists(corpus: Corpus, tmp_path: Path) -> None:
    report = export_training_data(misaligned_corpus(corpus), tmp_path / "out", alignment="expand")

    assert not report.failed_strict and len(report.audit.misaligned) == 1
    docs = read_docs(tmp_path / "out" / "train.spacy") + read_docs(tmp_path / "out" / "dev.spacy")
    tiktok = next(d for d in docs if d.user_data["annotator"]["document"]["id"] == MISALIGNED_DOC)
    assert "données" in [e.text for e in tiktok.ents]


def test_a_cancelled_export_leaves_the_folder_as_it_was(seeded: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_training_data(seeded, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def cancel(done: int, total: int, what: str) -> None:
        if what == "files written":
            raise Cancelled

    with pytest.raises(Cancelled):
        export_training_data(seeded, out, seed=9, progress=cancel)

    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_file_where_the_folder_should_be_is_an_error(seeded: Corpus, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")

    with pytest.raises(AnnotatorError, match="is a file"):
        export_training_data(seeded, tmp_path / "out")


def test_nothing_to_export_is_an_error_naming_the_skipped_sets(
    corpus: Corpus, tmp_path: Path
) -> None:
    corpus.add_documents([Document("d", "Un texte.", {}, [AnnotationSet("alice", "skipped")])])

    with pytest.raises(AnnotatorError, match="nothing to export"):
        export_training_data(corpus, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_audit_lists_misaligned_spans_without_writing(corpus: Corpus, tmp_path: Path) -> None:
    audit = alignment_audit(misaligned_corpus(corpus))

    assert [(i.document, i.span_id) for i in audit.misaligned] == [(MISALIGNED_DOC, "x")]
    assert list(tmp_path.glob("**/*.spacy")) == []


def test_snapping_gives_undoable_edits_that_fix_the_audit(corpus: Corpus) -> None:
    misaligned_corpus(corpus)
    audit = alignment_audit(corpus)

    plan = snap_edits(corpus, audit.misaligned, "expand")

    assert plan.unsnappable == []
    [(key, edit)] = plan.edits.items()
    assert key == (MISALIGNED_DOC, "alice")
    undo = corpus.apply_edit(*key, edit)
    assert alignment_audit(corpus).misaligned == []
    corpus.apply_edit(*key, undo)
    assert alignment_audit(corpus).misaligned == audit.misaligned


def test_spans_that_cannot_be_snapped_are_given_back_with_the_reason(corpus: Corpus) -> None:
    misaligned_corpus(corpus)
    audit = alignment_audit(corpus)

    plan = snap_edits(corpus, audit.misaligned, "contract")

    assert plan.edits == {}
    assert [(issue.span_id, reason) for issue, reason in plan.unsnappable] == [
        ("x", "contract finds no whole token in it")
    ]


def test_snapping_never_creates_an_overlap_in_a_layer_that_forbids_it(corpus: Corpus) -> None:
    text = "Le rachat TikTokOracle inquiète."
    aset = AnnotationSet(
        "alice",
        "done",
        [Span("a", "entity", 10, 16, "ORG"), Span("b", "entity", 16, 22, "ORG")],
    )
    corpus.add_documents([Document("v", text, {}, [aset])])

    plan = snap_edits(corpus, alignment_audit(corpus).misaligned, "expand")

    # Expanded, each would cover "TikTokOracle" and overlap the other.
    assert plan.edits == {}
    assert [(i.span_id, r) for i, r in plan.unsnappable] == [
        ("a", "snapped, it would overlap another span of 'entity'"),
        ("b", "snapped, it would overlap another span of 'entity'"),
    ]


def test_a_language_spacy_cannot_tokenize_falls_back_to_xx_and_says_so(tmp_path: Path) -> None:
    from annotator.services.corpora import init_corpus

    with init_corpus(tmp_path / "qq.annotator", language="qq") as corpus:
        documents = annotated_seeds()[:3]
        for document in documents:
            document.meta.pop("lang")  # in the corpus language
        corpus.add_documents(documents)
        report = export_training_data(corpus, tmp_path / "out")

    assert (report.language, report.corpus_language) == ("xx", "qq")
    assert 'lang = "xx"' in (tmp_path / "out" / "config.cfg").read_text()
    assert "used its multi-language 'xx' tokenizer" in summary(report, tmp_path / "out")
