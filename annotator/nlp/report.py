"""What a spaCy export did and could not do: the content of ``report.json``.

``report.json`` is a public contract (DESIGN §5)::

    {"documents": N, "examples": {"train": N, "dev": N},
     "misaligned": [{"document", "annotator", "layer", "label", "start", "end", "text",
                     "contract": [s, e] | null, "expand": [s, e] | null}],
     "overlapping": [same fields],
     "skipped": [{"document", "annotator", "status", "reason"}],
     "dropped": [same fields as misaligned],
     "not_trained": ["entity" | "<span layer>" | "claim_stance" | "question:<name>"],
     "language": "fr",
     "split": N}

``split`` counts the discontinuous spans written to the span groups as their fragments
(``user_data`` keeps them whole).

and, when the documents are in several languages, the top-level report (the sum of the
per-language ones, which are in ``OUT/<lang>/report.json``) also has
``"languages": {"en": {"folder": "en", "documents": N, "examples": {...}}, ...}``;
a language whose examples train nothing is left out, with the reason under
``"not_exported": {"en": "..."}`` (also when the other languages make one folder).

``dropped`` are the misaligned spans ``contract`` or ``expand`` could not place (no whole
token inside); they are in ``misaligned`` too. ``not_trained`` names what has examples
only in dev, so that ``config.cfg`` has no component for it.

This module imports no spaCy, so the window can show an audit without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

Alignment = Literal["strict", "contract", "expand"]
ALIGNMENTS: Final = ("strict", "contract", "expand")

#: How many misaligned spans a message lists before "and N more".
SHOWN_IN_MESSAGES: Final = 5


@dataclass(frozen=True, slots=True)
class SpanIssue:
    """A span the export could not place as it is: misaligned, or overlapping in ``doc.ents``.

    ``contract`` and ``expand`` are the character offsets spaCy's alignment modes give
    (None when the mode finds no token), so a user or the window can snap the span.
    """

    document: str
    annotator: str
    span_id: str
    layer: str
    label: str
    start: int
    end: int
    text: str
    contract: tuple[int, int] | None
    expand: tuple[int, int] | None

    def to_json(self) -> dict[str, Any]:
        """The entry of ``report.json`` (the contract's fields, no more)."""
        return {
            "document": self.document,
            "annotator": self.annotator,
            "layer": self.layer,
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "contract": list(self.contract) if self.contract else None,
            "expand": list(self.expand) if self.expand else None,
        }

    def describe(self) -> str:
        """One line a user recognises: document, annotator, layer/label, offsets, text."""
        excerpt = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        return (
            f"document {self.document!r} ({self.annotator}) {self.layer}/{self.label} "
            f"{self.start}-{self.end} {excerpt!r}"
        )


@dataclass(frozen=True, slots=True)
class SkippedSet:
    """An annotation set that gave no training example, and why."""

    document: str
    annotator: str
    reason: str
    status: str = ""
    unfinished: bool = False
    """Left out only because it is not marked done (``--include-unfinished`` takes it)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "annotator": self.annotator,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Audit:
    """Spans that do not fit spaCy's tokens or ``doc.ents``, and sets left out.

    ``dropped`` are the misaligned spans that snapping could not place (also listed in
    ``misaligned``): they are in ``user_data`` only, not in ``doc.ents``/``doc.spans``.
    """

    misaligned: list[SpanIssue] = field(default_factory=list)
    overlapping: list[SpanIssue] = field(default_factory=list)
    skipped: list[SkippedSet] = field(default_factory=list)
    dropped: list[SpanIssue] = field(default_factory=list)
    split: int = 0
    """Discontinuous spans written to ``doc.ents``/``doc.spans`` as their fragments."""

    def extend(self, other: Audit) -> None:
        self.misaligned.extend(other.misaligned)
        self.overlapping.extend(other.overlapping)
        self.skipped.extend(other.skipped)
        self.dropped.extend(other.dropped)
        self.split += other.split

    @property
    def snapped(self) -> int:
        """How many misaligned spans snapping placed (0 with ``strict``)."""
        return len(self.misaligned) - len(self.dropped)


@dataclass(slots=True)
class SpacyExportReport:
    """The outcome of an export to ``OUT/``: counts, the audit, and what was written.

    Attributes:
        language: the spaCy language whose tokenizer was used (``xx`` when spaCy has
            no tokenizer for ``corpus_language``).
        components: the trainable components of the generated ``config.cfg``.
        not_trained: what has examples only in dev (``entity`` for doc.ents, a span
            group, ``question:NAME``): the config has no component for it.
        languages: with documents in several languages, the report of each language's
            folder ``OUT/<lang>/``; this report is then their sum.
        not_exported: languages whose examples train nothing (no entity, span or answer
            in training), with the reason; the others are exported all the same.
        docbins: how many DocBin files each side (``train``, ``dev``) is written as: 1 is
            the file ``train.spacy``, more the folder ``train.spacy/`` of them.
    """

    alignment: Alignment
    language: str
    corpus_language: str = ""
    documents: int = 0
    train: int = 0
    dev: int = 0
    audit: Audit = field(default_factory=Audit)
    components: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    spans: int = 0
    not_trained: list[str] = field(default_factory=list)
    languages: dict[str, SpacyExportReport] = field(default_factory=dict)
    not_exported: dict[str, str] = field(default_factory=dict)
    docbins: dict[str, int] = field(default_factory=dict)
    near_copies: dict[str, Any] = field(default_factory=dict)
    """The corpus's clusters of near-copies (``threshold``, ``clusters``, ``clustered``,
    ``copies``), how many of their documents were ``exported`` (each cluster on one
    side), and the copies ``left_out`` (``--one-per-cluster``)."""

    def to_json(self) -> dict[str, Any]:
        """``report.json``, the contract of DESIGN §5 (see the module docstring)."""
        data: dict[str, Any] = {
            "documents": self.documents,
            "examples": {"train": self.train, "dev": self.dev},
            "misaligned": [issue.to_json() for issue in self.audit.misaligned],
            "overlapping": [issue.to_json() for issue in self.audit.overlapping],
            "skipped": [item.to_json() for item in self.audit.skipped],
            "dropped": [issue.to_json() for issue in self.audit.dropped],
            "not_trained": list(self.not_trained),
            "language": self.language,
            "split": self.audit.split,
        }
        if self.docbins:
            data["docbins"] = dict(self.docbins)
        if self.near_copies:
            data["near_copies"] = dict(self.near_copies)
        if self.not_exported:
            data["not_exported"] = dict(self.not_exported)
        if self.languages:
            data["languages"] = {
                code: {
                    "folder": code,
                    "documents": part.documents,
                    "examples": {"train": part.train, "dev": part.dev},
                    "docbins": dict(part.docbins),
                }
                for code, part in self.languages.items()
            }
        return data

    @classmethod
    def combined(cls, parts: dict[str, SpacyExportReport]) -> SpacyExportReport:
        """The sum of the per-language reports ``parts`` (two or more)."""
        first = next(iter(parts.values()))
        total = cls(first.alignment, "+".join(parts), first.corpus_language, languages=parts)
        for code, part in parts.items():
            total.documents += part.documents
            total.train += part.train
            total.dev += part.dev
            total.spans += part.spans
            total.audit.extend(part.audit)
            total.components += [f"{code}:{name}" for name in part.components]
            total.not_trained += [f"{code}:{name}" for name in part.not_trained]
            total.files += part.files
            if part.near_copies:
                mine = total.near_copies or {**part.near_copies, "exported": 0, "left_out": []}
                mine["exported"] += part.near_copies["exported"]
                mine["left_out"] = [*mine["left_out"], *part.near_copies["left_out"]]
                total.near_copies = mine
        return total

    @property
    def failed_strict(self) -> bool:
        """True when ``strict`` alignment met spans that do not align (CLI exits 1)."""
        return self.alignment == "strict" and bool(self.audit.misaligned)


def listing(issues: list[SpanIssue], shown: int = SHOWN_IN_MESSAGES) -> str:
    """The first few issues, one a line, and how many more there are."""
    lines = [f"  {issue.describe()}" for issue in issues[:shown]]
    if len(issues) > shown:
        lines.append(f"  ... and {len(issues) - shown} more")
    return "\n".join(lines)
