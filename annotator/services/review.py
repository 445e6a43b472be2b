"""What annotators of one document agree and disagree on, as reviewable items.

Spans of a layer are grouped into clusters of overlapping spans across annotators; each
cluster is an item whose versions are the annotators' spans in it (bounds and labels).
Attributes (the claim's stance), links (claimant, cue), the actor a span is linked to
(the registry's, issue 23) and document answers are items of their own. An item is
agreed when every annotator gives the same version; auto adjudication copies agreed
items into gold, and a lead decides the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotator.core.actors import Actor, resolve
from annotator.core.fragments import fragment_key, span_text
from annotator.core.model import GOLD, AnnotationSet, Document, Fragments, Span
from annotator.core.scheme import Scheme

ABSENT = "(nothing)"


@dataclass(frozen=True, slots=True)
class Version:
    """One way an item was annotated, and by whom."""

    annotators: tuple[str, ...]
    spans: tuple[Span, ...] = ()  # span items: the spans of the first annotator listed
    value: str | None = None  # attribute, link and question items: the value given
    shown: str | None = None  # how the value reads (a link: its target's text)

    def describe(self, text: str, others: tuple[Version, ...] = ()) -> str:
        """The version as a reviewer reads it. Given the item's ``others`` versions, the
        text of each span is cut where the versions differ, so that differing ends show
        (two claims of 70 and 68 characters no longer read the same)."""
        if self.spans:
            return "; ".join(
                f"{s.label} «{extent_text(text, s, _other_spans(others, self, s))}»"
                for s in self.spans
            )
        if self.shown is not None:
            return self.shown
        return self.value if self.value is not None else ABSENT


def extent_text(text: str, span: Span, others: list[Span], room: int = 40) -> str:
    """``span``'s text, shortened in its middle only: its start and end are kept whole
    when they differ from those of ``others`` (the overlapping spans of other versions),
    with ``[`` and ``]`` marking an edge no other version shares."""
    words = " ".join(span_text(span, text).split())
    opens = "[" if others and all(o.start != span.start for o in others) else ""
    closes = "]" if others and all(o.end != span.end for o in others) else ""
    if len(words) > room:
        head = max(room // 2, 12)
        words = words[:head].rstrip() + " … " + words[-(room - head) :].lstrip()
    return f"{opens}{words}{closes}"


def _other_spans(others: tuple[Version, ...], mine: Version, span: Span) -> list[Span]:
    return [
        o
        for version in others
        if version is not mine
        for o in version.spans
        if o.layer == span.layer and o.start < span.end and span.start < o.end
    ]


@dataclass(frozen=True, slots=True)
class Item:
    """A reviewable unit of a document. ``key`` is stable across runs."""

    key: str
    kind: str  # span | attribute | actor | link | question
    layer: str | None
    start: int
    end: int
    versions: tuple[Version, ...]
    detail: str = ""  # attribute name, relation label or question name

    @property
    def agreed(self) -> bool:
        return len(self.versions) == 1

    def what(self) -> str:
        """What differs, as a reviewer reads it: label, boundary, missing, or the detail."""
        if self.agreed:
            return "agreed"
        if self.kind != "span":
            return f"{self.kind} {self.detail}".strip()
        present = [v for v in self.versions if v.spans]
        if len(present) < len(self.versions):
            return "missing"
        bounds = {tuple((s.start, s.end) for s in v.spans) for v in present}
        return "label" if len(bounds) == 1 else "boundary"


def reviewers(document: Document) -> list[str]:
    """The annotators whose work is reviewed (everyone but gold), by name."""
    return sorted(a.annotator for a in document.annotations if a.annotator != GOLD)


def items(
    document: Document, scheme: Scheme, actors: Mapping[str, Actor] | None = None
) -> list[Item]:
    """Every item of ``document`` over its non-gold annotation sets, in text order.

    ``actors``: the corpus's registry, so that an actor item names its actors (and
    follows their merges); without it, actors are shown by id."""
    sets = [a for a in document.annotations if a.annotator != GOLD]
    sets.sort(key=lambda a: a.annotator)
    if len(sets) < 1:
        return []
    found: list[Item] = []
    clusters = _clusters(sets, scheme)
    for layer, start, end, members in clusters:
        found.append(_span_item(layer, start, end, members, sets))
        found.extend(_attribute_items(layer, start, end, members, sets, scheme))
        found.extend(_actor_items(layer, start, end, members, sets, actors or {}))
        found.extend(_link_items(document.text, layer, start, end, members, sets, scheme, clusters))
    for question in scheme.questions:
        answers = {a.annotator: a.doc_labels.get(question.name) for a in sets}
        if all(v is None for v in answers.values()):
            continue
        found.append(
            Item(
                f"question:{question.name}",
                "question",
                None,
                -1,
                -1,
                _group({n: _answer_text(v) for n, v in answers.items()}),
                question.name,
            )
        )
    # A span before its attributes and links (deciding those needs the span in gold
    # first), questions last.
    found.sort(key=lambda i: (i.start < 0, i.start, -i.end, _KIND_ORDER[i.kind], i.key))
    return found


Member = dict[str, list[Span]]
_KIND_ORDER = {"span": 0, "attribute": 1, "actor": 2, "link": 3, "question": 4}


def _accepted(aset: AnnotationSet) -> list[Span]:
    return [s for s in aset.spans if not s.suggested]


def _clusters(sets: list[AnnotationSet], scheme: Scheme) -> list[tuple[str, int, int, Member]]:
    """Connected groups of overlapping spans of one layer, across annotators."""
    result = []
    for layer in scheme.span_layers:
        spans = sorted(
            ((s, a.annotator) for a in sets for s in _accepted(a) if s.layer == layer.name),
            key=lambda pair: (pair[0].start, pair[0].end),
        )
        current: Member = {}
        start = end = -1
        for span, annotator in spans:
            if current and span.start >= end:
                result.append((layer.name, start, end, current))
                current = {}
            if not current:
                start, end = span.start, span.end
            current.setdefault(annotator, []).append(span)
            end = max(end, span.end)
        if current:
            result.append((layer.name, start, end, current))
    return result


def _group(values: dict[str, str]) -> tuple[Version, ...]:
    by_value: dict[str, list[str]] = {}
    for annotator, value in values.items():
        by_value.setdefault(value, []).append(annotator)
    return tuple(Version(tuple(names), value=value) for value, names in by_value.items())


def _span_item(
    layer: str, start: int, end: int, members: Member, sets: list[AnnotationSet]
) -> Item:
    versions: dict[tuple[tuple[Fragments, str], ...], list[str]] = {}
    spans_of: dict[tuple[tuple[Fragments, str], ...], tuple[Span, ...]] = {}
    for aset in sets:
        mine = sorted(members.get(aset.annotator, []), key=lambda s: (s.start, s.end, s.label))
        # A span in pieces differs from one with the same ends and other pieces.
        signature = tuple((fragment_key(s), s.label) for s in mine)
        versions.setdefault(signature, []).append(aset.annotator)
        spans_of.setdefault(signature, tuple(mine))
    return Item(
        f"span:{layer}:{start}-{end}",
        "span",
        layer,
        start,
        end,
        tuple(Version(tuple(names), spans_of[sig]) for sig, names in versions.items()),
    )


def _attribute_items(
    layer: str,
    start: int,
    end: int,
    members: Member,
    sets: list[AnnotationSet],
    scheme: Scheme,
) -> Iterable[Item]:
    """Attributes compared where every annotator has exactly one span in the cluster."""
    layer_def = scheme.layer(layer)
    if layer_def is None or not layer_def.attributes:
        return
    if any(len(members.get(a.annotator, [])) != 1 for a in sets):
        return
    for attribute in layer_def.attributes:
        values = {a.annotator: members[a.annotator][0].attrs.get(attribute.name) for a in sets}
        if all(v is None for v in values.values()):
            continue
        yield Item(
            f"attribute:{attribute.name}:{layer}:{start}-{end}",
            "attribute",
            layer,
            start,
            end,
            _group({n: ABSENT if v is None else str(v) for n, v in values.items()}),
            attribute.name,
        )


def _actor_items(
    layer: str,
    start: int,
    end: int,
    members: Member,
    sets: list[AnnotationSet],
    registry: Mapping[str, Actor],
) -> Iterable[Item]:
    """The actor the cluster's span is linked to, compared where every annotator has
    exactly one span in the cluster and one at least links it (a link on one side only
    is a disagreement, as agreement counts it)."""
    if any(len(members.get(a.annotator, [])) != 1 for a in sets):
        return
    values = {
        a.annotator: actor_of(a, members[a.annotator][0].id, registry) or ABSENT for a in sets
    }
    if all(v == ABSENT for v in values.values()):
        return
    yield Item(
        f"actor:{layer}:{start}-{end}",
        "actor",
        layer,
        start,
        end,
        tuple(
            Version(v.annotators, value=v.value, shown=_actor_shown(v.value, registry))
            for v in _group(values)
        ),
    )


def actor_of(aset: AnnotationSet, span_id: str, registry: Mapping[str, Actor]) -> str | None:
    """The actor ``span_id`` is linked to in ``aset``, followed through the lead's merges."""
    actor_id = aset.actor_links.get(span_id)
    return resolve(actor_id, registry) if actor_id is not None else None


def _actor_shown(value: str | None, registry: Mapping[str, Actor]) -> str | None:
    if value is None or value == ABSENT:
        return None
    actor = registry.get(value)
    return f"{actor.name} ({actor.kind})" if actor is not None else value


def _link_items(
    text: str,
    layer: str,
    start: int,
    end: int,
    members: Member,
    sets: list[AnnotationSet],
    scheme: Scheme,
    clusters: list[tuple[str, int, int, Member]],
) -> Iterable[Item]:
    """Links from the cluster's span (claimant, cue) compared by the linked span's bounds."""
    relations = [r for r in scheme.relations if layer in r.head]
    if not relations or any(len(members.get(a.annotator, [])) != 1 for a in sets):
        return
    for relation in relations:
        values = {}
        shown: dict[str, str] = {}
        for aset in sets:
            head = members[aset.annotator][0]
            spans = {s.id: s for s in aset.spans}
            children = [
                spans[r.child]
                for r in aset.relations
                if r.head == head.id and r.label == relation.name and r.child in spans
            ]
            if children:
                ordered = sorted(children, key=lambda c: c.start)
                value = "; ".join(f"{c.layer}:{c.start}-{c.end}" for c in ordered)
                values[aset.annotator] = value
                shown[value] = "; ".join(_quoted(text, c) for c in ordered)
            elif head.attrs.get("attribution") == "UNATTRIBUTED" and relation.name == "CLAIMANT":
                values[aset.annotator] = "unattributed"
            else:
                values[aset.annotator] = ABSENT
        if all(v == ABSENT for v in values.values()):
            continue
        yield Item(
            f"link:{relation.name}:{layer}:{start}-{end}",
            "link",
            layer,
            start,
            end,
            tuple(
                Version(v.annotators, value=v.value, shown=shown.get(v.value or ""))
                for v in _group(values)
            ),
            relation.name,
        )


def _quoted(text: str, span: Span) -> str:
    """A linked span named by its text (never by offsets), with its layer."""
    words = " ".join(span_text(span, text).split())
    if len(words) > 40:
        words = words[:39] + "…"
    return f"«{words}» ({span.layer})"


def _answer_text(answer: str | list[str] | None) -> str:
    if answer is None:
        return ABSENT
    return ", ".join(answer) if isinstance(answer, list) else answer
