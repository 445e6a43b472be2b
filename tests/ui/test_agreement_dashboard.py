"""The agreement dashboard shows the whole claim frame: cue and frame beside claimant and stance."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from annotator.ui.agreement_dashboard import AgreementDashboard
from tests.unit.agreement.samples import document, report_of
from tests.unit.agreement.test_claims import FRAME_TEXT, frame_set


def test_the_claims_table_shows_cue_and_whole_frame_agreement(qtbot: QtBot) -> None:
    alice = frame_set(
        "alice",
        ("le projet avance", "Jean Martin", "a déclaré", "FAVOR"),
        ("les données restent", "Oracle", "affirme", "NONE"),
    )
    bob = frame_set(
        "bob",
        ("le projet avance", "Jean Martin", "déclaré", "FAVOR"),
        ("les données restent", "Oracle", None, "NONE"),
    )
    dashboard = AgreementDashboard(report_of(document("d", alice, bob, text=FRAME_TEXT)))
    qtbot.addWidget(dashboard)

    table = dashboard.claim_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    cells = dict(zip(headers, (table.item(0, c).text() for c in range(len(headers))), strict=True))
    assert cells["Claims matched"] == "2"
    assert cells["Cue agreement"] == "0.500"
    assert cells["Whole frame"] == "0.500"
    assert cells["Claimant agreement"] == cells["Stance agreement"] == "1.000"
