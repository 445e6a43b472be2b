"""The HTML report: self-contained, escaped, with the tables a lead expects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotator.agreement.html import colour, render
from annotator.agreement.report import AgreementReport
from annotator.core.errors import AnnotatorError
from annotator.services.agreement import write_html
from tests.unit.agreement.samples import aset, document, report_of, span

SNEAKY = "<b>eve</b>"
SCRIPT_ID = "<script>alert('x')</script>"


def sample_report() -> AgreementReport:
    return report_of(
        document(
            SCRIPT_ID,
            aset("alice", span("Paris", "LOC"), span("Marie Curie"), answers={"stance": "FAVOR"}),
            aset(SNEAKY, span("Paris", "ORG"), span("Marie Curie"), answers={"stance": "NONE"}),
        ),
        document("d2", aset("alice", span("Lyon", "LOC")), aset(SNEAKY, span("Lyon", "LOC"))),
    )


def test_the_page_is_self_contained_and_escapes_every_text() -> None:
    page = render(sample_report(), title="équipe & <corpus>")

    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;eve&lt;/b&gt;" in page
    assert "équipe &amp; &lt;corpus&gt;" in page
    assert not re.search(r"""(src|href)\s*=|url\(|@import|https?:""", page)


def test_the_page_holds_the_figures_pair_matrices_heatmaps_and_worst_documents() -> None:
    page = render(sample_report(), title="corpus")

    for heading in (
        "Span layers",
        "Layer entity",
        "F1 exact per pair",
        "Label confusion over tokens",
        "Document questions",
        "Claims (layer claim",
        "Documents with most disagreement",
    ):
        assert heading in page
    # Summary, entity (labels, two pair matrices, one heatmap), questions, claims (two),
    # documents; layers nobody used get no section of their own.
    assert page.count("<table>") == 9
    assert "Layer cue" not in page
    # Heatmap cells are shaded by their share of the row; the mostly-O row is darkest.
    assert f"background: {colour(210, 0.7, 0.47)}; color: #fff" in page
    # Listed: the document where the two disagree, with the differing answers; not d2.
    worst = page[page.index("Documents with most disagreement") :]
    assert "&lt;script&gt;" in worst and ">d2<" not in worst
    assert "stance: &lt;b&gt;eve&lt;/b&gt; NONE, alice FAVOR" in worst


def test_writing_the_report_replaces_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "agreement.html"
    out.write_text("old", encoding="utf-8")

    write_html(sample_report(), out, title="corpus")

    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["agreement.html"]


def test_writing_into_a_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(AnnotatorError, match="no such folder"):
        write_html(sample_report(), tmp_path / "nowhere" / "a.html", title="c")


def test_the_claims_section_shows_cue_and_whole_frame_agreement() -> None:
    from tests.unit.agreement.test_claims import FRAME_TEXT, frame_set

    alice = frame_set("alice", ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"))
    bob = frame_set("bob", ("le projet avance", "Jean Martin", None, "FAVOR"))

    page = render(report_of(document("d", alice, bob, text=FRAME_TEXT)), title="c")

    claims = page[page.index("Claims (layer claim") :]
    assert "<th>cue agreement</th>" in claims and "<th>whole frame</th>" in claims
    # One matched claim: same claimant and stance, a cue on one side only.
    assert claims.count(">0.000</td>") == 4  # cue and frame, in the summary and the pair
