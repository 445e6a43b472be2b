"""The highlighter draws what is on screen at once, the rest in the background, and an
edit redraws only the blocks it touches; whatever the order, every block ends right."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QTextBlock
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.core.model import Span
from annotator.services.corpora import default_scheme
from annotator.ui.document_view import DocumentView
from annotator.ui.highlighting import SpanStyles

PARAGRAPHS = 400
WORD = "Paris"


def article() -> tuple[str, list[Span]]:
    paragraphs = [f"Paragraphe {n} : le maire de {WORD} a parlé.\r\n" for n in range(PARAGRAPHS)]
    text = "".join(paragraphs)
    spans, offset = [], 0
    for n, paragraph in enumerate(paragraphs):
        start = offset + paragraph.index(WORD)
        spans.append(Span(f"s{n}", "entity", start, start + len(WORD), "LOC"))
        offset += len(paragraph)
    return text, spans


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[DocumentView]:
    widget = DocumentView()
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def highlighted(view: DocumentView, block_number: int) -> list[tuple[int, int]]:
    block = view.document().findBlockByNumber(block_number)
    return [(r.start, r.length) for r in block.layout().formats()]


def expected(view: DocumentView, block_number: int) -> list[tuple[int, int]]:
    text = view.document().findBlockByNumber(block_number).text()
    return [(text.index(WORD), len(WORD))]


def test_first_screen_is_drawn_at_once_and_the_rest_in_the_background(
    view: DocumentView, qtbot: QtBot
):
    text, spans = article()
    view.show_document(text, spans, SpanStyles(default_scheme()))
    highlighter = view.highlighter
    assert highlighter is not None
    assert highlighted(view, 0) == expected(view, 0)
    qtbot.waitUntil(lambda: highlighter.pending_blocks() == 0, timeout=10_000)
    last = view.document().blockCount() - 2  # the final CRLF leaves an empty last block
    assert highlighted(view, last) == expected(view, last)


def test_scrolling_before_the_background_pass_draws_what_comes_into_view(view: DocumentView):
    text, spans = article()
    view.show_document(text, spans, SpanStyles(default_scheme()))
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    view.viewport().repaint()
    last = view.document().blockCount() - 2
    assert highlighted(view, last) == expected(view, last)


def test_an_edit_redraws_only_the_blocks_it_touches(view: DocumentView):
    text, spans = article()
    view.show_document(text, spans, SpanStyles(default_scheme()))
    highlighter = view.highlighter
    assert highlighter is not None
    highlighter.finish()
    QApplication.processEvents()
    redrawn: list[int] = []
    rehighlight = highlighter.rehighlightBlock

    def counting(block: QTextBlock) -> None:
        redrawn.append(block.blockNumber())
        rehighlight(block)

    highlighter.rehighlightBlock = counting  # type: ignore[method-assign]
    view.update_spans([spans[200]], [])
    QApplication.processEvents()
    assert redrawn == [200]
    assert highlighted(view, 200) == []
    assert highlighted(view, 201) == expected(view, 201)


def test_new_styles_midway_leave_every_block_right(view: DocumentView, qtbot: QtBot):
    text, spans = article()
    view.show_document(text, spans, SpanStyles(default_scheme()))
    highlighter = view.highlighter
    assert highlighter is not None
    highlighter.set_styles(SpanStyles(default_scheme(), dark=True))
    qtbot.waitUntil(lambda: highlighter.pending_blocks() == 0, timeout=10_000)
    for number in (0, 150, 399):
        assert highlighted(view, number) == expected(view, number)


def test_opening_another_document_retires_the_old_highlighter(view: DocumentView, qtbot: QtBot):
    text, spans = article()
    view.show_document(text, spans, SpanStyles(default_scheme()))
    old = view.highlighter
    view.show_document("Un autre texte.", [], SpanStyles(default_scheme()))
    assert view.highlighter is not old
    assert old is not None and old.pending_blocks() == 0
