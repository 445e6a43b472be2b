"""A process that forks the workers of the SIGKILL soak (``test_soak.py``).

Starting a Python interpreter and importing the app costs most of a second; the soak
kills a worker a hundred times, so one process imports everything once and forks a
worker per run: a forked worker has a private copy of the interpreter, opens its own
database connections (the zygote never opens one), and dies of SIGKILL as any process.

Protocol, one JSON object a line on stdin, answers on stdout:

- ``{"job": "edit", "corpus": P, "seed": S, "acks": F, "errors": E}``: fork a worker
  that applies the edit stream ``S`` to the soak document, appending the set's new
  revision to ``F`` after each commit (the acknowledgement); answers its pid.
- ``{"job": "import", "corpus": P, "files": [...], "done": F, "errors": E}``: fork a
  worker running ``annotator import P FILES...``, which writes ``F`` if the command
  succeeded; answers its pid.
- ``{"job": "reap", "pid": N}``: wait for the worker; answers its wait status.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine  # noqa: E402

import annotator.cli  # noqa: E402
import annotator.formats.jsonl  # noqa: E402
import annotator.services.importing  # noqa: E402
from annotator.core.edits import apply  # noqa: E402
from annotator.store.corpus import Corpus  # noqa: E402
from tests.reliability.soak_workload import ANNOTATOR, DOC_ID, next_edit  # noqa: E402

create_engine("sqlite://").dispose()  # load SQLAlchemy's SQLite dialect before forking


def edit(job: dict[str, str]) -> int:
    acks = os.open(job["acks"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with Corpus.open(job["corpus"]) as corpus:
        aset, revision = corpus.annotation_set_and_revision(DOC_ID, ANNOTATOR)
        while True:
            change = next_edit(int(job["seed"]), revision, aset)
            corpus.apply_edit(DOC_ID, ANNOTATOR, change, expected_revision=revision)
            apply(aset, change)
            revision += 1
            os.write(acks, f"{revision}\n".encode())  # acknowledged: committed


def import_files(job: dict[str, str]) -> int:
    code = annotator.cli.main(["import", job["corpus"], *job["files"]])
    if code == 0:
        Path(job["done"]).write_text("done\n", encoding="utf-8")
    return code


def worker(job: dict[str, str]) -> None:
    """The forked child: run the job, never return into the zygote's loop."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        errors = os.open(job["errors"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(errors, 2)
        code = edit(job) if job["job"] == "edit" else import_files(job)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        if job["job"] == "reap":
            _, status = os.waitpid(job["pid"], 0)
            print(status, flush=True)
            continue
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            worker(job)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
