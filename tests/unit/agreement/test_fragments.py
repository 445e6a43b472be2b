"""Agreement on discontinuous spans: exact match compares the fragment sets, overlap F1
and token α read the characters covered (not the gap), and claims are matched on the
characters their pieces cover. Cross-checked against a plain per-character count."""

from __future__ import annotations

from dataclasses import replace

from annotator.agreement.alpha import token_labels
from annotator.agreement.claims import claim_pair
from annotator.agreement.spans import pair_counts
from annotator.core.model import Relation, Span
from tests.unit.agreement.samples import aset, data_of, document, figures_of

TEXT = "« La science avance », affirme Pierre Dupont, « et vite ». Marie Curie approuve."
FIRST = (TEXT.index("La"), TEXT.index("avance") + 6)
SECOND = (TEXT.index("et vite"), TEXT.index("vite") + 4)
GAP_CUE = (TEXT.index("affirme"), TEXT.index("affirme") + 7)


def claim(*pieces: tuple[int, int], span_id: str = "c", stance: str = "FAVOR") -> Span:
    return Span(
        span_id, "claim", pieces[0][0], pieces[-1][1], "CLAIM", {"stance": stance},
        fragments=tuple(pieces) if len(pieces) > 1 else None,
    )  # fmt: skip


def hull() -> Span:
    return claim((FIRST[0], SECOND[1]))


def pair(first: Span, second: Span) -> tuple[float | None, float | None]:
    data = data_of(document("d", aset("a", first), aset("b", second), text=TEXT))
    counts = pair_counts(data, "claim", "a", "b")
    return counts.f1_exact(), counts.f1_overlap()


def test_exact_match_compares_the_fragment_sets_not_the_hull() -> None:
    quote = claim(FIRST, SECOND)
    other_cut = claim((FIRST[0], FIRST[1] - 7), SECOND)  # "La science", "et vite"
    assert other_cut.end == quote.end

    assert pair(quote, replace(quote, id="x")) == (1.0, 1.0)
    assert pair(quote, hull()) == (0.0, 1.0)  # same start and end, not the same claim
    assert pair(quote, other_cut) == (0.0, 1.0)


def test_overlap_reads_the_characters_covered_not_the_gap() -> None:
    quote = claim(FIRST, SECOND)
    in_the_gap = claim(GAP_CUE)

    assert pair(quote, in_the_gap) == (0.0, 0.0)
    assert pair(hull(), in_the_gap) == (0.0, 1.0)  # a hull would have met it


def test_token_labels_cover_the_pieces_only() -> None:
    quote = claim(FIRST, SECOND)
    data = data_of(document("d", aset("a", quote), aset("b", hull()), text=TEXT))

    a, b = token_labels(data, "claim", "a"), token_labels(data, "claim", "b")

    words = [TEXT[s : s + 1] for s in data.token_starts.tolist()]
    labelled_a = [w for w, code in zip(words, a.tolist(), strict=True) if code]
    labelled_b = [w for w, code in zip(words, b.tolist(), strict=True) if code]
    assert labelled_a == ["L", "s", "a", "e", "v"]  # La science avance / et vite
    assert len(labelled_b) == len(labelled_a) + len(["»", ",", "affirme", "P", "D", ",", "«"])


def test_an_interrupted_claim_counts_once() -> None:
    quote = claim(FIRST, SECOND)
    per, cue = Span("p", "entity", *_at("Pierre Dupont"), "PER"), Span("u", "cue", *GAP_CUE, "CUE")
    links = (Relation("c", "p", "CLAIMANT"), Relation("c", "u", "CUE"))
    doc = document(
        "d",
        aset("a", quote, per, cue, relations=links),
        aset("b", replace(quote), per, cue, relations=links),
        text=TEXT,
    )

    figures = figures_of(doc)
    result = claim_pair(data_of(doc), "a", "b")

    assert figures["layers"]["claim"]["labels"]["CLAIM"]["support"] == 2
    assert figures["layers"]["claim"]["f1_exact"] == 1.0
    assert (result.matched, result.claims) == (1, 2)
    assert result.claimant_agreement == result.cue_agreement == result.stance_agreement == 1.0


def test_claims_are_matched_on_the_characters_their_pieces_cover() -> None:
    """b's claim over the attribution shares more of a's hull than b's claim on the
    first piece, but fewer of the characters a's quote covers: the latter is matched."""
    quote = claim(FIRST, SECOND)
    on_the_first_piece = claim(FIRST, span_id="n", stance="FAVOR")
    over_the_gap = claim((FIRST[1] - 3, SECOND[1]), span_id="d", stance="AGAINST")
    hull_shared = over_the_gap.end - over_the_gap.start
    assert hull_shared > FIRST[1] - FIRST[0] > 3 + (SECOND[1] - SECOND[0])
    doc = document("d", aset("a", quote), aset("b", over_the_gap, on_the_first_piece), text=TEXT)

    result = claim_pair(data_of(doc), "a", "b")

    assert result.matched == 1
    assert result.stance_agreement == 1.0  # FAVOR and FAVOR: matched with the first piece


def test_pieces_shared_by_hand_agree_with_the_overlap_count() -> None:
    """Independent check: overlap F1 from sets of covered characters, per span."""
    a_spans = [claim(FIRST, SECOND), claim(GAP_CUE, span_id="g")]
    b_spans = [claim((SECOND[0], SECOND[1] - 2), span_id="x"), claim((0, 1), span_id="y")]
    data = data_of(document("d", aset("a", *a_spans), aset("b", *b_spans), text=TEXT))

    def chars(span: Span) -> set[int]:
        return {i for s, e in (span.fragments or ((span.start, span.end),)) for i in range(s, e)}

    recall = sum(any(chars(a) & chars(b) for b in b_spans) for a in a_spans) / len(a_spans)
    precision = sum(any(chars(b) & chars(a) for a in a_spans) for b in b_spans) / len(b_spans)
    expected = 2 * precision * recall / (precision + recall)

    assert pair_counts(data, "claim", "a", "b").f1_overlap() == expected == 0.5


def _at(part: str) -> tuple[int, int]:
    start = TEXT.index(part)
    return start, start + len(part)
