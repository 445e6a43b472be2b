"""Shared checks for reading files that users bring: encoding, BOM, NUL, size."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.core.errors import InputError

MAX_FILE_BYTES = 2 * 1024**3
MAX_LINE_BYTES = 256 * 1024**2
MAX_JSON_DEPTH = 100
"""No annotation nests deeper; JSON that does could be read but not written back."""
BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``, refusing what no corpus should hold (too large, a BOM)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(str(path), f"file is {size} bytes, over the {MAX_FILE_BYTES} limit")
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), f"cannot read the file ({error.strerror})") from None
    if data.startswith(BOM):
        raise InputError(
            str(path),
            "the file starts with a byte order mark (BOM); save it as UTF-8 without BOM",
            line=1,
        )
    return data


def lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of each non-blank line of ``path``, read as it goes (a
    large JSON Lines file is never held whole), with the checks of :func:`read_bytes`.

    Lines are split on ``\\n`` only (U+2028 may occur inside strings); a line over
    :data:`MAX_LINE_BYTES` is an error naming it, read no further than that.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(str(path), f"file is {size} bytes, over the {MAX_FILE_BYTES} limit")
        handle = path.open("rb")
    except OSError as error:
        raise InputError(str(path), f"cannot read the file ({error.strerror})") from None
    with handle:
        if handle.peek(len(BOM))[: len(BOM)] == BOM:
            raise InputError(
                str(path),
                "the file starts with a byte order mark (BOM); save it as UTF-8 without BOM",
                line=1,
            )
        number = 0
        try:
            for raw in iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""):
                number += 1
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                elif len(raw) > MAX_LINE_BYTES:
                    raise InputError(str(path), f"line is over {MAX_LINE_BYTES} bytes", line=number)
                if raw.strip():
                    yield number, raw
        except OSError as error:
            raise InputError(str(path), f"cannot read the file ({error.strerror})") from None


def decode(data: bytes, path: Path, line: int | None = None) -> str:
    """Strict UTF-8 decoding, with the line and byte of the first invalid sequence."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if line is None:
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        else:
            column = error.start + 1
        raise InputError(
            str(path),
            f"invalid UTF-8 at byte {column} of the line ({error.reason}); "
            "convert the file to UTF-8",
            line=line,
        ) from None


def check_text(text: str, path: Path, line: int | None = None) -> None:
    """Refuse document texts that cannot be annotated (NUL characters)."""
    if "\x00" in text:
        raise InputError(
            str(path),
            f"the text contains a NUL character at offset {text.index(chr(0))}; "
            "remove it before importing",
            line=line,
        )


def check_json_strings(raw: str, value: Any, path: Path, line: int | None = None) -> None:
    """Refuse JSON whose escapes decode to unpaired surrogates (``"\\ud800"``).

    They are not characters: no text, id or label can hold them, and the database
    would fail on them with an encoding error instead of naming the line. ``raw`` is the
    JSON source, searched first so that the common case costs one regex scan.
    """
    if not _SURROGATE_ESCAPE.search(raw):
        return
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(error.object[error.start])
        raise InputError(
            str(path),
            f"the JSON holds an unpaired surrogate escape (\\u{code:04x}), which is not a "
            "character; fix or remove it",
            line=line,
        ) from None


def check_json_depth(raw: str | bytes, value: Any, path: Path, line: int | None = None) -> None:
    """Refuse JSON nested more than :data:`MAX_JSON_DEPTH` levels.

    ``json.loads`` accepts nesting up to Python's recursion limit, counted from where it
    is called; writing the value back (the corpus stores metadata as JSON) happens
    deeper in the stack and would fail there with a ``RecursionError``, far from the
    line that caused it. ``raw`` is the JSON source (its bytes are quickest to scan):
    with fewer brackets than the limit it cannot be too deep, so the common case costs
    two counts.
    """
    if isinstance(raw, bytes):
        brackets = raw.count(b"[") + raw.count(b"{")
    else:
        brackets = raw.count("[") + raw.count("{")
    if brackets <= MAX_JSON_DEPTH:
        return
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(
                str(path), f"JSON nested more than {MAX_JSON_DEPTH} levels deep", line=line
            )
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
