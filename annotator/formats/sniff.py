"""Saying what a file looks like when no format recognises it (``--format auto``).

The user must learn why detection failed: the keys a JSON record has, or that a file
is neither JSON nor token-tag columns, tells them which format to name or what to fix.
"""

from __future__ import annotations

import json
from pathlib import Path

from annotator.formats.reading import MAX_JSON_DEPTH

_PREVIEW = 65536


def describe(path: Path) -> str:
    """A short account of ``path``'s content and what the formats look for."""
    if path.is_dir():
        return "the folder holds no .ann files (brat) and no .txt or .md files (text), at any depth"
    try:
        with path.open("rb") as handle:
            head = handle.read(_PREVIEW)
    except OSError as error:
        return f"the file cannot be read ({error.strerror})"
    if not head.strip():
        return "the file is empty"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return f"the file is not UTF-8 text (invalid byte at {error.start})"
        text = head[: error.start].decode("utf-8")
    first = next(line for line in text.split("\n") if line.strip())
    try:
        record = json.loads(first)
    except ValueError:
        record = None
    except RecursionError:
        return (
            f"its first line is JSON nested more than {MAX_JSON_DEPTH} levels deep, which no "
            "annotation file holds"
        )
    if isinstance(record, dict):
        keys = ", ".join(sorted(record)[:12]) or "none"
        return (
            f"its first JSON record has the keys {keys}; jsonl, prodigy and doccano records "
            "need 'text' (with 'annotations', 'spans'/'tokens'/'answer', or "
            "'label'/'labels'/'entities'), and the file suffix .jsonl or .json"
        )
    if text.lstrip().startswith(("[", "{")):
        return (
            "it looks like JSON: Label Studio exports are a .json list of tasks with 'data' objects"
        )
    return (
        f"its suffix {path.suffix or '(none)'!r} is none of the known ones and its lines "
        "are not token-tag columns (CoNLL) or JSON"
    )
