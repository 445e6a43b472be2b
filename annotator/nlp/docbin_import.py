"""Documents from a spaCy ``DocBin`` (``.spacy`` file): ours back as they were, others mapped.

A ``Doc`` that this application exported carries its annotation set in ``user_data``
(:mod:`annotator.nlp.user_data`): it comes back exactly, and the examples of one
document (``--from all``) become one document with all its sets again. A DocBin edited
after the export (its ``doc.ents``, ``doc.spans`` or ``doc.cats`` changed by a script or
another tool) comes back as edited: :mod:`annotator.nlp.docbin_edits` says how, and the
import warns how many documents differed.

A ``Doc`` written by other code becomes a document whose id is ``doc-`` and 16 hex
digits of its text's SHA-256 (``-2``, ``-3``... for repeated texts in one file), with one
annotation set (status ``done``, by ``--annotator NAME``, else ``spacy``, as the other
importers name the tool) holding:

- its entities as spans of the layer ``entity``;
- each span group as spans of the layer named by its key (a span equal to an entity of
  the same layer is not repeated);
- its cats scored 0.5 or more as answers: a cat ``question:value`` answers ``question``;
  a bare cat answers the scheme question that has it among its values, if exactly one
  does; any other bare cat becomes an answer to a question named ``cats``. Unknown
  layers, labels and questions then follow the usual rule: an error naming the file
  and document ("doc N", counted from 1), unless ``--extend-scheme``.

Span groups are layers like any other: Prodigy's ``data-to-spacy`` writes the
suggestions an annotator rejected as the group ``incorrect_spans``, which becomes a
layer ``incorrect_spans`` of accepted spans (with ``--extend-scheme``), so that nothing
is lost; delete that layer in the scheme editor if it is not wanted.

A DocBin is zlib-compressed msgpack. It is inflated in chunks, and refused as soon as it
would unpack to more than :func:`unpack_limit` bytes (a small file that inflates to
gigabytes is refused within a few seconds and little memory).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Span, text_sha256
from annotator.core.scheme import Scheme
from annotator.nlp import user_data

FOREIGN_CATS: Final = "cats"
DEFAULT_ANNOTATOR: Final = "spacy"
DOC: Final = "doc"
"""What error locations count in a DocBin ("doc 3")."""
MIN_UNPACK_LIMIT: Final = 256 * 1024**2
MAX_UNPACK_LIMIT: Final = 4 * 1024**3
UNPACK_RATIO: Final = 100
"""DocBins compress 3 to 30 times; a file inflating more than this is refused."""
CHUNK: Final = 16 * 1024**2


def unpack_limit(size: int) -> int:
    """The most a DocBin of ``size`` compressed bytes may unpack to."""
    return min(MAX_UNPACK_LIMIT, max(MIN_UNPACK_LIMIT, UNPACK_RATIO * size))


def documents_from_docbin(
    data: bytes,
    source: str,
    annotator: str | None,
    scheme: Scheme | None,
    warnings: list[str] | None = None,
    language: str | None = None,
) -> list[tuple[Document, int]]:
    """The documents in a DocBin's bytes, each with the 1-based number of its first Doc.

    Args:
        warnings: receives what the caller must tell (documents edited after export).
        language: ``--lang``; a foreign Doc's ``meta.lang`` is that, else the language
            of the Doc's vocab when it has one, else the scheme's.

    Raises:
        InputError: the bytes are not a DocBin, or a payload is damaged.
    """
    from annotator.nlp.docbin_edits import visible_set

    docs = _docs(data, source)
    edited: list[int] = []
    found: dict[str, Document] = {}
    first_doc: dict[str, int] = {}
    repeats: dict[str, int] = {}
    for number, doc in enumerate(docs, start=1):
        if user_data.KEY in doc.user_data:
            document, stored = _ours(doc, source, number)
            aset = visible_set(doc, stored, scheme)
            if aset != stored:
                edited.append(number)
            known = found.get(document.id)
            if known is None:
                found[document.id], first_doc[document.id] = document, number
                known = document
            else:  # another annotator's example: the registry entries its links name too
                have = {actor.id for actor in known.actors}
                known.actors += [a for a in document.actors if a.id not in have]
            if known.text != document.text:
                raise InputError(
                    source,
                    f"document {document.id!r} appears with two different texts",
                    number,
                    DOC,
                )
            if known.annotation_set(aset.annotator) is not None:
                raise InputError(
                    source,
                    f"document {document.id!r} has two examples by {aset.annotator!r}",
                    number,
                    DOC,
                )
            known.annotations.append(aset)
        else:
            document = _foreign(doc, source, number, annotator, scheme, repeats, language)
            found[document.id], first_doc[document.id] = document, number
    if edited and warnings is not None:
        shown = ", ".join(str(n) for n in edited[:10]) + (", ..." if len(edited) > 10 else "")
        warnings.append(
            f"{source}: {len(edited)} docs differ from the annotations stored with them "
            f"(edited after the export; docs {shown}): their visible entities, span groups "
            "and cats were imported"
        )
    return [(document, first_doc[doc_id]) for doc_id, document in found.items()]


def _docs(data: bytes, source: str) -> list[Any]:
    from spacy.vocab import Vocab

    from annotator.nlp.msgpack_cache import entry_points_cached

    raw = _inflate(data, source)
    try:
        with entry_points_cached():
            return list(_docbin(raw).get_docs(Vocab()))
    except Exception as error:  # a damaged file can fail anywhere inside spaCy
        raise InputError(
            source, f"not a readable spaCy DocBin ({type(error).__name__}: {error})"
        ) from None


def _inflate(data: bytes, source: str) -> bytearray:
    """The unpacked bytes of a DocBin, read in chunks up to :func:`unpack_limit`."""
    limit = unpack_limit(len(data))
    unpacker = zlib.decompressobj()
    unpacked = bytearray()  # grown in place: joining parts would hold the data twice
    pending = data
    try:
        while True:
            part = unpacker.decompress(pending, CHUNK)
            if len(unpacked) + len(part) > limit:
                raise InputError(
                    source,
                    f"unpacks to more than {limit} bytes ({UNPACK_RATIO} times its size, at "
                    f"least {MIN_UNPACK_LIMIT}); refused as a likely decompression bomb",
                )
            unpacked += part
            pending = unpacker.unconsumed_tail
            if not pending and (unpacker.eof or not part):
                break
        unpacked += unpacker.flush()
    except zlib.error as error:
        raise InputError(source, f"not a spaCy DocBin (zlib: {error})") from None
    if not unpacker.eof:
        raise InputError(source, "not a readable spaCy DocBin (the data is truncated)")
    return unpacked


def _docbin(raw: bytearray) -> Any:
    """A ``DocBin`` from its unpacked msgpack bytes: ``DocBin.from_bytes`` without its
    own ``zlib.decompress``, which would inflate the data again, without a limit."""
    import numpy
    import srsly
    from spacy.tokens import DocBin
    from thinc.api import NumpyOps

    msg = srsly.msgpack_loads(raw)
    docbin = DocBin()
    docbin.attrs = msg["attrs"]
    docbin.strings = set(msg["strings"])
    lengths = numpy.frombuffer(msg["lengths"], dtype="int32")
    flat_spaces = numpy.frombuffer(msg["spaces"], dtype=bool)
    flat_tokens = numpy.frombuffer(msg["tokens"], dtype="uint64")
    flat_tokens = flat_tokens.reshape((flat_tokens.size // len(docbin.attrs), len(docbin.attrs)))
    flat_spaces = flat_spaces.reshape((flat_spaces.size, 1))
    docbin.tokens = NumpyOps().unflatten(flat_tokens, lengths)
    docbin.spaces = NumpyOps().unflatten(flat_spaces, lengths)
    docbin.cats = msg["cats"]
    docbin.span_groups = msg.get("span_groups", [b"" for _ in lengths])
    docbin.flags = msg.get("flags", [{} for _ in lengths])
    docbin.user_data = list(msg["user_data"]) if "user_data" in msg else [None] * len(lengths)
    return docbin


def _ours(doc: Any, source: str, number: int) -> tuple[Document, AnnotationSet]:
    try:
        return user_data.decode(doc.user_data[user_data.KEY], doc.text)
    except user_data.PayloadError as error:
        raise InputError(source, str(error), number, DOC) from None


def _foreign(
    doc: Any,
    source: str,
    number: int,
    annotator: str | None,
    scheme: Scheme | None,
    repeats: dict[str, int],
    language: str | None,
) -> Document:
    text = doc.text
    doc_id = f"doc-{text_sha256(text)[:16]}"
    repeats[doc_id] = repeats.get(doc_id, 0) + 1
    if repeats[doc_id] > 1:
        doc_id = f"{doc_id}-{repeats[doc_id]}"
    spans: list[Span] = []
    seen: set[tuple[str, int, int, str]] = set()
    groups = [("entity", doc.ents), *doc.spans.items()]
    for layer, group in groups:
        for token_span in group:
            key = (layer, token_span.start_char, token_span.end_char, token_span.label_)
            if key in seen:
                continue
            if not token_span.label_:
                raise InputError(source, f"a span of {layer!r} has no label", number, DOC)
            seen.add(key)
            spans.append(Span(f"s{len(spans) + 1}", *key))
    labels = _answers(doc.cats, scheme)
    lang = language or doc.lang_ or (scheme.language if scheme is not None else None)
    meta: dict[str, Any] = {"source": source.rsplit("/", 1)[-1]}
    if lang:
        meta["lang"] = lang
    document = Document(doc_id, text, meta)
    if not spans and not labels:
        return document
    name = annotator or DEFAULT_ANNOTATOR
    document.annotations.append(AnnotationSet(name, "done", spans, [], labels))
    return document


def _answers(cats: dict[str, float], scheme: Scheme | None) -> dict[str, str | list[str]]:
    chosen: dict[str, list[str]] = {}
    for name, score in cats.items():
        if score >= 0.5:
            question, value = _question_of(name, scheme)
            chosen.setdefault(question, []).append(value)
    answers: dict[str, str | list[str]] = {}
    for name, values in chosen.items():
        known = scheme.question(name) if scheme is not None else None
        multi = known.multi if known is not None else name == FOREIGN_CATS
        answers[name] = values if multi or len(values) > 1 else values[0]
    return answers


def _question_of(cat: str, scheme: Scheme | None) -> tuple[str, str]:
    question, colon, value = cat.partition(":")
    if colon and question and value:
        return question, value
    questions = [q.name for q in scheme.questions if cat in q.values] if scheme else []
    return (questions[0], cat) if len(questions) == 1 else (FOREIGN_CATS, cat)
