"""The blank spaCy pipeline of a language, shared by the export, import, config and snapping.

The export tokenizes each document with ``spacy.blank(language)`` of its language
(:func:`document_language`: ``meta.lang``, else the corpus language) and writes the same
language into that language's ``config.cfg``, so that ``spacy train`` tokenizes exactly
as the alignment audit did.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from annotator.core.language import document_language, language_of

__all__ = ["FALLBACK", "blank", "document_language", "language_of"]

FALLBACK = "xx"
"""spaCy's multi-language pipeline, for languages spaCy cannot build (unknown code, or
one that needs a tokenizer package that is not installed, such as ``ja``)."""


@lru_cache(maxsize=16)
def blank(language: str) -> Any:
    """``spacy.blank(language)``, or the ``xx`` pipeline when spaCy cannot build it.

    The result is shared: callers must not add pipes to it. Check ``.lang`` to learn
    which language was used.
    """
    import spacy

    try:
        return spacy.blank(language)
    except (ImportError, KeyError, ValueError):
        return spacy.blank(FALLBACK)
