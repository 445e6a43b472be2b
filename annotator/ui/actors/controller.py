"""Linking spans to actors from the keyboard, what the window shows of the links, and
the registry's undoable changes.

Ctrl+Shift+K on a selected span (a claimant, an entity) opens the picker
(:mod:`annotator.ui.actors.picker`); the link is one undoable edit (``LinkActor``). A
span whose text is a name or alias of an actor and that is not linked yet shows that
actor as a suggestion (tooltip, claims panel), which the picker preselects. F6 opens
the Actors view (:mod:`annotator.ui.actors.view`), whose renames and merges go on the
window's undo stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from annotator.core.actors import Actor, guess_kind, resolve
from annotator.core.edits import LinkActor
from annotator.core.errors import AnnotatorError
from annotator.core.fragments import span_text
from annotator.core.model import Span
from annotator.services import actors as service
from annotator.services.claims import CLAIMANT
from annotator.ui.actors.picker import ActorPicker, Choice
from annotator.ui.commands import CommittedCommand

if TYPE_CHECKING:
    from annotator.store.corpus import Corpus
    from annotator.ui.actors.view import ActorsView
    from annotator.ui.main_window import MainWindow


class ActorsController:
    """Owns the actor commands of one window and its Actors view.

    Args:
        window: the main window (its corpus, session, selection, ``do`` and undo stack).
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.view: ActorsView | None = None
        self._registry: dict[str, Actor] = {}
        self._read_from: Corpus | None = None

    # -- the registry, read once per change ------------------------------------------------

    def registry(self) -> dict[str, Actor]:
        if self._read_from is not self.window.corpus:
            self._registry = service.registry(self.window.corpus)
            self._read_from = self.window.corpus
        return self._registry

    def forget(self) -> None:
        """Read the registry again at next use (it changed)."""
        self._read_from = None

    def current(self) -> list[Actor]:
        return sorted(
            (a for a in self.registry().values() if a.merged_into is None),
            key=lambda a: a.name.casefold(),
        )

    def actor_of(self, span_id: str) -> Actor | None:
        """The actor the span of the open set is linked to (after merges)."""
        linked = self.window.session.aset.actor_links.get(span_id)
        if linked is None:
            return None
        registry = self.registry()
        return registry.get(resolve(linked, registry))

    def suggestion_for(self, span: Span) -> Actor | None:
        """The actor an unlinked span's text names, if any."""
        document = self.window.session.document
        if document is None or span.id in self.window.session.aset.actor_links:
            return None
        return service.suggested_actor(self.current(), span_text(span, document.text))

    # -- what the window shows -------------------------------------------------------------

    def describe(self, span: Span) -> list[str]:
        """Tooltip lines about the span's actor (or the suggested one)."""
        actor = self.actor_of(span.id)
        if actor is not None:
            kb = f", {actor.kb_id}" if actor.kb_id else ""
            return [f"actor: {actor.name} ({actor.kind}{kb})"]
        suggested = self.suggestion_for(span)
        if suggested is not None:
            return [f"suggested actor: {suggested.name} (Ctrl+Shift+K to link)"]
        return []

    def claimant_names(self) -> dict[str, str]:
        """Span id -> what the claims panel shows of its actor: the name, or the
        suggested one followed by "?"."""
        aset = self.window.session.aset
        names: dict[str, str] = {}
        for relation in aset.relations:
            if relation.label != CLAIMANT or relation.child in names:
                continue
            span = aset.span(relation.child)
            if span is None:
                continue
            actor = self.actor_of(span.id)
            suggested = None if actor is not None else self.suggestion_for(span)
            if actor is not None:
                names[span.id] = actor.name
            elif suggested is not None:
                names[span.id] = f"{suggested.name}?"
        return names

    # -- linking -----------------------------------------------------------------------------

    def link_selected(self) -> None:
        """Ctrl+Shift+K: link the selected span to an actor of the registry."""
        window = self.window
        span, document = window.selected, window.session.document
        if span is None or document is None:
            window.statusBar().showMessage(
                "Select the claimant or entity span first (click it, or Tab to it)", 5000
            )
            return
        picker = ActorPicker(
            span_text(span, document.text), self.current(), self.actor_of(span.id), window
        )
        accepted = picker.exec() == QDialog.DialogCode.Accepted
        choice = picker.choice
        picker.deleteLater()
        window.activateWindow()  # the keys go to the text again
        window.view.setFocus()
        if accepted and choice is not None:
            self.apply(span, choice)

    def apply(self, span: Span, choice: Choice) -> bool:
        """Link ``span`` as ``choice`` says (making the new actor first); one undo step."""
        window = self.window
        text = (
            window.session.document.text[span.start : span.end] if window.session.document else ""
        )
        if choice.actor is None and choice.name is None:
            return window.do(LinkActor(span.id, None), f"Unlink «{text[:30]}»")
        actor = choice.actor
        if actor is None:
            try:
                actor = service.add_actor(
                    window.corpus, choice.name or text, window.session.annotator,
                    guess_kind(span.label),
                )  # fmt: skip
            except AnnotatorError as error:
                window.statusBar().showMessage(str(error), 8000)
                QApplication.beep()
                return False
            self.forget()
        done = window.do(LinkActor(span.id, actor.id), f"Link «{text[:30]}» to {actor.name}")
        if done:
            window.statusBar().showMessage(f"«{text[:40]}» is {actor.name}", 4000)
            self._refresh_view()
        return done

    # -- the Actors view and registry changes ------------------------------------------------

    def open_view(self) -> None:
        """F6: the Actors view (built once, refreshed at each opening)."""
        from annotator.ui.actors.view import ActorsView

        if self.view is None:
            self.view = ActorsView(self)
        self.view.refresh()
        self.view.show()
        self.view.activateWindow()

    def change(self, change: service.RegistryChange, text: str) -> bool:
        """Apply a registry change (rename, merge) and push it on the undo stack."""
        try:
            inverse = service.change_registry(self.window.corpus, change)
        except AnnotatorError as error:
            QMessageBox.warning(self.window, text, str(error))
            return False
        self.window.undo_stack.push(CommittedCommand(self._from_stack, change, inverse, text))
        self._after_change()
        return True

    def _from_stack(self, change: service.RegistryChange) -> service.RegistryChange:
        try:
            inverse = service.change_registry(self.window.corpus, change)
        except AnnotatorError as error:
            self.window.statusBar().showMessage(f"Cannot undo or redo: {error}", 8000)
            return change
        self._after_change()
        return inverse

    def _after_change(self) -> None:
        """The registry (and, after a merge, links of any set) changed: show it."""
        self.forget()
        window = self.window
        window.session.reload()
        document = window.session.document
        if document is not None:
            window.selected = (
                window.session.aset.span(window.selected.id) if window.selected else None
            )
            window._refresh_panels()
        self._refresh_view()

    def _refresh_view(self) -> None:
        if self.view is not None and self.view.isVisible():
            self.view.refresh()
