"""The invariants of annotations, checked in one place.

Every path that writes annotations (import, edits in the window, merge) goes through
:func:`check_set`, so a corpus never holds an annotation that breaks them.
"""

from __future__ import annotations

from collections.abc import Iterator

from annotator.core.errors import AnnotationError
from annotator.core.fragments import fragment_problems, fragments_of
from annotator.core.model import SPAN_STATES, STATUSES, AnnotationSet, Span
from annotator.core.names import GOLD
from annotator.core.names import check_annotator_name as check_annotator_name
from annotator.core.scheme import Scheme, SpanLayer

RESERVED_NAMES = (GOLD,)
"""Names of layers that nobody annotates under: the adjudicated layer (``gold``)."""


def check_own_name(name: str) -> None:
    """A name someone works under (the window's annotator, a package's, a server role's,
    the set pre-annotation fills): a usable annotator name that is not reserved. ``gold``
    is written by adjudication only, so refusing it everywhere a person names themselves
    keeps edits out of the adjudicated layer; case does not make it another name."""
    check_annotator_name(name)
    if name.casefold() in RESERVED_NAMES:
        raise AnnotationError(
            f"annotator name {name!r} is reserved: {GOLD!r} is the adjudicated layer, "
            "written only by review and adjudication; choose another name"
        )


def problems(text: str, aset: AnnotationSet, scheme: Scheme) -> Iterator[str]:
    """Yield a message for each invariant ``aset`` breaks on a document of ``text``."""
    if aset.status not in STATUSES:
        yield f"status {aset.status!r} is not one of {', '.join(STATUSES)}"
    version = aset.guideline_version  # a version number, and one the database can hold
    if version is not None and (type(version) is not int or not 1 <= version < 2**31):
        yield f"guideline version {version!r} is not a version number (1, 2, ...)"
    layers = _layer_index(scheme.span_layers)
    seen: dict[str, Span] = {}
    for span in aset.spans:
        if not _plainly_valid(span, len(text), layers):
            yield from _span_problems(text, span, scheme)
        if span.id in seen:
            yield f"span id {span.id!r} is used twice"
        seen[span.id] = span
    yield from _overlap_problems(aset.spans, scheme)
    if aset.relations:
        yield from _relation_problems(aset, seen, scheme)
    if aset.doc_labels:
        yield from _label_problems(aset, scheme)
    for span_id in aset.actor_links:
        if span_id not in seen:
            yield f"an actor link names span {span_id!r}, which is not in the set"


def check_set(doc_id: str, text: str, aset: AnnotationSet, scheme: Scheme) -> None:
    """Raise :class:`AnnotationError` naming the document and annotator on the first problem."""
    for problem in problems(text, aset, scheme):
        raise AnnotationError(f"document {doc_id!r}, annotator {aset.annotator!r}: {problem}")


def unknown_labels(aset: AnnotationSet, scheme: Scheme) -> dict[str, set[str]]:
    """Labels (by layer) that ``aset`` uses and ``scheme`` lacks; for ``--extend-scheme``."""
    missing: dict[str, set[str]] = {}
    for span in aset.spans:
        layer = scheme.layer(span.layer)
        if layer is None or layer.label(span.label) is None:
            missing.setdefault(span.layer, set()).add(span.label)
    return missing


def describe(span: Span, text: str) -> str:
    """A span as a user recognises it: id, layer/label, offsets and a bit of its text."""
    excerpt = text[span.start : span.end] if 0 <= span.start < span.end <= len(text) else ""
    if len(excerpt) > 40:
        excerpt = excerpt[:37] + "..."
    shown = f" {excerpt!r}" if excerpt else ""
    return f"span {span.id!r} ({span.layer}/{span.label} {span.start}-{span.end}{shown})"


LayerIndex = dict[str, tuple[SpanLayer, frozenset[str]]]
_last_index: tuple[tuple[SpanLayer, ...], LayerIndex] | None = None


def _layer_index(layers: tuple[SpanLayer, ...]) -> LayerIndex:
    """``{layer name: (layer, its label names)}``, the first layer of a name winning as in
    ``Scheme.layer()``; kept for the last scheme seen (held, so its identity is safe)."""
    global _last_index
    if _last_index is None or _last_index[0] is not layers:
        index: LayerIndex = {}
        for layer in layers:
            index.setdefault(layer.name, (layer, frozenset(lab.name for lab in layer.labels)))
        _last_index = (layers, index)
    return _last_index[1]


def _plainly_valid(span: Span, size: int, layers: LayerIndex) -> bool:
    """True when ``span`` has none of the problems of :func:`_span_problems`, checked
    the quick way: an import validates millions of spans (DESIGN §10), nearly all
    valid; the full check runs on the others and says what is wrong."""
    entry = layers.get(span.layer) if type(span.layer) is str else None
    start, end, origin = span.start, span.end, span.origin
    return (
        entry is not None
        and type(start) is int
        and type(end) is int
        and 0 <= start < end <= size
        and type(span.id) is str
        and span.id != ""
        and span.state in SPAN_STATES
        and type(origin) is str
        and (origin in ("manual", "import") or origin.startswith("model:"))
        and type(span.label) is str
        and span.label in entry[1]
        and span.fragments is None
        and (
            not span.attrs
            or all(
                (attribute := entry[0].attribute(name)) is not None and value in attribute.values
                for name, value in span.attrs.items()
            )
        )
    )


def _span_problems(text: str, span: Span, scheme: Scheme) -> Iterator[str]:
    where = f"span {span.id!r} ({span.layer}/{span.label} {span.start}-{span.end})"
    if not isinstance(span.id, str) or not span.id:
        yield f"{where}: a span needs a non-empty id"
    if type(span.start) is not int or type(span.end) is not int:
        yield f"{where}: start and end must be integers"
        return
    if span.start < 0 or span.end > len(text):
        yield f"{where}: offsets are outside the text, which has {len(text)} characters"
    elif span.start >= span.end:
        yield f"{where}: start must be before end (empty or inverted span)"
    else:
        for problem in fragment_problems(span):
            yield f"{where}: {problem}"
    if span.state not in ("accepted", "suggested"):
        yield f"{where}: state {span.state!r} is not 'accepted' or 'suggested'"
    if not isinstance(span.origin, str) or not (
        span.origin in ("manual", "import") or span.origin.startswith("model:")
    ):
        yield f"{where}: origin {span.origin!r} is not 'manual', 'import' or 'model:NAME'"
    layer = scheme.layer(span.layer)
    if layer is None:
        names = ", ".join(lay.name for lay in scheme.span_layers) or "none"
        yield f"{where}: layer {span.layer!r} is not in the scheme (layers: {names})"
        return
    if layer.label(span.label) is None:
        names = ", ".join(lab.name for lab in layer.labels) or "none"
        yield (
            f"{where}: label {span.label!r} is not in layer {span.layer!r} (labels: {names}); "
            "add it to the scheme or import with --extend-scheme"
        )
    for name, value in span.attrs.items():
        attribute = layer.attribute(name)
        if attribute is None:
            yield f"{where}: attribute {name!r} is not defined for layer {span.layer!r}"
        elif value not in attribute.values:
            yield f"{where}: {name} {value!r} is not one of {', '.join(attribute.values)}"


def _overlap_problems(spans: list[Span], scheme: Scheme) -> Iterator[str]:
    """Spans that share a character in a layer without overlaps; a discontinuous span
    shares only the characters of its pieces (the gap may hold other spans)."""
    for layer in scheme.span_layers:
        if layer.overlap or _in_order_without_overlap(spans, layer.name):
            continue
        # Suggestions may overlap: a model's guess never displaces an annotator's span.
        ordered = sorted(
            (
                (start, end, s)
                for s in spans
                if s.layer == layer.name and not s.suggested
                for start, end in _pieces(s)
            ),
            key=lambda piece: (piece[0], piece[1]),
        )
        furthest: tuple[int, int, Span] | None = None
        for start, end, span in ordered:
            if furthest is not None and start < furthest[1] and furthest[2] is not span:
                other = furthest[2]
                yield (
                    f"spans {other.id!r} ({other.start}-{other.end}) and {span.id!r} "
                    f"({span.start}-{span.end}) overlap in layer {layer.name!r}, "
                    "which does not allow overlaps"
                )
            if furthest is None or end > furthest[1]:
                furthest = (start, end, span)


def _pieces(span: Span) -> tuple[tuple[int, int], ...]:
    """The pieces of ``span`` for the overlap check; its hull when its fragments are
    malformed (another problem names them)."""
    pieces = fragments_of(span)
    if span.fragments is None or all(
        isinstance(p, tuple | list) and len(p) == 2 and all(type(v) is int for v in p)
        for p in pieces
    ):
        return tuple((p[0], p[1]) for p in pieces)
    return ((span.start, span.end),)


def _in_order_without_overlap(spans: list[Span], layer: str) -> bool:
    """True when the accepted spans of ``layer`` come in text order, each starting at
    or after the end of the one before: then none overlap, found in one pass without
    sorting (imported sets are usually in that order). A discontinuous span takes the
    full check."""
    end = -1
    for span in spans:
        if span.layer == layer and not span.suggested:
            if (
                type(span.start) is not int
                or type(span.end) is not int
                or span.start < end
                or span.fragments is not None
            ):
                return False  # out of order, or overlapping: the full check says which
            end = span.end
    return True


def _relation_problems(
    aset: AnnotationSet, spans: dict[str, Span], scheme: Scheme
) -> Iterator[str]:
    seen = set()
    for rel in aset.relations:
        where = f"relation {rel.label} {rel.head!r} -> {rel.child!r}"
        kind = scheme.relation(rel.label)
        head, child = spans.get(rel.head), spans.get(rel.child)
        if kind is None:
            names = ", ".join(r.name for r in scheme.relations) or "none"
            yield f"{where}: relation {rel.label!r} is not in the scheme (relations: {names})"
            continue
        if head is None or child is None:
            missing = rel.head if head is None else rel.child
            yield f"{where}: span {missing!r} does not exist in this annotation set"
            continue
        if head.layer not in kind.head:
            allowed = ", ".join(kind.head)
            yield f"{where}: the head must be a span of {allowed}, not {head.layer!r}"
        if child.layer not in kind.child:
            allowed = ", ".join(kind.child)
            yield f"{where}: the child must be a span of {allowed}, not {child.layer!r}"
        if rel.head == rel.child:
            yield f"{where}: a span cannot be related to itself"
        if (rel.head, rel.child, rel.label) in seen:
            yield f"{where}: the same relation is given twice"
        seen.add((rel.head, rel.child, rel.label))


def _label_problems(aset: AnnotationSet, scheme: Scheme) -> Iterator[str]:
    for name, answer in aset.doc_labels.items():
        question = scheme.question(name)
        if question is None:
            names = ", ".join(q.name for q in scheme.questions) or "none"
            yield f"question {name!r} is not in the scheme (questions: {names})"
            continue
        values = answer if isinstance(answer, list) else [answer]
        if isinstance(answer, list) and not question.multi:
            yield f"question {name!r} takes one answer, got a list"
        for value in values:
            if value not in question.values:
                yield f"answer {value!r} to {name!r} is not one of {', '.join(question.values)}"
