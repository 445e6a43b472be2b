"""Overlaps and nesting visible in the text: stacked underline levels and deeper tints."""

from __future__ import annotations

from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot

from annotator.core.model import Span
from annotator.services.corpora import default_scheme
from annotator.ui.document_view import DocumentView
from annotator.ui.highlighting import SpanStyles
from annotator.ui.view.decorations import stack_levels

TEXT = "Le ministre a affirmé que la réforme serait votée avant l'été, selon ses proches."


def claim(sid: str, start: int, end: int) -> Span:
    return Span(sid, "claim", start, end, "CLAIM", origin="manual")


def test_nested_and_crossing_spans_get_levels_of_their_own_and_disjoint_ones_share():
    outer, inner = claim("outer", 0, 60), claim("inner", 26, 40)
    crossing, apart = claim("crossing", 50, 70), claim("apart", 71, 80)
    levels = stack_levels([inner, apart, crossing, outer])
    assert levels["outer"] == 0
    assert levels["inner"] == 1  # nested: one level deeper
    assert levels["crossing"] != levels["outer"]  # crosses the outer claim
    assert levels["apart"] == 0  # touches nothing: back on the first level


def test_levels_of_a_visible_stretch_equal_those_of_the_whole_document(qtbot: QtBot):
    view = DocumentView()
    qtbot.addWidget(view)
    spans = [claim(f"c{i}", i * 3, i * 3 + 10) for i in range(20)]  # a chain of overlaps
    view.show_document(TEXT, spans, SpanStyles(default_scheme()))
    whole = stack_levels(spans)
    seen = view.decorations.levels_over(40, 45)  # the chain reaches back to the start
    assert seen == {s.id: whole[s.id] for s in spans if s.id in seen}
    assert len(seen) == len(spans)


def test_an_overlap_is_drawn_deeper_than_a_single_claim_in_both_themes():
    a, b = claim("a", 0, 30), claim("b", 20, 50)
    for dark in (False, True):
        styles = SpanStyles(default_scheme(), dark=dark)
        single = styles.format_for([a], set()).background().color().alpha()
        double = styles.format_for([a, b], set()).background().color().alpha()
        assert double >= single + 40


def test_selecting_a_span_never_changes_the_font():
    styles = SpanStyles(default_scheme())
    entity = Span("e", "entity", 0, 11, "PER", origin="manual")
    for covering in ([entity], [claim("c", 0, 30)]):
        plain = styles.format_for(covering, set())
        selected = styles.format_for(covering, {covering[0].id})
        assert selected.fontWeight() in (0, QFont.Weight.Normal)
        assert selected.fontWeight() == plain.fontWeight()
        assert selected.fontItalic() == plain.fontItalic()
        assert selected.background().color().alpha() > plain.background().color().alpha()
