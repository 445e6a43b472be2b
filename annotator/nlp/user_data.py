"""The full annotation of one example, kept in ``doc.user_data`` so a DocBin imports back.

An exported ``Doc`` carries ``user_data["annotator"]``::

    {"format": 1,
     "document": {"id": "tiktok-oracle", "meta": {...}, "text_sha256": "..."},
     "set": {"annotator": "alice", "status": "done", "guideline_version": null,
             "created_at": "...", "updated_at": "...",
             "spans": [{"id", "layer", "start", "end", "label", "attrs", "origin", "state"}],
             "relations": [{"head", "child", "label"}],
             "doc_labels": {"stance": "AGAINST"},
             "actor_links": {"e3": "act-tiktok"}},
     "actors": [{"id", "name", "kind", "aliases", "kb_id", "created_by", "merged_into"}]}

``actor_links`` and ``actors`` (the registry entries the links name) are there only when
the set links a span to an actor (issue 23): a DocBin imported into another corpus brings
its actors along, as the native JSONL does.

The shapes are those of the native JSONL format (DESIGN §4). msgpack gives lists back as
tuples (``DocBin`` reads ``user_data`` with ``use_list=False``); :func:`decode` accepts both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from annotator.core.actors import Actor, actor_to_json, check_actor
from annotator.core.model import STATUSES, AnnotationSet, Document, Fragments, Relation, Span

KEY: Final = "annotator"
FORMAT: Final = 1
MAX_DEPTH: Final = 100
"""Deepest nesting of metadata and attributes read back (as the JSON readers allow)."""


class PayloadError(ValueError):
    """``user_data["annotator"]`` is not what this version writes (message says what)."""


def encode(document: Document, aset: AnnotationSet) -> dict[str, Any]:
    """The payload for ``aset`` on ``document`` (suggestions already filtered by the caller;
    the registry entries its actor links name in ``document.actors``)."""
    payload: dict[str, Any] = {
        "format": FORMAT,
        "document": {
            "id": document.id,
            "meta": document.meta,
            "text_sha256": document.text_sha256,
        },
        "set": {
            "annotator": aset.annotator,
            "status": aset.status,
            "guideline_version": aset.guideline_version,
            "created_at": aset.created_at,
            "updated_at": aset.updated_at,
            "spans": [_span_item(s) for s in aset.spans],
            "relations": [
                {"head": r.head, "child": r.child, "label": r.label} for r in aset.relations
            ],
            "doc_labels": dict(aset.doc_labels),
        },
    }
    span_ids = {span.id for span in aset.spans}
    links = {s: a for s, a in aset.actor_links.items() if s in span_ids}
    if links:
        payload["set"]["actor_links"] = links
        payload["actors"] = [actor_to_json(actor) for actor in document.actors]
    return payload


def _span_item(span: Span) -> dict[str, Any]:
    item = {
        "id": span.id,
        "layer": span.layer,
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "attrs": dict(span.attrs),
        "origin": span.origin,
        "state": span.state,
    }
    if span.fragments is not None:
        item["fragments"] = [[start, end] for start, end in span.fragments]
    return item


def decode(payload: Any, text: str) -> tuple[Document, AnnotationSet]:
    """The document (without annotations) and the set a payload describes.

    Raises:
        PayloadError: a malformed payload, or one written for another text.
    """
    root = _mapping(payload, "user_data")
    if root.get("format") != FORMAT:
        raise PayloadError(f"user_data format {root.get('format')!r} is not {FORMAT}")
    doc = _mapping(root.get("document"), "document")
    document = Document(
        _string(doc.get("id"), "document id"),
        text,
        _plain(_mapping(doc.get("meta", {}), "document meta")),
    )
    if doc.get("text_sha256") != document.text_sha256:
        raise PayloadError(
            f"the text of document {document.id!r} differs from the one it was exported "
            "with (text_sha256 mismatch)"
        )
    raw = _mapping(root.get("set"), "set")
    status = _string(raw.get("status"), "status")
    if status not in STATUSES:
        raise PayloadError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    version = raw.get("guideline_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise PayloadError("guideline_version must be an integer")
    aset = AnnotationSet(
        _string(raw.get("annotator"), "annotator"),
        status,
        [_span(item) for item in _sequence(raw.get("spans", ()), "spans")],
        [_relation(item) for item in _sequence(raw.get("relations", ()), "relations")],
        _doc_labels(raw.get("doc_labels", {})),
        version,
        _optional_string(raw.get("created_at"), "created_at"),
        _optional_string(raw.get("updated_at"), "updated_at"),
    )
    aset.actor_links = _actor_links(raw.get("actor_links", {}), {s.id for s in aset.spans})
    document.actors = [_actor(item) for item in _sequence(root.get("actors", ()), "actors")]
    return document, aset


def _actor_links(value: Any, span_ids: set[str]) -> dict[str, str]:
    links = {
        _string(span_id, "actor_links key"): _string(actor_id, "actor id")
        for span_id, actor_id in _mapping(value, "actor_links").items()
    }
    unknown = sorted(set(links) - span_ids)
    if unknown:
        raise PayloadError(f"actor_links names span {unknown[0]!r}, which the set does not have")
    return links


def _actor(item: Any) -> Actor:
    fields = _mapping(item, "actor")
    aliases = _sequence(fields.get("aliases", ()), "actor aliases")
    actor = Actor(
        _string(fields.get("id"), "actor id"),
        _string(fields.get("name"), "actor name"),
        _string(fields.get("kind", "organisation"), "actor kind"),
        tuple(_string(alias, "actor alias") for alias in aliases),
        _optional_string(fields.get("kb_id"), "actor kb_id"),
        fields.get("created_by") or "",
        _optional_string(fields.get("merged_into"), "actor merged_into"),
    )
    problems = check_actor(actor)
    if not isinstance(actor.created_by, str):
        problems.insert(0, f"actor {actor.id!r}: created_by must be a string")
    if problems:
        raise PayloadError(problems[0])
    return actor


def _span(item: Any) -> Span:
    raw = _mapping(item, "span")
    start, end = raw.get("start"), raw.get("end")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise PayloadError(f"span {raw.get('id')!r}: start and end must be integers")
    assert isinstance(start, int) and isinstance(end, int)
    return Span(
        _string(raw.get("id"), "span id"),
        _string(raw.get("layer"), "span layer"),
        start,
        end,
        _string(raw.get("label"), "span label"),
        _plain(_mapping(raw.get("attrs", {}), "span attrs")),
        _string(raw.get("origin", "import"), "span origin"),
        _string(raw.get("state", "accepted"), "span state"),
        _fragments(raw.get("fragments"), raw.get("id")),
    )


def _fragments(value: Any, span_id: Any) -> Fragments | None:
    """A span's ``fragments`` (absent for an ordinary span); the core checks their order."""
    if value is None:
        return None
    pieces = _sequence(value, f"span {span_id!r} fragments")
    if not all(
        isinstance(p, list | tuple)
        and len(p) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in p)
        for p in pieces
    ):
        raise PayloadError(f"span {span_id!r}: fragments must be [start, end] pairs")
    return tuple((int(p[0]), int(p[1])) for p in pieces)


def _relation(item: Any) -> Relation:
    raw = _mapping(item, "relation")
    return Relation(
        _string(raw.get("head"), "relation head"),
        _string(raw.get("child"), "relation child"),
        _string(raw.get("label"), "relation label"),
    )


def _doc_labels(value: Any) -> dict[str, str | list[str]]:
    labels: dict[str, str | list[str]] = {}
    for question, answer in _mapping(value, "doc_labels").items():
        if isinstance(answer, str):
            labels[_string(question, "question")] = answer
        else:
            labels[_string(question, "question")] = [
                _string(a, f"answer to {question!r}") for a in _sequence(answer, "answers")
            ]
    return labels


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn msgpack's tuples back into the lists JSON (and the corpus) holds; refuse
    values nested deeper than :data:`MAX_DEPTH` (they would exhaust the recursion)."""
    if depth > MAX_DEPTH:
        raise PayloadError(f"a value is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, Mapping):
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    return value


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise PayloadError(f"{what} must be a mapping with string keys")
    return value


def _sequence(value: Any, what: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise PayloadError(f"{what} must be a list")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _optional_string(value: Any, what: str) -> str | None:
    return None if value is None else _string(value, what)
