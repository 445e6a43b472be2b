"""Untrusted input (DESIGN §11): archives with ``../`` paths, huge files and lines, and
deeply nested JSON are refused cleanly (an error naming the file, the corpus unchanged,
memory untouched), and nothing in the package parses XML, unpickles or evaluates code.
"""

from __future__ import annotations

import ast
import io
import resource
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import srsly

from annotator.core.errors import AnnotatorError
from annotator.core.model import AnnotationSet, Document, Span
from annotator.formats import WriteOptions, writer
from annotator.formats.reading import MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_LINE_BYTES
from annotator.services.corpora import default_scheme
from annotator.services.importing import import_paths
from annotator.store.corpus import Corpus
from tests.unit.corpus_samples import corpus_state
from tests.unit.formats.interchange_samples import REAL, sample_corpus_path

PACKAGE = Path(__file__).resolve().parents[2] / "annotator"
GOOD_TXT = b"Jean Dupont dort.\n"
GOOD_ANN = b"T1\tPER 0 11\tJean Dupont\n"
MB = 1024**2


def refused(corpus_path: Path, path: Path, format: str, *expected: str) -> str:
    """Import ``path``: it must be refused naming it, the corpus unchanged; the message."""
    before = corpus_state(corpus_path)
    with Corpus.open(corpus_path) as corpus, pytest.raises(AnnotatorError) as caught:
        import_paths(corpus, [path], format=format, annotator="alice")
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message
    assert corpus_state(corpus_path) == before
    return message


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A corpus that already holds documents, closed."""
    return sample_corpus_path(tmp_path)


# -- archives ------------------------------------------------------------------------------


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


GOOD_TSV = (REAL / "webanno-tsv" / "inception_testSentenceWithEmoji.tsv").read_bytes()
ARCHIVE_FORMATS = ["brat", "webanno"]
"""Every format that reads a zip (both go through formats/archives.py)."""


def good_members(format: str) -> dict[str, bytes]:
    """The members of a sound archive of ``format``."""
    return {"good.tsv": GOOD_TSV} if format == "webanno" else {"good.txt": GOOD_TXT,
                                                                 "good.ann": GOOD_ANN}  # fmt: skip


def suffix_of(format: str) -> str:
    return ".tsv" if format == "webanno" else ".txt"


@pytest.mark.parametrize("format", ARCHIVE_FORMATS)
@pytest.mark.parametrize(
    "name", ["../evil.ann", "docs/../../evil.txt", "/etc/evil.ann", "..\\evil.tsv", "C:evil.txt"]
)
def test_an_archive_with_a_member_leaving_its_folder_is_refused_whole(
    samples: Path, tmp_path: Path, name: str, format: str
) -> None:
    archive = tmp_path / "in.zip"
    archive.write_bytes(zip_with({**good_members(format), name: GOOD_ANN}))

    refused(samples, archive, format, name, "leaves the archive's folder; refused")

    assert not (tmp_path.parent / "evil.ann").exists()


@pytest.mark.parametrize("format", ARCHIVE_FORMATS)
def test_an_archive_with_a_link_member_is_refused_whole(
    samples: Path, tmp_path: Path, format: str
) -> None:
    link = zipfile.ZipInfo(f"link{suffix_of(format)}")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for good, content in good_members(format).items():
            zipped.writestr(good, content)
        zipped.writestr(link, b"/etc/passwd")
    archive = tmp_path / "in.zip"
    archive.write_bytes(buffer.getvalue())

    refused(samples, archive, format, link.filename, "the member is a symbolic link; refused")


@pytest.mark.parametrize("format", ARCHIVE_FORMATS)
def test_an_archive_member_declaring_a_huge_size_is_refused_before_reading(
    samples: Path, tmp_path: Path, format: str
) -> None:
    members = good_members(format)
    data = bytearray(zip_with(members))
    central = data.index(b"PK\x01\x02")  # the first central directory entry
    struct.pack_into("<I", data, central + 24, 0xFFFF_FFF0)  # its uncompressed size
    archive = tmp_path / "in.zip"
    archive.write_bytes(bytes(data))
    before = peak_mb()

    refused(samples, archive, format, next(iter(members)), "bytes once decompressed, over the")

    assert peak_mb() - before < 100


@pytest.mark.parametrize("format", ARCHIVE_FORMATS)
def test_a_zip_bomb_is_refused(samples: Path, tmp_path: Path, format: str) -> None:
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(
        zip_with({**good_members(format), f"big{suffix_of(format)}": b"a" * (64 * MB)})
    )
    assert archive.stat().st_size < MB

    refused(samples, archive, format, "looks like a zip bomb; refused")


def zip_of_copies(count: int, data: bytes, suffix: str = ".txt") -> bytes:
    """A zip of ``count`` members holding ``data``, compressed once (zipfile would spend
    seconds compressing each copy again): the many-small-bombs archive of the audit."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    body, central = io.BytesIO(), io.BytesIO()
    for n in range(count):
        name = f"doc{n:05d}{suffix}".encode()
        offset = body.tell()
        fields = (20, 0, 8, 0, 0x21, crc, len(packed), len(data), len(name))
        body.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, 0) + name + packed)
        central.write(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + name
        )
    directory = central.getvalue()
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), body.tell(), 0)
    return body.getvalue() + directory + end


@pytest.mark.parametrize("format", ARCHIVE_FORMATS)
@pytest.mark.parametrize(
    ("count", "expected"),
    [(2000, "over the 1073741824 limit"), (900, "times its size: looks like a zip bomb")],
    ids=["the audit's 2,000 (2 GiB)", "900 (under the total limit)"],
)
def test_many_members_compressed_well_together_are_refused_at_once(
    samples: Path, tmp_path: Path, count: int, expected: str, format: str
) -> None:
    """The audit's archive: 1 MiB members, each just at the per-member ratio floor, that
    together inflate about 1,000 times (2,000 of them: 2.2 MB for 2 GiB)."""
    archive = tmp_path / "many.zip"
    suffix = suffix_of(format)
    archive.write_bytes(zip_of_copies(count, b"a" * MB, suffix))
    assert archive.stat().st_size < 3 * MB
    with zipfile.ZipFile(archive) as check:  # a valid archive, as zipfile reads it
        assert len(check.infolist()) == count and check.read(f"doc00000{suffix}") == b"a" * MB
    before, started = peak_mb(), time.perf_counter()

    refused(samples, archive, format, expected)

    assert time.perf_counter() - started < 5
    assert peak_mb() - before < 1024


def test_an_archive_of_ordinary_text_is_read(samples: Path, tmp_path: Path) -> None:
    members = {"good.txt": GOOD_TXT * 2000, "good.ann": GOOD_ANN}
    archive = tmp_path / "ordinary.zip"
    archive.write_bytes(zip_with(members))
    assert (len(GOOD_TXT) * 2000) / archive.stat().st_size > 10  # compressed well, and fine

    with Corpus.open(samples) as corpus:
        report = import_paths(corpus, [archive], format="brat", annotator="alice")

    assert report.files[0].documents == 1


# -- huge files and lines -------------------------------------------------------------------

SINGLE_FILES = {
    "jsonl": "in.jsonl",
    "prodigy": "in.jsonl",
    "doccano": "in.jsonl",
    "labelstudio": "in.json",
    "conll": "in.conll",
    "text": "in.txt",
    "spacy": "in.spacy",
    "brat": "in.txt",  # with in.ann beside it
}


@pytest.mark.parametrize("format", list(SINGLE_FILES))
def test_a_file_over_the_size_limit_is_refused_without_being_read(
    samples: Path, tmp_path: Path, format: str
) -> None:
    path = tmp_path / SINGLE_FILES[format]
    with path.open("wb") as handle:  # sparse: no disk, no memory
        handle.truncate(MAX_FILE_BYTES + 1)
    if format == "brat":
        path.with_suffix(".ann").write_bytes(GOOD_ANN)
    before = peak_mb()

    refused(samples, path, format, f"file is {MAX_FILE_BYTES + 1} bytes, over the")

    assert peak_mb() - before < 100  # nothing of it was read


@pytest.mark.slow
@pytest.mark.parametrize(
    ("format", "first_line"),
    [
        ("jsonl", b'{"id": "a", "text": "Jean dort."}\n'),
        ("prodigy", b'{"text": "Jean dort."}\n'),
        ("doccano", b'{"text": "Jean dort.", "label": []}\n'),
        ("conll", b"Jean B-PER\n"),
    ],
)
def test_a_line_over_the_limit_is_refused_naming_it(
    samples: Path, tmp_path: Path, format: str, first_line: bytes
) -> None:
    path = tmp_path / ("in.conll" if format == "conll" else "in.jsonl")
    with path.open("wb") as handle:
        handle.write(first_line)
        handle.truncate(len(first_line) + MAX_LINE_BYTES + 1)  # one sparse line of NULs

    refused(samples, path, format, "line 2", f"line is over {MAX_LINE_BYTES} bytes")


# -- deeply nested JSON ------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


NESTED = {
    "jsonl": ("in.jsonl", '{{"id": "deep", "text": "Jean dort.", "meta": {{"x": {}}}}}\n'),
    "prodigy": ("in.jsonl", '{{"text": "Jean dort.", "meta": {{"x": {}}}}}\n'),
    "doccano": ("in.jsonl", '{{"text": "Jean dort.", "meta": {}}}\n'),
    "labelstudio": ("in.json", '[{{"data": {{"text": "Jean dort.", "meta": {}}}}}]'),
}


@pytest.mark.parametrize("format", list(NESTED))
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 985, 990, 995, 100_000])
def test_deeply_nested_json_is_refused_cleanly(
    samples: Path, tmp_path: Path, format: str, depth: int
) -> None:
    """Around Python's recursion limit (1000) ``json.loads`` may accept what
    ``json.dumps`` then cannot write back: both must end in a clean refusal."""
    name, template = NESTED[format]
    path = tmp_path / name
    path.write_text(template.format(nested(depth)), encoding="utf-8")

    message = refused(samples, path, format)

    assert "nested" in message


def test_nesting_up_to_the_limit_is_imported(samples: Path, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(NESTED["jsonl"][1].format(nested(MAX_JSON_DEPTH - 2)), encoding="utf-8")

    with Corpus.open(samples) as corpus:
        import_paths(corpus, [path])
        value = corpus.document("deep").meta["x"]
    depth = 0
    while isinstance(value, list):
        depth, value = depth + 1, value[0] if value else None
    assert depth == MAX_JSON_DEPTH - 2


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 1020, 5000])
def test_deeply_nested_values_in_a_spacy_file_are_refused_cleanly(
    samples: Path, tmp_path: Path, depth: int
) -> None:
    """A DocBin's user_data is msgpack, nested as deep as its writer wants: take one
    that the export wrote, and nest a metadata value ``depth`` levels deep."""
    marker = srsly.msgpack_dumps("NESTED-HERE")
    docs = [
        Document(f"d{n}", f"Jean Dupont dort {n}.", {"x": "NESTED-HERE"} if n == 0 else {})
        for n in range(5)
    ]
    for doc in docs:  # something to train on, in train and in dev
        doc.annotations = [AnnotationSet("alice", "done", [Span("e1", "entity", 0, 11, "PER")])]
    writer("spacy")(docs, tmp_path / "out", WriteOptions(scheme=default_scheme()))
    for written in (tmp_path / "out").glob("*.spacy"):
        docbin = srsly.msgpack_loads(zlib.decompress(written.read_bytes()))
        if any(marker in payload for payload in docbin["user_data"]):
            break
    nested_value = b"\x91" * depth + b"\xc0"  # [[[...[None]...]]]
    docbin["user_data"] = [p.replace(marker, nested_value) for p in docbin["user_data"]]
    path = tmp_path / "in.spacy"
    path.write_bytes(zlib.compress(srsly.msgpack_dumps(docbin)))

    message = refused(samples, path, "spacy")

    assert "nested more than" in message or "StackError" in message  # msgpack's own limit


# -- nothing executes or expands ------------------------------------------------------------------

FORBIDDEN_MODULES = ("xml", "lxml", "defusedxml", "xmltodict", "pickle", "dill", "shelve",
                     "marshal", "yaml", "ruamel")  # fmt: skip


CODE_RUNNERS = ("eval", "exec", "__import__")


def test_no_module_parses_xml_unpickles_or_evaluates_code() -> None:
    """No XML parser (so no entities to expand), no pickle or YAML loader, no eval/exec:
    the formats read are JSON, text, zip and msgpack (spaCy's DocBin) only."""
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in CODE_RUNNERS:
                found.append(f"{source.name}:{node.lineno} calls {ast.unparse(node.func)}")
            found += [
                f"{source.name}: imports {name}"
                for name in names
                if name.split(".")[0] in FORBIDDEN_MODULES
            ]
    assert found == []
