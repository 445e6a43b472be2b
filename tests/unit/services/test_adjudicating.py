"""Review items and adjudication into gold, with two and three annotators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.errors import AnnotationError
from annotator.core.model import GOLD, AnnotationSet, Document, Relation, Span
from annotator.services.adjudicating import (
    auto_adjudicate,
    curation_progress,
    decide_item,
    gold_of,
    mark_edited,
)
from annotator.services.exporting import export
from annotator.services.review import items
from annotator.store.adjudication import decide, decisions
from annotator.store.corpus import Corpus

TEXT = "Emmanuel Macron a déclaré à Paris que la France investira dans Renault."
#        0         1         2         3         4         5         6         7
#        0123456789012345678901234567890123456789012345678901234567890123456789012


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def span(sid: str, word: str, label: str, layer: str = "entity", **attrs: str) -> Span:
    start, end = at(word)
    return Span(sid, layer, start, end, label, attrs, origin="manual")


CLAIM = "la France investira dans Renault"


def alice() -> AnnotationSet:
    return AnnotationSet(
        "alice",
        "done",
        [
            span("a1", "Emmanuel Macron", "PER"),
            span("a2", "Paris", "LOC"),
            span("a3", "France", "LOC"),
            span("a4", "Renault", "ORG"),
            span("a5", CLAIM, "CLAIM", "claim", stance="FAVOR"),
        ],
        [Relation("a5", "a1", "CLAIMANT")],
        {"stance": "FAVOR"},
    )


def bob() -> AnnotationSet:
    return AnnotationSet(
        "bob",
        "done",
        [
            span("b1", "Emmanuel Macron", "PER"),
            span("b2", "Paris", "ORG"),  # label differs
            span("b3", "la France", "LOC"),  # boundary differs
            span("b5", CLAIM, "CLAIM", "claim", stance="NONE"),  # stance differs
        ],  # Renault missing
        [Relation("b5", "b1", "CLAIMANT")],
        {"stance": "FAVOR"},
    )


@pytest.fixture
def two(corpus: Corpus) -> Corpus:
    corpus.add_documents([Document("d", TEXT, {}, [alice(), bob()])])
    return corpus


def gold_spans(corpus: Corpus) -> set[tuple[str, str, str]]:
    gold = gold_of(corpus.document("d"))
    return {(s.layer, TEXT[s.start : s.end], s.label) for s in gold.spans}


def test_items_name_what_differs(two: Corpus):
    found = {i.key: i for i in items(two.document("d"), two.scheme)}
    what = {key: item.what() for key, item in found.items()}
    macron, paris = at("Emmanuel Macron"), at("Paris")
    assert what[f"span:entity:{macron[0]}-{macron[1]}"] == "agreed"
    assert what[f"span:entity:{paris[0]}-{paris[1]}"] == "label"
    assert what[f"span:entity:{TEXT.index('la France')}-{at('France')[1]}"] == "boundary"
    assert what[f"span:entity:{at('Renault')[0]}-{at('Renault')[1]}"] == "missing"
    claim = at(CLAIM)
    assert what[f"attribute:stance:claim:{claim[0]}-{claim[1]}"] == "attribute stance"
    assert what[f"link:CLAIMANT:claim:{claim[0]}-{claim[1]}"] == "agreed"
    assert what["question:stance"] == "agreed"
    renault = found[f"span:entity:{at('Renault')[0]}-{at('Renault')[1]}"]
    assert sorted(v.annotators for v in renault.versions) == [("alice",), ("bob",)]


def test_auto_adjudication_copies_exactly_the_agreed_items(two: Corpus):
    report = auto_adjudicate(two)
    assert report.documents == 1
    assert (report.spans, report.links, report.answers) == (2, 1, 1)
    assert gold_spans(two) == {("entity", "Emmanuel Macron", "PER"), ("claim", CLAIM, "CLAIM")}
    gold = gold_of(two.document("d"))
    (link,) = gold.relations
    assert link.label == "CLAIMANT"
    assert gold.doc_labels == {"stance": "FAVOR"}
    claim = next(s for s in gold.spans if s.layer == "claim")
    assert "stance" not in claim.attrs  # disputed: left for review
    assert report.left == 4  # Paris, France, Renault, stance
    again = auto_adjudicate(two)
    assert again.items == 0
    assert gold_spans(two) == {("entity", "Emmanuel Macron", "PER"), ("claim", CLAIM, "CLAIM")}


def test_review_decisions_produce_the_expected_gold_and_undo(two: Corpus, tmp_path: Path):
    auto_adjudicate(two)
    found = {i.key: i for i in items(two.document("d"), two.scheme)}
    paris = found[f"span:entity:{at('Paris')[0]}-{at('Paris')[1]}"]
    france = found[f"span:entity:{TEXT.index('la France')}-{at('France')[1]}"]
    renault = found[f"span:entity:{at('Renault')[0]}-{at('Renault')[1]}"]
    stance = found[f"attribute:stance:claim:{at(CLAIM)[0]}-{at(CLAIM)[1]}"]

    def version(item, name):  # type: ignore[no-untyped-def]
        return next(v for v in item.versions if name in v.annotators)

    decide_item(two, "d", paris, version(paris, "alice"), "label", "lead")
    decide_item(two, "d", france, version(france, "alice"), "boundary", "lead")
    undo_renault = decide_item(two, "d", renault, None, "guideline", "lead")
    decide_item(two, "d", stance, version(stance, "bob"), "guideline", "lead")
    assert gold_spans(two) == {
        ("entity", "Emmanuel Macron", "PER"),
        ("entity", "Paris", "LOC"),
        ("entity", "France", "LOC"),
        ("claim", CLAIM, "CLAIM"),
    }
    claim = next(s for s in gold_of(two.document("d")).spans if s.layer == "claim")
    assert claim.attrs == {"stance": "NONE"}
    recorded = decisions(two, "d")
    assert recorded[renault.key].decision == "rejected"
    assert recorded[renault.key].reason == "guideline"
    assert recorded[paris.key].decision == "accepted:alice"
    assert recorded[paris.key].decided_by == "lead"
    assert curation_progress(two) == {"d": (len(found), len(found))}

    # Undo the rejection: decision forgotten, gold as before it.
    inverse, previous = undo_renault
    decide(two, "d", previous, inverse)
    assert renault.key not in decisions(two, "d")
    assert curation_progress(two) == {"d": (len(found) - 1, len(found))}
    # Taking alice's Renault instead.
    decide_item(two, "d", renault, version(renault, "alice"), "error", "lead")
    assert ("entity", "Renault", "ORG") in gold_spans(two)

    out = tmp_path / "gold.jsonl"
    export(two, out, "jsonl", GOLD)
    record = json.loads(out.read_text(encoding="utf-8"))
    (gold,) = record["annotations"]
    assert gold["annotator"] == GOLD
    assert len(gold["spans"]) == 5
    assert gold["doc_labels"] == {"stance": "FAVOR"}


def test_three_annotators_agree_only_where_all_three_do(corpus: Corpus):
    third = AnnotationSet("chloe", "done", [span("c1", "Emmanuel Macron", "PER")], [], {})
    corpus.add_documents([Document("d", TEXT, {}, [alice(), bob(), third])])
    report = auto_adjudicate(corpus)
    assert gold_spans(corpus) == {("entity", "Emmanuel Macron", "PER")}
    assert report.answers == 0  # chloe did not answer: not agreed
    assert report.links == 0  # chloe has no claim


def test_links_wait_for_their_claim_to_be_decided(corpus: Corpus):
    first = alice()
    second = bob()
    second.spans[3] = span("b5", "investira dans Renault", "CLAIM", "claim", stance="FAVOR")
    corpus.add_documents([Document("d", TEXT, {}, [first, second])])
    auto_adjudicate(corpus)
    found = {i.key: i for i in items(corpus.document("d"), corpus.scheme)}
    claim_item = next(i for i in found.values() if i.kind == "span" and i.layer == "claim")
    assert not claim_item.agreed
    link = next((i for i in found.values() if i.kind == "link"), None)
    assert link is not None
    with pytest.raises(AnnotationError, match="decide the claim span"):
        decide_item(corpus, "d", link, link.versions[0], "guideline", "lead")


def test_an_item_settled_by_editing_gold_counts_as_decided(two: Corpus):
    found = items(two.document("d"), two.scheme)
    mark_edited(two, "d", found[0], "other", "lead")
    assert decisions(two, "d")[found[0].key].decision == "edited"


def test_documents_with_one_annotator_are_not_adjudicated(corpus: Corpus):
    corpus.add_documents([Document("d", TEXT, {}, [alice()])])
    assert auto_adjudicate(corpus).documents == 0
    assert curation_progress(corpus) == {}
