"""Pieces of a discontinuous span, from the keyboard: a quote cut by its attribution.

Select the span (a click, or Tab), select the next piece of its text and press ``+``:
the piece joins the span, which stays one span (one claim, one claimant, one cue, one
stance) drawn in pieces. ``-`` with a selection over one of its pieces takes that piece
away (the last piece cannot be taken: delete the span instead). Both are one undoable
edit each (:class:`~annotator.core.edits.SetPieces`); pieces snap to words unless in
character mode, as labelling does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from annotator.core.edits import SetPieces
from annotator.core.fragments import added_piece, fragments_of, removed_piece
from annotator.services.annotating import has_word

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

ADD_KEY = "+"
REMOVE_KEY = "-"


class PiecesController:
    """The add-piece and remove-piece commands of one window.

    Args:
        window: the main window (its session, view, selection, ``do`` and status bar).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def handle_key(self, key: str) -> bool:
        """``+`` adds the selected text to the selected span, ``-`` removes the piece
        under it; True when the key was one of these. A scheme that gives one of them to
        a label keeps it for the label (its file predates these keys): the commands stay
        in the Edit menu."""
        if key in (ADD_KEY, REMOVE_KEY) and key in self.window.session.key_bindings():
            return False
        if key == ADD_KEY:
            self.add_piece()
            return True
        if key == REMOVE_KEY:
            self.remove_piece()
            return True
        return False

    def add_piece(self) -> None:
        window = self.window
        chosen = window.view.selected_range()
        if window.selected is None or chosen is None:
            self._tell(
                "Select a span first (click it), then select the next piece of its text and "
                f"press {ADD_KEY}"
            )
            return
        start, end = chosen
        if window.character_mode:
            self._add(start, end)
        elif not window.snapping.when_ready(lambda: self._add(start, end)):
            self._tell("Preparing word boundaries for this language… the piece follows shortly")

    def remove_piece(self) -> None:
        window = self.window
        span = window.selected
        chosen = window.view.selected_range()
        if span is None or chosen is None:
            self._tell(
                "Select a span in pieces first (click it), then select text in the piece to "
                f"take away and press {REMOVE_KEY}"
            )
            return
        pieces = removed_piece(span, *chosen)
        if pieces is None:
            if span.fragments is None:
                self._tell("This span is in one piece: delete it with Del instead")
            else:
                self._tell("The selection is not in a piece of the selected span")
            return
        if window.do(SetPieces(span.id, pieces), f"Remove a piece of {span.label}"):
            window.view.clear_selection()
            window._select(span.id)

    def _add(self, start: int, end: int) -> None:
        window = self.window
        span, document = window.selected, window.session.document
        if span is None or document is None:
            return
        if not window.character_mode:
            snapped = window.session.snap(start, end)
            if snapped is None:
                self._tell("The selection holds no word (only spaces or punctuation)")
                return
            start, end = snapped
        elif not has_word(document.text[start:end]):
            self._tell("The selection holds no word (only spaces or punctuation)")
            return
        pieces = added_piece(span, start, end, document.text)
        if pieces == fragments_of(span):
            self._tell("The selection is already part of this span")
            return
        if window.do(SetPieces(span.id, pieces), f"Add a piece to {span.label}"):
            window.view.clear_selection()
            window._select(span.id)

    def _tell(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)
