"""A document's language: ``meta.lang`` when present, else the corpus language (DESIGN §4).

This is the one definition. Snapping, the spaCy export, pre-annotation and the agreement
tokens all ask :func:`document_language`, so a corpus that mixes French and English
articles tokenizes each article in its own language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from annotator.core.model import Document

META_KEY: Final = "lang"
_CODE = re.compile(r"[a-z]{2,3}|xx")


def normalized(value: object) -> str | None:
    """The language code of a ``meta.lang`` value, or None when it is not one.

    ``"EN"``, ``"en-GB"`` and ``"fr_FR"`` give ``"en"`` and ``"fr"``: spaCy's languages
    are the primary subtags of BCP 47 tags.
    """
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if _CODE.fullmatch(primary) else None


def language_of(meta: Mapping[str, Any], corpus_language: str) -> str:
    """The language of a document whose metadata is ``meta``."""
    return normalized(meta.get(META_KEY)) or corpus_language


def document_language(document: Document, corpus_language: str) -> str:
    """The language of ``document``."""
    return language_of(document.meta, corpus_language)
