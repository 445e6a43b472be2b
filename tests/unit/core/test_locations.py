"""Remembered corpus locations never hold a password."""

from __future__ import annotations

import pytest

from annotator.core.locations import without_password


@pytest.mark.parametrize(
    ("location", "remembered"),
    [
        (
            "postgresql+psycopg://alice:s3cr%40t@db.example:5432/corpus",
            "postgresql+psycopg://alice@db.example:5432/corpus",
        ),
        (
            "postgresql+psycopg://alice@db.example/corpus",
            "postgresql+psycopg://alice@db.example/corpus",
        ),
        (
            "postgresql+psycopg://al:ice:p@ss@host/db?sslmode=require",
            "postgresql+psycopg://al@host/db?sslmode=require",
        ),
        ("/home/alice/corpus.annotator", "/home/alice/corpus.annotator"),
        ("C:\\Users\\alice\\corpus.annotator", "C:\\Users\\alice\\corpus.annotator"),
    ],
)
def test_a_remembered_location_loses_only_its_password(location: str, remembered: str) -> None:
    assert without_password(location) == remembered
