"""Corpus locations as they may be remembered: a URL never keeps its password.

Pure Python (no SQLAlchemy), so that the window can use it before its first paint.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_password(location: str) -> str:
    """``location`` without the password of its URL, if it has one; a file path as it is.

    ``postgresql+psycopg://alice:secret@host:5432/db`` becomes
    ``postgresql+psycopg://alice@host:5432/db``: the driver then takes the password from
    ``~/.pgpass`` or ``PGPASSWORD`` when the corpus is opened again.
    """
    if "://" not in location:
        return location
    parts = urlsplit(location)
    credentials, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in credentials:
        return location
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))
