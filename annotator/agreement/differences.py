"""Where the annotators of one document differ, span by span, for the dashboard to mark
when a lead opens a document from the list ranked by disagreement.

Pure Python over one :class:`~annotator.core.model.Document`: a document holds a few
hundred spans at most, so no arrays are needed. The same rules as the figures apply:
gold is left out, so are sets that do not take part and suggested spans.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.agreement.data import takes_part
from annotator.core.fragments import fragment_key
from annotator.core.model import GOLD, Document, Span


@dataclass(frozen=True, slots=True)
class SpanAgreement:
    """One annotator's span and who among the others agrees with it.

    Attributes:
        annotator: whose span it is.
        span: the span.
        exact: the other annotators with the same layer, start, end and label (and
            fragments, for a discontinuous span).
        overlapping: those with a span of the same layer and label sharing a character
            with it but not the same (a boundary disagreement).
        missing: those with neither (they missed it, or labelled it differently).
    """

    annotator: str
    span: Span
    exact: tuple[str, ...]
    overlapping: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def agreed(self) -> bool:
        return not self.overlapping and not self.missing


def span_differences(document: Document, gold: str = GOLD) -> list[SpanAgreement]:
    """Every accepted span of the document's annotators (gold aside) with who agrees,
    in text order (then layer, label and annotator)."""
    sets = [s for s in document.annotations if s.annotator != gold and takes_part(s)]
    spans = {s.annotator: [span for span in s.spans if not span.suggested] for s in sets}
    found = []
    for name, own in spans.items():
        others = [other for other in spans if other != name]
        for span in own:
            exact, overlapping, missing = [], [], []
            for other in others:
                same = [s for s in spans[other] if (s.layer, s.label) == (span.layer, span.label)]
                if any(fragment_key(s) == fragment_key(span) for s in same):
                    exact.append(other)
                elif any(s.overlaps(span) for s in same):
                    overlapping.append(other)
                else:
                    missing.append(other)
            found.append(
                SpanAgreement(name, span, tuple(exact), tuple(overlapping), tuple(missing))
            )
    found.sort(key=lambda f: (f.span.start, f.span.end, f.span.layer, f.span.label, f.annotator))
    return found
