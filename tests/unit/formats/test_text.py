"""Plain text and Markdown files or folders: one document per file, text kept exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.errors import InputError
from annotator.formats import ReadOptions, detect, text
from tests.unit.corpus_samples import TEXT


def read_all(path: Path) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (r.document.id, r.document.text, r.document.meta) for r in text.read(path, ReadOptions())
    ]


def test_a_file_is_one_document_with_its_bytes_kept(tmp_path: Path) -> None:
    path = tmp_path / "article.fr.txt"
    path.write_bytes(TEXT.encode("utf-8"))

    assert read_all(path) == [("article.fr", TEXT, {"source": "article.fr.txt"})]


def test_a_folder_gives_one_document_per_text_file_by_relative_path(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deux.md").write_text("# Deux\r\n", encoding="utf-8")
    (tmp_path / "un.txt").write_text("Un", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".cache.txt").write_text("hidden", encoding="utf-8")

    assert [(i, t) for i, t, _ in read_all(tmp_path)] == [("b/deux", "# Deux\r\n"), ("un", "Un")]
    assert detect(tmp_path) == "text"


def test_a_folder_without_text_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")

    with pytest.raises(InputError, match=r"no \.txt/\.md/\.markdown files in this folder"):
        read_all(tmp_path)
    assert not text.detect(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ligne un\ncaf\xe9\n", "line 2: invalid UTF-8 at byte 4 of the line"),
        (b"\xef\xbb\xbfbonjour", "line 1: the file starts with a byte order mark"),
        (b"bon\x00jour", "NUL character at offset 3"),
        (b" \n\t\r\n", "the file is empty"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)

    with pytest.raises(InputError) as caught:
        read_all(path)

    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_detect_goes_by_suffix(tmp_path: Path) -> None:
    assert text.detect(tmp_path / "a.TXT") and text.detect(tmp_path / "a.markdown")
    assert not text.detect(tmp_path / "a.jsonl")
