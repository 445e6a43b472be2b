"""Folder imports never leave the folder through symbolic links (formats/folders.py):
a link leading outside is skipped and named in a warning; one inside is read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.formats import ReadOptions, brat, text, webanno
from annotator.formats import spacy as spacy_format

SECRET = "contenu d'un fichier hors du dossier importé"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the imported one, with a file nobody asked to import."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text(SECRET, encoding="utf-8")
    (elsewhere / "secret.ann").write_text("T1\tPER 0 7\tcontenu\n", encoding="utf-8")
    return elsewhere


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    imported = tmp_path / "imported"
    (imported / "sub").mkdir(parents=True)
    (imported / "un.txt").write_text("Jean Dupont dort.", encoding="utf-8")
    (imported / "un.ann").write_text("T1\tPER 0 11\tJean Dupont\n", encoding="utf-8")
    return imported


def read_text(path: Path) -> tuple[dict[str, str], list[str]]:
    options = ReadOptions()
    docs = {r.document.id: r.document.text for r in text.read(path, options)}
    return docs, options.warnings


def test_a_text_file_linked_from_outside_is_skipped_and_said(folder: Path, outside: Path) -> None:
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")

    docs, warnings = read_text(folder)

    assert docs == {"un": "Jean Dupont dort."}
    assert SECRET not in "".join(docs.values())
    assert warnings == [
        f"{folder}: 1 symbolic link leading outside the folder skipped "
        f"(e.g. passwd.txt -> {outside / 'secret.txt'}); copy the files into the folder "
        "to import them"
    ]


def test_a_linked_folder_outside_is_not_walked_and_said(folder: Path, outside: Path) -> None:
    (folder / "sub" / "home").symlink_to(outside, target_is_directory=True)

    docs, warnings = read_text(folder)

    assert list(docs) == ["un"]
    assert len(warnings) == 1 and "sub/home -> " in warnings[0]


def test_a_link_inside_the_folder_is_read(folder: Path) -> None:
    (folder / "sub" / "alias.txt").symlink_to(folder / "un.txt")

    docs, warnings = read_text(folder)

    assert docs == {"sub/alias": "Jean Dupont dort.", "un": "Jean Dupont dort."}
    assert warnings == []


def test_a_relative_link_climbing_out_is_skipped(folder: Path, outside: Path) -> None:
    (folder / "sub" / "up.txt").symlink_to(Path("..", "..", "elsewhere", "secret.txt"))

    docs, warnings = read_text(folder)

    assert list(docs) == ["un"] and "sub/up.txt" in warnings[0]


def test_brat_folders_skip_links_leading_outside(folder: Path, outside: Path) -> None:
    (folder / "deux.txt").symlink_to(outside / "secret.txt")
    (folder / "deux.ann").symlink_to(outside / "secret.ann")
    options = ReadOptions()

    records = list(brat.read(folder, options))

    assert [r.document.id for r in records] == ["un"]
    assert "2 symbolic links leading outside the folder skipped" in options.warnings[0]


def test_a_brat_folder_of_links_only_is_not_detected_as_brat(tmp_path: Path, outside: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    (links / "a.ann").symlink_to(outside / "secret.ann")

    assert not brat.detect(links)


def own_and_secret(kind: str, folder: Path, outside: Path) -> tuple[str, str]:
    """A file of format ``kind`` in ``folder`` and another outside it: their names."""
    if kind == "webanno":
        from tests.unit.formats.test_webanno import TSV

        sample = TSV / "inception_testSentenceWithEmoji.tsv"
        shutil.copyfile(sample, folder / "own.tsv")
        shutil.copyfile(sample, outside / "secret.tsv")
        return "own.tsv", "secret.tsv"
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("fr")
    DocBin(docs=[nlp("Jean Dupont dort.")]).to_disk(folder / "own.spacy")
    DocBin(docs=[nlp(SECRET)]).to_disk(outside / "secret.spacy")
    return "own.spacy", "secret.spacy"


@pytest.mark.parametrize("kind", ["webanno", "spacy"])
def test_every_other_folder_importer_skips_links_leading_outside(
    folder: Path, outside: Path, kind: str
) -> None:
    """text and brat above; WebAnno TSV and spaCy DocBin folders walk the same way."""
    own, secret = own_and_secret(kind, folder, outside)
    (folder / "sub" / secret).symlink_to(outside / secret)
    options = ReadOptions()
    reader = webanno if kind == "webanno" else spacy_format

    records = list(reader.read(folder, options))

    assert {r.path for r in records} == {str(folder / own)}
    assert all(SECRET not in r.document.text for r in records)
    assert len(options.warnings) == 1
    assert (
        f"1 symbolic link leading outside the folder skipped (e.g. sub/{secret} -> "
        in (options.warnings[0])
    )
