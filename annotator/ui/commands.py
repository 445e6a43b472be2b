"""Undo commands for ``QUndoStack``: a change already committed and what undoes it.

Every change of the corpus (an edit, a scheme change, a review decision, snapping spans
across sets) is applied by a function that returns the change undoing it. A command
keeps the pair; undo applies the backward change and keeps the forward one it gets back,
redo the reverse, so the pair stays exact even when the store regenerates details
(timestamps, revisions). The first ``redo`` (from ``push``) does nothing: the change was
committed before it was pushed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtGui import QUndoCommand

from annotator.core.edits import Edit
from annotator.core.scheme_change import SchemeChange

C = TypeVar("C")

Commit = Callable[[str, Edit], Edit]
"""Applies an edit to a document (by id) and returns its inverse."""

ApplySchemeChange = Callable[[SchemeChange], SchemeChange]
"""Applies a scheme change to the whole corpus and returns its inverse."""


class CommittedCommand(QUndoCommand, Generic[C]):
    """A change ``forward`` already applied, undone by ``backward``; ``apply`` applies
    either and returns the change that undoes it."""

    def __init__(self, apply: Callable[[C], C], forward: C, backward: C, text: str) -> None:
        super().__init__(text)
        self._apply = apply
        self.forward = forward
        self.backward = backward
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self.backward = self._apply(self.forward)

    def undo(self) -> None:
        self.forward = self._apply(self.backward)


class EditCommand(CommittedCommand[Edit]):
    """An edit of one document (of the window's annotator)."""

    def __init__(self, commit: Commit, doc_id: str, edit: Edit, inverse: Edit, text: str) -> None:
        super().__init__(lambda change: commit(doc_id, change), edit, inverse, text)
        self.doc_id = doc_id


class SchemeCommand(CommittedCommand[SchemeChange]):
    """A scheme change (with the annotations it removed, in its inverse)."""

    def __init__(
        self, apply: ApplySchemeChange, change: SchemeChange, inverse: SchemeChange, text: str
    ) -> None:
        super().__init__(apply, change, inverse, text)


Decision = tuple[Edit, dict[str, Any]]


class DecisionCommand(CommittedCommand[Decision]):
    """A review decision: a gold edit and the decision records, written together.

    ``commit(settle, edit)`` returns what undoes them, in the same shape.
    """

    def __init__(
        self,
        commit: Callable[[dict[str, Any], Edit], Decision],
        undo_with: Decision,
        redo_with: Decision,
        text: str,
    ) -> None:
        super().__init__(lambda pair: commit(pair[1], pair[0]), redo_with, undo_with, text)


SetEdit = tuple[str, str, Edit]  # (doc_id, annotator, edit)


class SetsCommand(CommittedCommand[list[SetEdit]]):
    """Edits of several annotation sets (of any annotators) as one step; e.g. snapping the
    misaligned spans the export audit found. ``commit(doc_id, annotator, edit)`` applies
    one edit and returns its inverse."""

    def __init__(
        self,
        commit: Callable[[str, str, Edit], Edit],
        applied: list[tuple[str, str, Edit, Edit]],
        text: str,
    ) -> None:
        def apply(edits: list[SetEdit]) -> list[SetEdit]:
            # Undo edits in reverse order: the inverses come back in that order too.
            return [(doc, who, commit(doc, who, edit)) for doc, who, edit in edits][::-1]

        forward = [(doc, who, edit) for doc, who, edit, _ in applied]
        backward = [(doc, who, inverse) for doc, who, _, inverse in reversed(applied)]
        super().__init__(apply, forward, backward, text)
