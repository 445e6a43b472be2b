"""Small documents for the agreement tests, with spans placed by substring."""

from __future__ import annotations

from typing import Any

import numpy as np

from annotator.agreement.collect import collect
from annotator.agreement.data import AgreementData
from annotator.agreement.report import AgreementReport, build_report
from annotator.core.model import AnnotationSet, Document, Relation, Span
from annotator.core.scheme import Scheme
from annotator.services.corpora import default_scheme

#: Fleiss (1971), as in Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 14
#: raters, 5 categories (how many raters chose each); P̄ = 0.378, P̄e = 0.213, κ = 0.210.
FLEISS_1971 = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)

TEXT = "Marie Curie visite Paris et Lyon avec Pierre Dupont, qui affirme : « la science avance »."


def span(
    substring: str,
    label: str = "PER",
    layer: str = "entity",
    *,
    span_id: str | None = None,
    text: str = TEXT,
    occurrence: int = 0,
    state: str = "accepted",
    **attrs: Any,
) -> Span:
    """A span over the ``occurrence``-th occurrence of ``substring`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(substring, start + 1)
    ident = span_id or f"{layer}-{label}-{start}"
    return Span(ident, layer, start, start + len(substring), label, attrs, "manual", state)


def aset(
    annotator: str,
    *spans: Span,
    relations: tuple[Relation, ...] = (),
    answers: dict[str, str | list[str]] | None = None,
    status: str = "done",
) -> AnnotationSet:
    return AnnotationSet(annotator, status, list(spans), list(relations), dict(answers or {}))


def document(doc_id: str, *sets: AnnotationSet, text: str = TEXT) -> Document:
    return Document(doc_id, text, {}, list(sets))


def data_of(*documents: Document, scheme: Scheme | None = None) -> AgreementData:
    return collect(documents, scheme or default_scheme())


def report_of(*documents: Document, scheme: Scheme | None = None) -> AgreementReport:
    return build_report(data_of(*documents, scheme=scheme))


def figures_of(*documents: Document, scheme: Scheme | None = None) -> dict[str, Any]:
    return report_of(*documents, scheme=scheme).figures
