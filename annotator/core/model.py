"""Documents and their annotations, as plain data.

Offsets are Python code-point offsets into :attr:`Document.text`, end exclusive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from annotator.core.actors import Actor
from annotator.core.names import GOLD as GOLD  # the reserved name, defined with the name rules

STATUSES: Final = ("todo", "in_progress", "done", "skipped")
SPAN_STATES: Final = ("accepted", "suggested")

Status = Literal["todo", "in_progress", "done", "skipped"]
DocLabels = dict[str, str | list[str]]
Fragments = tuple[tuple[int, int], ...]


def text_sha256(text: str) -> str:
    """The hash that identifies a document's text across corpora and packages."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled stretch ``text[start:end]`` in one layer of one annotation set.

    A discontinuous span (a quote cut by its attribution) has ``fragments``: its pieces
    ``((s1, e1), (s2, e2), ...)``, sorted and apart, ``start`` the first piece's start
    and ``end`` the last one's end; an ordinary span has None (one piece, ``start`` to
    ``end``). :mod:`annotator.core.fragments` reads both alike.
    """

    id: str
    layer: str
    start: int
    end: int
    label: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "import"
    state: str = "accepted"
    fragments: Fragments | None = None

    @property
    def suggested(self) -> bool:
        return self.state == "suggested"

    def overlaps(self, other: Span) -> bool:
        """Whether the two spans share a character (of their pieces, not their hulls)."""
        if not (self.start < other.end and other.start < self.end):
            return False
        if self.fragments is None and other.fragments is None:
            return True
        ours = self.fragments or ((self.start, self.end),)
        theirs = other.fragments or ((other.start, other.end),)
        return any(s < e2 and s2 < e for s, e in ours for s2, e2 in theirs)


@dataclass(frozen=True, slots=True)
class Relation:
    """A labelled link from span ``head`` to span ``child`` (ids within one set)."""

    head: str
    child: str
    label: str


@dataclass(slots=True)
class AnnotationSet:
    """One annotator's annotation of one document."""

    annotator: str
    status: str = "todo"
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    doc_labels: DocLabels = field(default_factory=dict)
    guideline_version: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    actor_links: dict[str, str] = field(default_factory=dict)
    """Span id -> actor id (:mod:`annotator.core.actors`): who a claimant or entity
    span is in the corpus's actor registry. Kept apart from the spans themselves."""

    def span(self, span_id: str) -> Span | None:
        return next((s for s in self.spans if s.id == span_id), None)

    def is_empty(self) -> bool:
        return not (self.spans or self.relations or self.doc_labels or self.actor_links)


@dataclass(slots=True)
class Document:
    """An article. Its text is stored exactly as imported and never changes."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    annotations: list[AnnotationSet] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    """Registry entries carried with the document (JSONL lines, imports): those its
    sets link to. Adding the document adds those the corpus lacks (by id)."""

    @property
    def text_sha256(self) -> str:
        return text_sha256(self.text)

    def annotation_set(self, annotator: str) -> AnnotationSet | None:
        return next((a for a in self.annotations if a.annotator == annotator), None)


def new_span_id() -> str:
    """A span id unique across processes and packages (12 hex digits of a UUID4)."""
    import uuid

    return "s" + uuid.uuid4().hex[:12]
