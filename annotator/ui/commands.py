"""Undo commands: a committed core edit (or scheme change) and its inverse, for ``QUndoStack``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from annotator.core.edits import Edit
from annotator.core.scheme_change import SchemeChange

Commit = Callable[[str, Edit], Edit]
"""Applies an edit to a document (by id) and returns its inverse."""


class EditCommand(QUndoCommand):
    """An edit already committed when pushed: the first ``redo`` (from ``push``) is a no-op.

    Undo and redo each commit one edit and keep the inverse it returns, so the pair stays
    exact even when the store regenerates details (timestamps, revisions).
    """

    def __init__(self, commit: Commit, doc_id: str, edit: Edit, inverse: Edit, text: str) -> None:
        super().__init__(text)
        self._commit = commit
        self.doc_id = doc_id
        self.edit = edit
        self.inverse = inverse
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self.inverse = self._commit(self.doc_id, self.edit)

    def undo(self) -> None:
        self.edit = self._commit(self.doc_id, self.inverse)


ApplySchemeChange = Callable[[SchemeChange], SchemeChange]
"""Applies a scheme change to the whole corpus and returns its inverse."""


class SchemeCommand(QUndoCommand):
    """A scheme change already applied when pushed, undone and redone like an edit.

    Each application returns the change that undoes it (with the annotations it removed),
    so undo and redo stay exact.
    """

    def __init__(
        self, apply: ApplySchemeChange, change: SchemeChange, inverse: SchemeChange, text: str
    ) -> None:
        super().__init__(text)
        self._apply = apply
        self.change = change
        self.inverse = inverse
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self.inverse = self._apply(self.change)

    def undo(self) -> None:
        self.change = self._apply(self.inverse)


class DecisionCommand(QUndoCommand):
    """A review decision (a gold edit and its record), already committed when pushed.

    ``commit(settle, edit)`` writes decisions and a gold edit together and returns what
    undoes them, in the same shape.
    """

    def __init__(
        self,
        commit: Callable[[dict[str, Any], Edit], tuple[Edit, dict[str, Any]]],
        undo_with: tuple[Edit, dict[str, Any]],
        redo_with: tuple[Edit, dict[str, Any]],
        text: str,
    ) -> None:
        super().__init__(text)
        self._commit = commit
        self._undo_with = undo_with
        self._redo_with = redo_with
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        edit, settle = self._redo_with
        self._undo_with = self._commit(settle, edit)

    def undo(self) -> None:
        edit, settle = self._undo_with
        self._redo_with = self._commit(settle, edit)


class SetsCommand(QUndoCommand):
    """Edits of several annotation sets (of any annotators) applied as one step, already
    committed when pushed; e.g. snapping misaligned spans found by the export audit.

    ``commit(doc_id, annotator, edit)`` applies one edit and returns its inverse.
    """

    def __init__(
        self,
        commit: Callable[[str, str, Edit], Edit],
        applied: list[tuple[str, str, Edit, Edit]],
        text: str,
    ) -> None:
        super().__init__(text)
        self._commit = commit
        self._applied = applied  # (doc_id, annotator, edit, inverse)
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._applied = [
            (doc, who, edit, self._commit(doc, who, edit)) for doc, who, edit, _ in self._applied
        ]

    def undo(self) -> None:
        self._applied = [
            (doc, who, self._commit(doc, who, inverse), inverse)
            for doc, who, _, inverse in reversed(self._applied)
        ][::-1]
