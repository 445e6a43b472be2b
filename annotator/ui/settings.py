"""Window settings (annotator identity, recent corpora, theme, zoom, geometry).

Stored in an INI file beside the default corpus, so that ``ANNOTATOR_HOME`` isolates a
test or a second identity completely.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QSettings

from annotator.core.locations import without_password

MAX_RECENT = 8


def settings_dir() -> Path:
    """Where the default corpus lives (``annotator.services.corpora.data_dir``, repeated
    here because that module imports the store, and SQLAlchemy, which the first paint
    must not wait for; a test keeps the two equal)."""
    if os.environ.get("ANNOTATOR_HOME"):
        return Path(os.environ["ANNOTATOR_HOME"])
    import platformdirs

    return platformdirs.user_data_path("annotator", appauthor=False)


def open_settings() -> QSettings:
    folder = settings_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def recent_corpora(settings: QSettings) -> list[str]:
    """The corpora opened last, newest first, never with a password (one an older version
    stored is dropped from the URL here)."""
    value = settings.value("recent", [])
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return list(dict.fromkeys(without_password(str(v)) for v in values))


def remember_corpus(settings: QSettings, location: str) -> None:
    """Put ``location`` first in the recent corpora, without its password (and forget
    what an older version remembered under a URL with its password)."""
    location = without_password(location)
    recent = [location, *[r for r in recent_corpora(settings) if r != location]]
    settings.setValue("recent", recent[:MAX_RECENT])
    for key in settings.allKeys():
        if key.startswith(_LAST_DOCUMENT) and _WITH_PASSWORD.search(key):
            settings.remove(key)


_LAST_DOCUMENT = "last-document/"
# A URL's "user:password@" part, as QSettings keeps it in a key (it folds "//" into "/").
_WITH_PASSWORD = re.compile(r"^[^/]+/[^/]+:/+[^:/@]+:[^@]*@")


def last_document_key(location: str) -> str:
    """The setting that remembers the document last open in a corpus: named by the
    corpus's location without a password, which settings never store."""
    return _LAST_DOCUMENT + without_password(location)


def flag(settings: QSettings, key: str, default: bool = False) -> bool:
    """A remembered on/off setting (an INI file stores it as text)."""
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)
