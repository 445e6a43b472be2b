"""Discontinuous spans in the core: the fragments contract, its validation in one place,
the edit that changes a span's pieces, and the pieces for formats without fragments."""

from __future__ import annotations

import pytest

from annotator.core.edits import SetPieces, apply
from annotator.core.fragments import (
    added_piece,
    covered,
    in_pieces,
    removed_piece,
    shared_count,
    span_text,
    whole_id,
)
from annotator.core.model import AnnotationSet, Relation, Span
from annotator.core.scheme import Scheme
from annotator.core.validation import problems

# «Nous avons fait venir des experts», a déclaré un porte-parole, «pour nous aider».
TEXT = "«Nous avons fait venir des experts», a déclaré un porte-parole, «pour nous aider»."
FIRST = (TEXT.index("Nous"), TEXT.index("experts") + len("experts"))
SECOND = (TEXT.index("pour"), TEXT.index("aider") + len("aider"))
CUE = (TEXT.index("a déclaré"), TEXT.index("a déclaré") + len("a déclaré"))


def claim(*pieces: tuple[int, int], span_id: str = "c1") -> Span:
    fragments = tuple(pieces) if len(pieces) > 1 else None
    return Span(span_id, "claim", pieces[0][0], pieces[-1][1], "CLAIM", fragments=fragments)


def problem_of(span: Span, scheme: Scheme, *others: Span) -> list[str]:
    return list(problems(TEXT, AnnotationSet("alice", spans=[span, *others]), scheme))


def test_a_claim_in_two_pieces_is_valid_and_covers_only_its_pieces(scheme: Scheme) -> None:
    quote = claim(FIRST, SECOND)

    assert problem_of(quote, scheme) == []
    assert span_text(quote, TEXT) == "Nous avons fait venir des experts … pour nous aider"
    assert set(covered(quote)) == set(range(*FIRST)) | set(range(*SECOND))


@pytest.mark.parametrize(
    ("fragments", "start", "end", "reason"),
    [
        (((20, 30), (5, 10)), 5, 30, "sorted"),
        (((5, 10), (10, 15)), 5, 15, "not touching"),
        (((5, 12), (10, 15)), 5, 15, "overlapping"),
        (((5, 10), (12, 15)), 5, 20, "last fragment's end"),
        (((5, 10), (12, 15)), 4, 15, "first fragment's start"),
        (((5, 5), (12, 15)), 5, 15, "empty or inverted"),
        (((5, 10),), 5, 10, "two or more"),
        (((5, 10), (12, "15")), 5, 15, "is not [start, end]"),
    ],
)
def test_fragments_out_of_order_touching_or_beside_the_bounds_are_refused(
    scheme: Scheme, fragments: tuple[tuple[int, int], ...], start: int, end: int, reason: str
) -> None:
    span = Span("c1", "claim", start, end, "CLAIM", fragments=fragments)

    (problem,) = problem_of(span, scheme)

    assert problem.startswith("span 'c1' (claim/CLAIM")
    assert reason in problem


def test_fragments_beyond_the_text_are_refused_by_the_span_bounds(scheme: Scheme) -> None:
    span = claim(FIRST, (len(TEXT) - 2, len(TEXT) + 5))

    (problem,) = problem_of(span, scheme)

    assert "outside the text" in problem


def test_a_layer_without_overlaps_lets_a_span_sit_in_another_spans_gap(scheme: Scheme) -> None:
    """The overlap rule applies to the pieces, not the hull: a person named between the
    two pieces of an entity does not overlap it."""
    outer = Span("e1", "entity", FIRST[0], SECOND[1], "ORG", fragments=(FIRST, SECOND))
    inside_gap = Span("e2", "entity", CUE[0], CUE[1], "PER")
    on_a_piece = Span("e3", "entity", SECOND[0], SECOND[0] + 4, "PER")

    assert problem_of(outer, scheme, inside_gap) == []
    (problem,) = problem_of(outer, scheme, on_a_piece)
    assert "'e1'" in problem and "'e3'" in problem and "overlap in layer 'entity'" in problem


def test_adding_a_piece_keeps_pieces_apart_and_joins_what_only_white_space_separates() -> None:
    quote = claim(FIRST)

    assert added_piece(quote, *SECOND, TEXT) == (FIRST, SECOND)
    # "venir des" touches the first piece: it is part of it already
    assert added_piece(quote, FIRST[0] + 5, FIRST[1], TEXT) == (FIRST,)
    # the next word after a space only is the same stretch of text
    words = (TEXT.index("Nous"), TEXT.index("avons") - 1)
    then = (TEXT.index("avons"), TEXT.index("avons") + 5)
    assert added_piece(claim(words), *then, TEXT) == ((words[0], then[1]),)


def test_removing_a_piece_leaves_the_others_and_never_the_last_one() -> None:
    quote = claim(FIRST, SECOND)

    assert removed_piece(quote, SECOND[0] + 1, SECOND[0] + 3) == (FIRST,)
    assert removed_piece(quote, *CUE) is None  # the gap is no piece
    assert removed_piece(claim(FIRST), *FIRST) is None


def test_set_pieces_makes_one_span_of_two_and_undoes_to_one() -> None:
    aset = AnnotationSet("alice", spans=[claim(FIRST)])

    undo = apply(aset, SetPieces("c1", (FIRST, SECOND)))
    (span,) = aset.spans
    assert (span.start, span.end, span.fragments) == (FIRST[0], SECOND[1], (FIRST, SECOND))

    apply(aset, undo)
    assert aset.spans == [claim(FIRST)]  # one piece: an ordinary span, fragments None
    assert aset.spans[0].fragments is None


def test_in_pieces_gives_each_fragment_the_spans_links() -> None:
    cue = Span("u1", "cue", *CUE, "CUE")
    aset = AnnotationSet(
        "alice", spans=[claim(FIRST, SECOND), cue], relations=[Relation("c1", "u1", "CUE")]
    )

    split, count = in_pieces(aset)

    assert count == 1
    assert [(s.id, s.start, s.end, s.fragments) for s in split.spans] == [
        ("c1#1", *FIRST, None),
        ("c1#2", *SECOND, None),
        ("u1", *CUE, None),
    ]
    assert split.relations == [Relation("c1#1", "u1", "CUE"), Relation("c1#2", "u1", "CUE")]
    assert whole_id("c1#2", {"c1"}) == "c1"
    alone = AnnotationSet("alice", spans=[cue])
    assert in_pieces(alone) == (alone, 0)


def test_two_spans_share_only_the_characters_of_their_pieces() -> None:
    quote = claim(FIRST, SECOND)
    hull = Span("c2", "claim", FIRST[0], SECOND[1], "CLAIM")
    in_gap = Span("u1", "cue", *CUE, "CUE")

    assert shared_count(quote, hull) == (FIRST[1] - FIRST[0]) + (SECOND[1] - SECOND[0])
    assert shared_count(quote, in_gap) == 0
    assert not quote.overlaps(in_gap) and hull.overlaps(in_gap)
