"""Sample native JSONL records and a full picture of a corpus, shared by the tests.

The sample text holds what breaks naive offset handling: NBSP and narrow NBSP, CRLF,
astral characters (𝔘, a flag made of two code points, a ZWJ emoji), a combining accent,
Arabic and Hebrew, and U+2028 inside a line. Spans are placed with ``str.index`` so
that every offset is a Python code-point offset by construction.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from annotator.core.model import Document
from annotator.services.exporting import export
from annotator.services.stats import statistics
from annotator.store.corpus import Corpus

TEXT = (
    "(Paris)\u00a0Le ministre Jean\u202fDupont a déclaré : « Nous protégeons 𝔘n monde 🇫🇷 ».\r\n"
    "Le cafe\u0301 de la rue d’Arès est fermé.\u2028"
    "Selon وزارة الداخلية et l’agence שב״כ, la menace 👩\u200d💻 persiste.\r\n"
)

RAW_TEXT = "Un document brut\u00a0: 🇧🇪 et ℵ₀, sans annotation.\r\nDeuxième ligne\u2028fin."


def at(substring: str, text: str = TEXT) -> tuple[int, int]:
    """The code-point offsets of the first occurrence of ``substring`` in ``text``."""
    start = text.index(substring)
    return start, start + len(substring)


def span(
    span_id: str,
    layer: str,
    substring: str,
    label: str,
    *,
    attrs: dict[str, str] | None = None,
    origin: str = "import",
    state: str = "accepted",
    text: str = TEXT,
) -> dict[str, Any]:
    """A span record in the exact shape the JSONL writer produces."""
    start, end = at(substring, text)
    item: dict[str, Any] = {
        "id": span_id,
        "layer": layer,
        "start": start,
        "end": end,
        "label": label,
    }
    if attrs:
        item["attrs"] = attrs
    item["origin"] = origin
    item["state"] = state
    return item


#: Substrings the spans of :func:`annotated_record` cover, by span id.
INTENDED = {
    "e1": "Jean\u202fDupont",
    "e2": "Paris",
    "e3": "وزارة الداخلية",
    "e4": "שב״כ",
    "e5": "𝔘n monde 🇫🇷",
    "e6": "cafe\u0301",
    "c1": "Nous protégeons 𝔘n monde 🇫🇷",
    "c2": "fermé.\u2028Selon وزارة الداخلية",
    "u1": "a déclaré",
    "m1": "ministre Jean",
    "b1": "Jean\u202fDupont",
    "f1": "👩\u200d💻",
}


def annotated_record(doc_id: str = "unicode-1") -> dict[str, Any]:
    """A document annotated by two people, with every kind of annotation."""
    alice = {
        "annotator": "alice",
        "status": "done",
        "spans": [
            span("e1", "entity", INTENDED["e1"], "PER", origin="manual"),
            span("e2", "entity", INTENDED["e2"], "LOC"),
            span("e3", "entity", INTENDED["e3"], "ORG", origin="manual"),
            span("e4", "entity", INTENDED["e4"], "ORG"),
            span("e5", "entity", INTENDED["e5"], "MISC"),
            span("e6", "entity", INTENDED["e6"], "MISC"),
            span("c1", "claim", INTENDED["c1"], "CLAIM", attrs={"stance": "FAVOR"}),
            span("c2", "claim", INTENDED["c2"], "CLAIM", attrs={"stance": "AGAINST"}),
            span("u1", "cue", INTENDED["u1"], "CUE", origin="manual"),
            # A model's suggestion overlapping e1: suggestions may overlap.
            span(
                "m1",
                "entity",
                INTENDED["m1"],
                "PER",
                origin="model:fr_core_news_sm",
                state="suggested",
            ),
        ],
        "relations": [
            {"head": "c1", "child": "e1", "label": "CLAIMANT"},
            {"head": "c1", "child": "u1", "label": "CUE"},
            {"head": "c2", "child": "e3", "label": "CLAIMANT"},
            {"head": "c2", "child": "m1", "label": "CLAIMANT"},
        ],
        "doc_labels": {"stance": "AGAINST"},
    }
    bob = {
        "annotator": "bob",
        "status": "in_progress",
        "spans": [
            span("b1", "entity", INTENDED["b1"], "PER"),
            span("f1", "entity", INTENDED["f1"], "MISC", origin="model:x", state="accepted"),
        ],
        "relations": [],
        "doc_labels": {},
        "guideline_version": 2,
    }
    return {
        "id": doc_id,
        "text": TEXT,
        "meta": {"source": "AFP", "tags": ["é", "🇫🇷"], "n": 3, "nested": {"k": None}},
        "annotations": [alice, bob],
    }


def raw_record(doc_id: str = "raw-1") -> dict[str, Any]:
    return {"id": doc_id, "text": RAW_TEXT, "meta": {}, "annotations": []}


def gold_record(doc_id: str = "gold-1") -> dict[str, Any]:
    text = "La CNIL\u00a0sanctionne Colibri.\r\n"
    return {
        "id": doc_id,
        "text": text,
        "meta": {"lang": "fr"},
        "annotations": [
            {
                "annotator": "gold",
                "status": "skipped",
                "spans": [span("g1", "entity", "CNIL", "ORG", text=text)],
                "relations": [],
                "doc_labels": {"stance": "NONE"},
            },
            {"annotator": "carol", "status": "todo", "spans": [], "relations": [],
             "doc_labels": {"stance": "FAVOR"}},
        ],
    }  # fmt: skip


def sample_records() -> list[dict[str, Any]]:
    return [annotated_record(), raw_record(), gold_record()]


def without_suggestions(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as an export without ``--include-suggestions`` writes it."""
    result = copy.deepcopy(record)
    for aset in result["annotations"]:
        aset["spans"] = [s for s in aset["spans"] if s["state"] != "suggested"]
        kept = {s["id"] for s in aset["spans"]}
        aset["relations"] = [
            r for r in aset["relations"] if r["head"] in kept and r["child"] in kept
        ]
    return result


def jsonl_line(record: dict[str, Any]) -> bytes:
    """One JSONL line (UTF-8, ``\\n``-terminated; U+2028 left raw inside strings)."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(jsonl_line(r) for r in records))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSONL file, split on ``\\n`` only (as the contract says)."""
    data = path.read_bytes().decode("utf-8")
    return [json.loads(line) for line in data.split("\n") if line]


def corpus_state(location: Path) -> dict[str, Any]:
    """Everything a user can see of a corpus: a full JSONL export (suggestions included),
    the statistics, the scheme and SQLite's integrity check, read by a fresh connection."""
    with Corpus.open(location) as corpus, tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "state.jsonl"
        export(corpus, out, format="jsonl", source="all", include_suggestions=True)
        stats = statistics(corpus)
        stats.pop("corpus")
        return {
            "export": out.read_text(encoding="utf-8"),
            "stats": stats,
            "scheme": corpus.scheme.to_dict(),
            "integrity": corpus.integrity_check(),
        }


def documents_by_id(location: Path) -> dict[str, Document]:
    with Corpus.open(location) as corpus:
        return {doc.id: doc for doc in corpus.documents()}
