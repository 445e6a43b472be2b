"""The real-format samples are the exact blobs that SOURCES.md names, and the suite reads
nothing outside the checkout."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from tests.conftest import FORMATS_REAL, REPO

#: A table row of SOURCES.md: the file (or "x.txt / .ann" pair), then the blob id(s) in the
#: "path in repo (blob)" column.
ROW = re.compile(r"^\| `(?P<files>[^|]+?)` \|.*?\|(?P<path>[^|]*\([0-9a-f]{40}\)[^|]*)\|")
BLOB = re.compile(r"\(([0-9a-f]{40})\)")


def git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def listed_blobs() -> dict[Path, str]:
    """Every sample file SOURCES.md lists, with the blob id it gives."""
    listed: dict[Path, str] = {}
    section = ""
    for line in (FORMATS_REAL / "SOURCES.md").read_text("utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0].rstrip("/")
        match = ROW.match(line)
        if not match:
            continue
        names = [name.strip(" `") for name in match["files"].split("/")]
        stem = names[0].rsplit(".", 1)[0]
        files = [names[0]] + [stem + name for name in names[1:]]
        blobs = BLOB.findall(match["path"])
        assert len(blobs) == len(files), line
        for name, blob in zip(files, blobs, strict=True):
            listed[FORMATS_REAL / section / name] = blob
    return listed


def test_every_sample_is_listed_in_sources_with_its_exact_blob() -> None:
    listed = listed_blobs()
    present = {
        path
        for path in FORMATS_REAL.rglob("*")
        if path.is_file() and path.name not in {"SOURCES.md", ".gitattributes"}
    }
    assert present == set(listed)
    assert len(listed) == 18
    for path, blob in listed.items():
        assert git_blob_id(path) == blob, f"{path.relative_to(REPO)} is not blob {blob}"


def test_no_test_or_script_reads_the_steering_folder_beside_the_checkout() -> None:
    outside = re.compile(
        r"""(parent\s*/\s*["']shared["']|\.\./shared|parents\[\d+\]\s*/\s*["']shared)"""
    )
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("annotator", "tests", "scripts", "packaging", ".ci")
        for path in (REPO / folder).rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".sh", ""}
        and path != Path(__file__)
        and outside.search(path.read_text("utf-8", errors="replace"))
    ]
    assert offenders == []
