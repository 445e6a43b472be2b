"""Window settings (annotator identity, recent corpora, theme, zoom, geometry).

Stored in an INI file beside the default corpus, so that ``ANNOTATOR_HOME`` isolates a
test or a second identity completely.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from annotator.services.corpora import data_dir

MAX_RECENT = 8


def open_settings() -> QSettings:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def recent_corpora(settings: QSettings) -> list[str]:
    value = settings.value("recent", [])
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def remember_corpus(settings: QSettings, location: str) -> None:
    recent = [location, *[r for r in recent_corpora(settings) if r != location]]
    settings.setValue("recent", recent[:MAX_RECENT])
