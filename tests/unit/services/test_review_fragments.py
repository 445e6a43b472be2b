"""Review and adjudication of discontinuous spans: two claims with the same ends but other
pieces are two versions, the same pieces one, and gold takes the pieces it is given."""

from __future__ import annotations

from annotator.core.model import GOLD, AnnotationSet, Document, Span
from annotator.services.adjudicating import auto_adjudicate
from annotator.services.review import items
from annotator.store.corpus import Corpus

TEXT = "« La science avance », affirme Pierre Dupont, « et vite »."
FIRST = (TEXT.index("La"), TEXT.index("avance") + 6)
SECOND = (TEXT.index("et vite"), TEXT.index("vite") + 4)
SHORTER = (FIRST[0], TEXT.index("science") + 7)


def claim(span_id: str, *pieces: tuple[int, int]) -> Span:
    return Span(span_id, "claim", pieces[0][0], pieces[-1][1], "CLAIM", fragments=pieces)


def document(bob_first: tuple[int, int]) -> Document:
    return Document(
        "d",
        TEXT,
        {},
        [
            AnnotationSet("alice", "done", [claim("a", FIRST, SECOND)]),
            AnnotationSet("bob", "done", [claim("b", bob_first, SECOND)]),
        ],
    )


def test_the_same_ends_with_other_pieces_are_two_versions(corpus: Corpus) -> None:
    (item,) = [i for i in items(document(SHORTER), corpus.scheme) if i.kind == "span"]

    assert len(item.versions) == 2


def test_the_same_pieces_are_agreed_and_gold_takes_them(corpus: Corpus) -> None:
    corpus.add_documents([document(FIRST)])
    (item,) = [i for i in items(corpus.document("d"), corpus.scheme) if i.kind == "span"]
    assert len(item.versions) == 1

    auto_adjudicate(corpus)

    gold = corpus.document("d").annotation_set(GOLD)
    assert gold is not None
    assert [s.fragments for s in gold.spans] == [(FIRST, SECOND)]
