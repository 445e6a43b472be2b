"""The annotation scheme: span layers, labels, attributes, relations and questions.

The scheme file is a public contract (DESIGN §4): :func:`Scheme.from_dict` reads it,
:meth:`Scheme.to_dict` writes it back in the same shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from annotator.core.errors import SchemeError

#: Colours given, in order, to labels that have none (ColorBrewer-like, readable on white).
PALETTE = (
    "#e6550d", "#3182bd", "#31a354", "#756bb1", "#de2d26", "#636363", "#d6616b",
    "#8c6d31", "#17becf", "#bcbd22", "#e377c2", "#9467bd", "#8c564b", "#1f77b4",
)  # fmt: skip

#: Keys the window keeps for its own commands while the text has focus: claimant (w),
#: cue (v), unattributed (0), attribute values (1-9) and the shortcuts sheet (?).
RESERVED_KEYS = frozenset("wv0123456789?")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class Label:
    """A label of a span layer, with its keyboard key and display colour."""

    name: str
    key: str | None = None
    color: str | None = None


@dataclass(frozen=True, slots=True)
class Attribute:
    """A closed-vocabulary attribute carried by the spans of a layer (e.g. stance)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SpanLayer:
    """A layer of spans; ``overlap`` says whether its spans may overlap each other."""

    name: str
    labels: tuple[Label, ...]
    overlap: bool = False
    attributes: tuple[Attribute, ...] = ()

    def label(self, name: str) -> Label | None:
        return next((lab for lab in self.labels if lab.name == name), None)

    def attribute(self, name: str) -> Attribute | None:
        return next((att for att in self.attributes if att.name == name), None)


@dataclass(frozen=True, slots=True)
class RelationType:
    """A relation from a span of one of the ``head`` layers to a span of one of the
    ``child`` layers (the scheme file names one layer or a list for each)."""

    name: str
    head: tuple[str, ...]
    child: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Question:
    """A document-level question with closed answers (``multi``: several answers allowed)."""

    name: str
    values: tuple[str, ...]
    multi: bool = False


@dataclass(frozen=True, slots=True)
class Scheme:
    """What can be annotated in a corpus. Immutable: changes return a new scheme."""

    language: str = "fr"
    target: str = ""
    span_layers: tuple[SpanLayer, ...] = ()
    relations: tuple[RelationType, ...] = ()
    questions: tuple[Question, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def layer(self, name: str) -> SpanLayer | None:
        return next((lay for lay in self.span_layers if lay.name == name), None)

    def relation(self, name: str) -> RelationType | None:
        return next((rel for rel in self.relations if rel.name == name), None)

    def question(self, name: str) -> Question | None:
        return next((q for q in self.questions if q.name == name), None)

    def color_of(self, layer: str, label: str) -> str:
        """The display colour of a label: its own, or one assigned from :data:`PALETTE`."""
        position = 0
        for lay in self.span_layers:
            for lab in lay.labels:
                if lay.name == layer and lab.name == label:
                    return lab.color or PALETTE[position % len(PALETTE)]
                position += 1
        return PALETTE[-1]

    def with_labels(self, additions: Mapping[str, Iterable[str]]) -> Scheme:
        """Return this scheme with new labels added to existing layers (``--extend-scheme``)."""
        layers = []
        for lay in self.span_layers:
            new = [n for n in dict.fromkeys(additions.get(lay.name, ())) if lay.label(n) is None]
            layers.append(replace(lay, labels=lay.labels + tuple(Label(n) for n in new)))
        unknown = set(additions) - {lay.name for lay in self.span_layers}
        for name in sorted(unknown):
            labels = tuple(Label(n) for n in dict.fromkeys(additions[name]))
            layers.append(SpanLayer(name=name, labels=labels, overlap=True))
        return replace(self, span_layers=tuple(layers))

    # -- the scheme file ---------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Any, source: str = "scheme") -> Scheme:
        """Read and check a scheme in the file format of DESIGN §4.

        Raises:
            SchemeError: naming ``source`` and the offending entry.
        """
        if not isinstance(data, Mapping):
            raise SchemeError(f"{source}: a scheme is a JSON object, got {type(data).__name__}")
        layers = tuple(
            _layer(item, f"{source}: span_layers[{i}]")
            for i, item in enumerate(_list(data, "span_layers", source))
        )
        relations = tuple(
            _relation(item, f"{source}: relations[{i}]")
            for i, item in enumerate(_list(data, "relations", source))
        )
        questions = tuple(
            _question(item, f"{source}: questions[{i}]")
            for i, item in enumerate(_list(data, "questions", source))
        )
        language = data.get("language", "fr")
        target = data.get("target", "")
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}|xx", language):
            raise SchemeError(f"{source}: 'language' must be a language code such as 'fr'")
        if not isinstance(target, str):
            raise SchemeError(f"{source}: 'target' must be a string")
        known = {"language", "target", "span_layers", "relations", "questions"}
        extra = {k: v for k, v in data.items() if k not in known}
        scheme = cls(language, target, layers, relations, questions, extra)
        scheme.check(source)
        return scheme

    def to_dict(self) -> dict[str, Any]:
        """The scheme in the file format of DESIGN §4 (what :meth:`from_dict` reads)."""
        layers: list[dict[str, Any]] = []
        for lay in self.span_layers:
            entry: dict[str, Any] = {"name": lay.name, "overlap": lay.overlap, "labels": []}
            for lab in lay.labels:
                item: dict[str, Any] = {"name": lab.name}
                if lab.key:
                    item["key"] = lab.key
                if lab.color:
                    item["color"] = lab.color
                entry["labels"].append(item)
            if lay.attributes:
                entry["attributes"] = [
                    {"name": a.name, "values": list(a.values)} for a in lay.attributes
                ]
            layers.append(entry)
        return {
            "language": self.language,
            "target": self.target,
            "span_layers": layers,
            "relations": [
                {"name": r.name, "head": _layers_entry(r.head), "child": list(r.child)}
                for r in self.relations
            ],
            "questions": [
                {"name": q.name, "values": list(q.values), "multi": q.multi} for q in self.questions
            ],
            **self.extra,
        }

    def _names(self) -> Iterator[tuple[str, str]]:
        """``(what, name)`` for every name the scheme file holds (``--extend-scheme`` adds
        names from imported data, which must obey the same rule as the file)."""
        for lay in self.span_layers:
            yield "layer", lay.name
            yield from (("label", lab.name) for lab in lay.labels)
            yield from (("attribute", att.name) for att in lay.attributes)
        yield from (("relation", rel.name) for rel in self.relations)
        yield from (("question", q.name) for q in self.questions)

    def check(self, source: str = "scheme") -> None:
        """Check cross-references: unique names and keys, relation layers that exist."""
        for what, name in self._names():
            if not _NAME.match(name):
                raise SchemeError(
                    f"{source}: {what} name {name!r} is not usable: names are letters, digits, "
                    "'_', '-' or '.', starting with a letter or '_'; rename it in the data"
                )
        _unique([lay.name for lay in self.span_layers], f"{source}: span layer")
        _unique([r.name for r in self.relations], f"{source}: relation")
        _unique([q.name for q in self.questions], f"{source}: question")
        keys: dict[str, str] = {}
        for lay in self.span_layers:
            _unique([lab.name for lab in lay.labels], f"{source}: label of layer '{lay.name}'")
            for lab in lay.labels:
                if lab.key is None:
                    continue
                if lab.key in RESERVED_KEYS:
                    raise SchemeError(
                        f"{source}: key '{lab.key}' of {lay.name}/{lab.name} is kept for the "
                        f"window's own commands ({' '.join(sorted(RESERVED_KEYS))}); choose another"
                    )
                if lab.key in keys:
                    raise SchemeError(
                        f"{source}: key '{lab.key}' is used by both {keys[lab.key]} and "
                        f"{lay.name}/{lab.name}; give each label its own key"
                    )
                keys[lab.key] = f"{lay.name}/{lab.name}"
        names = {lay.name for lay in self.span_layers}
        for rel in self.relations:
            for end in (*rel.head, *rel.child):
                if end not in names:
                    raise SchemeError(
                        f"{source}: relation '{rel.name}' refers to layer '{end}', which the "
                        f"scheme does not define (layers: {', '.join(sorted(names)) or 'none'})"
                    )


def _list(data: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise SchemeError(f"{source}: '{key}' must be a list")
    return value


def _name(item: Any, where: str) -> str:
    if not isinstance(item, Mapping):
        raise SchemeError(f"{where}: expected an object with a 'name'")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SchemeError(
            f"{where}: 'name' must be a word of letters, digits, '_', '-' or '.', got {name!r}"
        )
    return name


def _values(item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    values = item.get("values")
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v for v in values)
    ):
        raise SchemeError(f"{where}: 'values' must be a non-empty list of strings")
    _unique(values, f"{where}: value")
    return tuple(values)


def _layer(item: Any, where: str) -> SpanLayer:
    name = _name(item, where)
    labels = []
    raw_labels = item.get("labels", [])
    if not isinstance(raw_labels, list):
        raise SchemeError(f"{where}: 'labels' must be a list")
    for j, raw in enumerate(raw_labels):
        if isinstance(raw, str):
            raw = {"name": raw}
        lwhere = f"{where}.labels[{j}]"
        lname = _name(raw, lwhere)
        key, color = raw.get("key"), raw.get("color")
        if key is not None and (not isinstance(key, str) or len(key) != 1 or not key.isprintable()):
            raise SchemeError(f"{lwhere}: 'key' must be a single printable character")
        if color is not None and (not isinstance(color, str) or not _COLOR.match(color)):
            raise SchemeError(f"{lwhere}: 'color' must look like '#1f77b4'")
        labels.append(Label(lname, key, color))
    attributes = tuple(
        Attribute(_name(raw, f"{where}.attributes[{j}]"), _values(raw, f"{where}.attributes[{j}]"))
        for j, raw in enumerate(item.get("attributes", []) or [])
    )
    overlap = item.get("overlap", False)
    if not isinstance(overlap, bool):
        raise SchemeError(f"{where}: 'overlap' must be true or false")
    return SpanLayer(name, tuple(labels), overlap, attributes)


def _relation(item: Any, where: str) -> RelationType:
    name = _name(item, where)
    head, child = item.get("head"), item.get("child")
    if isinstance(head, str):
        head = [head]
    if isinstance(child, str):
        child = [child]
    if not isinstance(head, list) or not head or not isinstance(child, list) or not child:
        raise SchemeError(
            f"{where}: needs 'head' and 'child', each a layer or a non-empty list of layers"
        )
    for key, ends in (("head", head), ("child", child)):
        if not all(isinstance(end, str) for end in ends):
            raise SchemeError(f"{where}: '{key}' must name layers")
        _unique(ends, f"{where}: {key} layer")
    return RelationType(name, tuple(head), tuple(child))


def _layers_entry(layers: tuple[str, ...]) -> str | list[str]:
    """A relation's head layers as the scheme file writes them: one name, or a list."""
    return layers[0] if len(layers) == 1 else list(layers)


def _question(item: Any, where: str) -> Question:
    name = _name(item, where)
    multi = item.get("multi", False)
    if not isinstance(multi, bool):
        raise SchemeError(f"{where}: 'multi' must be true or false")
    return Question(name, _values(item, where), multi)


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SchemeError(f"{what} '{name}' is defined twice")
        seen.add(name)
