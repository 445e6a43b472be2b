"""What a spaCy export did and could not do: the content of ``report.json``.

``report.json`` is a public contract (DESIGN §5)::

    {"documents": N, "examples": {"train": N, "dev": N},
     "misaligned": [{"document", "annotator", "layer", "label", "start", "end", "text",
                     "contract": [s, e] | null, "expand": [s, e] | null}],
     "overlapping": [same fields],
     "skipped": [{"document", "annotator", "reason"}]}

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

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "annotator": self.annotator, "reason": self.reason}


@dataclass(slots=True)
class Audit:
    """Spans that do not fit spaCy's tokens or ``doc.ents``, and sets left out."""

    misaligned: list[SpanIssue] = field(default_factory=list)
    overlapping: list[SpanIssue] = field(default_factory=list)
    skipped: list[SkippedSet] = field(default_factory=list)

    def extend(self, other: Audit) -> None:
        self.misaligned.extend(other.misaligned)
        self.overlapping.extend(other.overlapping)
        self.skipped.extend(other.skipped)


@dataclass(slots=True)
class SpacyExportReport:
    """The outcome of an export to ``OUT/``: counts, the audit, and what was written.

    Attributes:
        language: the spaCy language whose tokenizer was used (``xx`` when spaCy has
            no tokenizer for ``corpus_language``).
        components: the trainable components of the generated ``config.cfg``.
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

    def to_json(self) -> dict[str, Any]:
        """``report.json``, exactly the contract of DESIGN §5."""
        return {
            "documents": self.documents,
            "examples": {"train": self.train, "dev": self.dev},
            "misaligned": [issue.to_json() for issue in self.audit.misaligned],
            "overlapping": [issue.to_json() for issue in self.audit.overlapping],
            "skipped": [item.to_json() for item in self.audit.skipped],
        }

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
