"""The blank spaCy pipeline of a corpus language, shared by the export, import and config.

The export tokenizes with ``spacy.blank(language)`` and writes the same language into
``config.cfg``, so that ``spacy train`` tokenizes exactly as the alignment audit did.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FALLBACK = "xx"
"""spaCy's multi-language pipeline, for languages spaCy cannot build (unknown code, or
one that needs a tokenizer package that is not installed, such as ``ja``)."""


@lru_cache(maxsize=8)
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
