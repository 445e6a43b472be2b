"""The command line on a server corpus: every command takes a URL where it takes a path,
and ``annotator server setup`` / ``add-annotator`` make the team's roles (DESIGN §7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from annotator.core.edits import AddSpan
from annotator.core.model import Span
from annotator.store.corpus import Corpus
from annotator.store.server import connected_annotator
from tests.unit.corpus_samples import read_jsonl, sample_records, write_jsonl

REPO = Path(__file__).resolve().parents[2]


def annotator(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def password_of(stdout: str) -> str:
    (line,) = [line for line in stdout.splitlines() if line.startswith("password: ")]
    return line.removeprefix("password: ")


def test_init_import_stats_and_export_take_a_url_or_a_path(
    tmp_path: Path, corpus_location: str
) -> None:
    samples = write_jsonl(tmp_path / "in.jsonl", sample_records())
    out = tmp_path / "out.jsonl"

    created = succeeded(annotator("init", corpus_location))
    succeeded(annotator("import", corpus_location, samples))
    stats = json.loads(succeeded(annotator("stats", corpus_location, "--json")))
    succeeded(annotator("export", corpus_location, out, "--include-suggestions"))

    assert created.startswith(f"created {corpus_location} (language fr")
    assert (stats["documents"], sorted(stats["annotators"])) == (
        3,
        ["alice", "bob", "carol", "gold"],
    )
    assert read_jsonl(out) == sample_records()


def test_an_unreachable_server_is_a_user_error(tmp_path: Path) -> None:
    done = annotator("stats", "postgresql://nobody@127.0.0.1:9/corpus")

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(
        "annotator: error: postgresql+psycopg://nobody@127.0.0.1:9/corpus"
    )
    assert "cannot connect to the server" in done.stderr


def test_a_database_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    done = annotator("stats", "mysql://someone@localhost/corpus")

    assert done.returncode == 1
    assert "other databases are not supported" in done.stderr


@pytest.mark.postgresql
def test_setup_creates_a_corpus_and_a_lead_who_sees_everything(pg_url: str) -> None:
    lead_role = f"lead_{make_url(pg_url).database}"
    done = succeeded(annotator("server", "setup", pg_url, "--lead-role", lead_role, "--lang", "en"))
    lead_url = make_url(pg_url).set(username=lead_role, password=password_of(done))

    assert done.splitlines()[0].endswith(": row-level security on")
    assert done.splitlines()[0].startswith("created postgresql+psycopg://")
    assert f"lead role {lead_role}, connects with postgresql+psycopg://{lead_role}@" in done
    with Corpus.open(lead_url.render_as_string(False)) as corpus:
        assert corpus.scheme.language == "en"
        assert connected_annotator(corpus) is None


@pytest.mark.postgresql
def test_add_annotator_gives_a_role_that_writes_as_that_annotator(
    tmp_path: Path, pg_url: str
) -> None:
    succeeded(annotator("init", pg_url))
    succeeded(annotator("import", pg_url, write_jsonl(tmp_path / "in.jsonl", sample_records())))
    suffix = make_url(pg_url).database
    succeeded(annotator("server", "setup", pg_url, "--lead-role", f"lead_{suffix}"))
    done = succeeded(
        annotator(
            "server", "add-annotator", "zoé", "--role", f"zoé_{suffix}",
            env={"ANNOTATOR_SERVER_URL": pg_url},
        )
    )  # fmt: skip
    again = succeeded(
        annotator("server", "add-annotator", "zoé", "--role", f"zoé_{suffix}", "--url", pg_url)
    )
    url = make_url(pg_url).set(username=f"zoé_{suffix}", password=password_of(done))

    assert done.startswith(f"annotator zoé: role zoé_{suffix}, connects with ")
    assert "password unchanged" in again and "password:" not in again
    with Corpus.open(url.render_as_string(False)) as corpus:
        assert connected_annotator(corpus) == "zoé"
        corpus.apply_edit("raw-1", "zoé", AddSpan(Span("z1", "entity", 0, 2, "PER")))
        assert corpus.annotators() == ["zoé"]  # alice's and bob's work stays invisible


def test_add_annotator_needs_a_server_url() -> None:
    done = annotator("server", "add-annotator", "zoé", env={"ANNOTATOR_SERVER_URL": ""})

    assert done.returncode == 2
    assert "--url URL or ANNOTATOR_SERVER_URL" in done.stderr


def test_setup_refuses_a_corpus_file(corpus_path: Path) -> None:
    succeeded(annotator("init", corpus_path))

    done = annotator("server", "setup", str(corpus_path))

    assert done.returncode == 1
    assert "are for a corpus on a PostgreSQL server" in done.stderr
