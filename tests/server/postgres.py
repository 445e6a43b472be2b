"""Scratch databases on the test PostgreSQL server, and rows compared across backends.

The server is named by ``ANNOTATOR_TEST_PG_URL`` (a role that may create databases and
roles; ``.ci/run`` starts one on loopback). Each test gets a new database, dropped
afterwards together with every role created meanwhile (roles belong to the whole
server, not to a database).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import MetaData, Table, inspect, make_url, select

from annotator.store.engine import make_engine, reading
from annotator.store.server import Account

URL_VARIABLE = "ANNOTATOR_TEST_PG_URL"
REQUIRED_VARIABLE = "ANNOTATOR_REQUIRE_PG"


def libpq(url: str) -> str:
    """A SQLAlchemy URL as the ``postgresql://`` form psycopg connects to."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _roles(admin: psycopg.Connection[Any]) -> set[str]:
    return {row[0] for row in admin.execute("SELECT rolname FROM pg_roles").fetchall()}


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new empty database (its URL, with the administrator's role), dropped after."""
    name = f"annotator_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq(admin_url), autocommit=True) as admin:
        roles_before = _roles(admin)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            for role in sorted(_roles(admin) - roles_before):
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def login(account: Account) -> str:
    """The URL ``account``'s owner connects with (its password included)."""
    assert account.password is not None, "an existing role's password is not known"
    return make_url(account.url).set(password=account.password).render_as_string(False)


def all_rows(location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: "unchanged" means this is equal (either backend)."""
    engine = make_engine(location)
    try:
        with reading(engine) as conn:
            found = {}
            for name in sorted(inspect(conn).get_table_names()):
                table = Table(name, MetaData(), autoload_with=conn)
                found[name] = sorted(tuple(row) for row in conn.execute(select(table)))
            return found
    finally:
        engine.dispose()
