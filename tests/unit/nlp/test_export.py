"""The spaCy export folder: tiny corpora, several languages, unfinished work, snapping."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from annotator.core.edits import SetStatus
from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationSet, Document, Span
from annotator.nlp import split
from annotator.services.training import export_training_data, summary
from annotator.store.corpus import Corpus
from tests.unit.nlp.spacy_samples import SEEDS, annotate, annotated_seeds

FILES = ["config.cfg", "dev.spacy", "report.json", "train.spacy"]


def read_docs(path: Path) -> list:
    return list(DocBin().from_disk(path).get_docs(Vocab()))


def report_of(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def one_seed(language: str = "fr") -> Document:
    return annotated_seeds(language)[0]


def in_dev(doc_id: str, fraction: float = 0.2) -> int:
    """A seed that puts ``doc_id`` in dev at ``fraction``."""
    return next(seed for seed in range(1000) if split.goes_to_dev(doc_id, fraction, seed))


# -- one document, --dev-fraction 0 ----------------------------------------------------------


def test_a_one_document_corpus_goes_to_train_even_when_its_id_hashes_into_dev(
    corpus: Corpus, tmp_path: Path
) -> None:
    document = one_seed()
    corpus.add_documents([document])
    out = tmp_path / "out"

    report = export_training_data(corpus, out, seed=in_dev(document.id))

    assert (report.train, report.dev) == (1, 0)
    assert [d.user_data["annotator"]["document"]["id"] for d in read_docs(out / "train.spacy")] == [
        document.id
    ]
    assert "ner" in report.components and report.not_trained == []
    message = summary(report, out)
    assert "dev.spacy is empty: the only document went to train" in message
    assert "--dev-fraction above 0" in message


def test_dev_fraction_zero_puts_every_document_in_train_and_says_dev_is_empty(
    corpus: Corpus, tmp_path: Path
) -> None:
    corpus.add_documents(annotated_seeds("fr"))

    report = export_training_data(corpus, tmp_path / "out", dev_fraction=0.0)

    assert (report.train, report.dev) == (4, 0)
    assert "--dev-fraction 0 put every document in train" in summary(report, tmp_path / "out")


def test_a_layer_whose_examples_all_fell_in_dev_is_named_as_not_trained(
    corpus: Corpus, tmp_path: Path
) -> None:
    with_claims, without = annotated_seeds("fr")[:2]
    bare = without.annotations[0]
    without.annotations[0] = replace(
        bare, spans=[s for s in bare.spans if s.layer == "entity"], relations=[], doc_labels={}
    )
    seed = next(
        s
        for s in range(1000)
        if split.goes_to_dev(with_claims.id, 0.5, s) and not split.goes_to_dev(without.id, 0.5, s)
    )
    corpus.add_documents([with_claims, without])

    report = export_training_data(corpus, tmp_path / "out", dev_fraction=0.5, seed=seed)

    assert report.components == ["ner"]
    assert set(report.not_trained) == {"claim", "cue", "claim_stance", "question:stance"}
    assert report_of(tmp_path / "out")["not_trained"] == report.not_trained
    assert "not trained: claim, cue" in summary(report, tmp_path / "out")


# -- unfinished work -------------------------------------------------------------------------


def with_status(document: Document, status: str, annotator: str = "alice") -> Document:
    aset = annotate(document, SEEDS[document.id], annotator)
    return replace(document, annotations=[replace(aset, status=status)])


def test_only_sets_marked_done_and_gold_are_training_data_by_default(
    corpus: Corpus, tmp_path: Path
) -> None:
    first, second, third, fourth = annotated_seeds("fr")
    corpus.add_documents(
        [
            with_status(first, "done"),
            with_status(second, "in_progress"),
            with_status(third, "todo"),
            with_status(fourth, "in_progress", "gold"),
        ]
    )

    report = export_training_data(corpus, tmp_path / "out", source="all", dev_fraction=0.0)

    exported = [
        d.user_data["annotator"]["document"]["id"]
        for d in read_docs(tmp_path / "out" / "train.spacy")
    ]
    assert sorted(exported) == sorted([first.id, fourth.id])
    skipped = report_of(tmp_path / "out")["skipped"]
    assert [(s["document"], s["annotator"], s["status"]) for s in skipped] == [
        (second.id, "alice", "in_progress"),
        (third.id, "alice", "todo"),
    ]
    assert all("--include-unfinished" in s["reason"] for s in skipped)
    assert "--include-unfinished (in the export dialog: Include unfinished sets) takes them" in (
        summary(report, tmp_path / "out")
    )


def test_include_unfinished_takes_them_as_they_are(corpus: Corpus, tmp_path: Path) -> None:
    first, second = annotated_seeds("fr")[:2]
    untouched = Document("empty", "Un texte sans rien.", {}, [AnnotationSet("alice", "todo")])
    corpus.add_documents(
        [with_status(first, "in_progress"), with_status(second, "todo"), untouched]
    )

    report = export_training_data(
        corpus, tmp_path / "out", dev_fraction=0.0, include_unfinished=True
    )

    assert report.train == 2
    # A set still to do with nothing in it is no annotation, unfinished or not.
    assert [(s.document, s.status) for s in report.audit.skipped] == [("empty", "todo")]


def test_nothing_done_is_an_error_that_says_how_to_export_anyway(
    corpus: Corpus, tmp_path: Path
) -> None:
    corpus.add_documents([with_status(one_seed(), "in_progress")])

    with pytest.raises(AnnotatorError, match="not marked done: 1 in_progress") as raised:
        export_training_data(corpus, tmp_path / "out")
    assert "--include-unfinished" in str(raised.value)
    assert not (tmp_path / "out").exists()


# -- several languages -----------------------------------------------------------------------


def test_documents_in_two_languages_give_one_folder_each_and_a_summing_report(
    corpus: Corpus, tmp_path: Path
) -> None:
    corpus.add_documents(annotated_seeds())
    out = tmp_path / "out"

    report = export_training_data(corpus, out)

    assert sorted(p.name for p in (out / "en").iterdir()) == FILES
    assert sorted(p.name for p in (out / "fr").iterdir()) == FILES
    assert 'lang = "en"' in (out / "en" / "config.cfg").read_text()
    assert 'lang = "fr"' in (out / "fr" / "config.cfg").read_text()
    english, french = report_of(out / "en"), report_of(out / "fr")
    assert (english["documents"], french["documents"]) == (3, 4)
    assert (english["language"], french["language"]) == ("en", "fr")
    total = report_of(out)
    assert total["documents"] == 7 and total["languages"]["en"]["folder"] == "en"
    assert total["examples"]["train"] == english["examples"]["train"] + french["examples"]["train"]
    ids = {
        d.user_data["annotator"]["document"]["id"] for d in read_docs(out / "en" / "train.spacy")
    }
    ids |= {d.user_data["annotator"]["document"]["id"] for d in read_docs(out / "en" / "dev.spacy")}
    assert ids == {d.id for d in annotated_seeds("en")}
    assert f"wrote {out / 'en'}: " in summary(report, out)


def test_english_spans_on_english_token_boundaries_are_aligned(
    corpus: Corpus, tmp_path: Path
) -> None:
    documents = annotated_seeds()
    loopr = next(d for d in documents if d.id == "high-court-loopr-ad-targeting")
    start = loopr.text.index("Loopr’s")
    # French would read "Loopr’" + "s" (an elision); English reads "Loopr" + "’s".
    loopr.annotations[0].spans.append(Span("x", "entity", start, start + 5, "ORG"))
    corpus.add_documents(documents)

    report = export_training_data(corpus, tmp_path / "out")

    assert report.audit.misaligned == [] and not report.failed_strict


def test_a_document_without_meta_lang_is_in_the_corpus_language(
    corpus: Corpus, tmp_path: Path
) -> None:
    documents = annotated_seeds()
    for document in documents:
        document.meta.pop("lang")
    corpus.add_documents(documents)

    report = export_training_data(corpus, tmp_path / "out")

    assert report.language == "fr" and report.languages == {}
    assert (tmp_path / "out" / "train.spacy").exists()


# -- contract never ends on whitespace; what it cannot keep is dropped -------------------------

NUMBERS = "Le contrat vaut 4\u00a0200 euros selon Oracle."


def test_contract_never_yields_a_span_that_starts_or_ends_with_whitespace(
    corpus: Corpus, tmp_path: Path
) -> None:
    start = NUMBERS.index("4")
    grou = NUMBERS.index("contrat")
    aset = AnnotationSet(
        "alice",
        "done",
        [
            Span("n", "entity", start, start + 4, "MISC"),  # "4\u00a020": ends inside "200"
            Span("g", "entity", grou, grou + 4, "MISC"),  # "cont": no whole token inside
            Span("o", "entity", NUMBERS.index("Oracle"), NUMBERS.index("Oracle") + 6, "ORG"),
        ],
    )
    corpus.add_documents([Document("n", NUMBERS, {}, [aset])])
    out = tmp_path / "out"

    report = export_training_data(corpus, out, alignment="contract")

    [doc] = read_docs(out / "train.spacy")
    assert [(e.text, e.label_) for e in doc.ents] == [("4", "MISC"), ("Oracle", "ORG")]
    assert all(not e.text[0].isspace() and not e.text[-1].isspace() for e in doc.ents)
    written = report_of(out)
    assert [d["text"] for d in written["dropped"]] == ["cont"]
    assert {m["text"] for m in written["misaligned"]} == {"4\u00a020", "cont"}
    assert "snapped 1, dropped 1 of 2 spans" in summary(report, out)


def test_a_language_with_nothing_to_train_is_left_out_and_said_the_others_exported(
    corpus: Corpus, tmp_path: Path
) -> None:
    documents = annotated_seeds()
    for document in documents:
        if document.meta["lang"] == "en":  # done, but nothing in them: nothing to learn
            document.annotations = [AnnotationSet("alice", "done")]
    corpus.add_documents(documents)
    out = tmp_path / "out"

    report = export_training_data(corpus, out)

    assert report.language == "fr" and (out / "train.spacy").exists()
    assert not (out / "en").exists()
    assert list(report.not_exported) == ["en"]
    assert "nothing to train in 'en'" in report_of(out)["not_exported"]["en"]
    assert "not exported: the 'en' documents (nothing to train in 'en'" in summary(report, out)


def test_exporting_again_into_a_folder_leaves_nothing_of_the_other_layout(
    corpus: Corpus, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    corpus.add_documents(annotated_seeds("en"))
    export_training_data(corpus, out)  # one language: OUT/train.spacy ...
    assert (out / "train.spacy").is_file()

    corpus.add_documents(annotated_seeds("fr"))
    export_training_data(corpus, out)  # now two: OUT/en/, OUT/fr/

    assert sorted(p.name for p in out.iterdir()) == ["en", "fr", "report.json"]

    for doc in annotated_seeds("en"):
        corpus.apply_edit(doc.id, "alice", SetStatus("todo"))
    export_training_data(corpus, out)  # French alone again: one folder

    assert sorted(p.name for p in out.iterdir()) == FILES
    assert report_of(out)["language"] == "fr"
