"""Documents from a spaCy ``DocBin`` (``.spacy`` file): ours back as they were, others mapped.

A ``Doc`` that this application exported carries its annotation set in ``user_data``
(:mod:`annotator.nlp.user_data`): it comes back exactly, and the examples of one
document (``--from all``) become one document with all its sets again.

A ``Doc`` written by other code becomes a document whose id is ``doc-`` and 16 hex
digits of its text's SHA-256 (``-2``, ``-3``... for repeated texts in one file), with one
annotation set (status ``done``, by ``--annotator NAME``) holding:

- its entities as spans of the layer ``entity``;
- each span group as spans of the layer named by its key (a span equal to an entity of
  the same layer is not repeated);
- its cats scored 0.5 or more as answers: a cat ``question:value`` answers ``question``;
  a bare cat answers the scheme question that has it among its values, if exactly one
  does; any other bare cat becomes an answer to a question named ``cats``. Unknown
  layers, labels and questions then follow the usual rule: an error naming the file
  and document, unless ``--extend-scheme``.
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from annotator.core.errors import InputError
from annotator.core.model import AnnotationSet, Document, Span, text_sha256
from annotator.core.scheme import Scheme
from annotator.nlp import user_data

FOREIGN_CATS: Final = "cats"
MAX_UNPACKED_BYTES: Final = 4 * 1024**3
"""A DocBin is zlib-compressed; refuse one that would unpack to more than this."""


def documents_from_docbin(
    data: bytes, source: str, annotator: str | None, scheme: Scheme | None
) -> list[tuple[Document, int]]:
    """The documents in a DocBin's bytes, each with the 1-based number of its first Doc.

    Raises:
        InputError: the bytes are not a DocBin, a payload is damaged, or a foreign Doc
            has annotations and no annotator was named.
    """
    docs = _docs(data, source)
    found: dict[str, Document] = {}
    first_doc: dict[str, int] = {}
    repeats: dict[str, int] = {}
    for number, doc in enumerate(docs, start=1):
        if user_data.KEY in doc.user_data:
            document, aset = _ours(doc, source, number)
            known = found.get(document.id)
            if known is None:
                found[document.id], first_doc[document.id] = document, number
                known = document
            elif known.text != document.text:
                raise InputError(
                    source, f"document {document.id!r} appears with two different texts", number
                )
            if known.annotation_set(aset.annotator) is not None:
                raise InputError(
                    source,
                    f"document {document.id!r} has two examples by {aset.annotator!r}",
                    number,
                )
            known.annotations.append(aset)
        else:
            document = _foreign(doc, source, number, annotator, scheme, repeats)
            found[document.id], first_doc[document.id] = document, number
    return [(document, first_doc[doc_id]) for doc_id, document in found.items()]


def _docs(data: bytes, source: str) -> list[Any]:
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from annotator.nlp.msgpack_cache import entry_points_cached

    unpacker = zlib.decompressobj()
    try:
        unpacker.decompress(data, MAX_UNPACKED_BYTES)
    except zlib.error as error:
        raise InputError(source, f"not a spaCy DocBin (zlib: {error})") from None
    if unpacker.unconsumed_tail:
        raise InputError(source, f"unpacks to more than {MAX_UNPACKED_BYTES} bytes; refused")
    try:
        with entry_points_cached():
            return list(DocBin().from_bytes(data).get_docs(Vocab()))
    except Exception as error:  # a damaged file can fail anywhere inside spaCy
        raise InputError(
            source, f"not a readable spaCy DocBin ({type(error).__name__}: {error})"
        ) from None


def _ours(doc: Any, source: str, number: int) -> tuple[Document, AnnotationSet]:
    try:
        return user_data.decode(doc.user_data[user_data.KEY], doc.text)
    except user_data.PayloadError as error:
        raise InputError(source, f"Doc {number}: {error}", number) from None


def _foreign(
    doc: Any,
    source: str,
    number: int,
    annotator: str | None,
    scheme: Scheme | None,
    repeats: dict[str, int],
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
                raise InputError(source, f"Doc {number}: a span of {layer!r} has no label", number)
            seen.add(key)
            spans.append(Span(f"s{len(spans) + 1}", *key))
    labels = _answers(doc.cats, scheme)
    document = Document(doc_id, text, {"source": source.rsplit("/", 1)[-1]})
    if not spans and not labels:
        return document
    if annotator is None:
        raise InputError(
            source,
            f"Doc {number} has annotations but the file does not say who made them; "
            "import it with --annotator NAME",
            number,
        )
    document.annotations.append(AnnotationSet(annotator, "done", spans, [], labels))
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
