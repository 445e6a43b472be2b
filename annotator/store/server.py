"""A corpus on a PostgreSQL server shared by a team: database roles and row-level security.

The administrator's connection (the one that runs ``annotator server setup``) owns the
tables. Everyone else connects with a role of their own, listed in ``server_roles``:

- a **lead** role (``annotator IS NULL``) reads and writes everything, but cannot change
  the schema nor the list of roles;
- an **annotator** role is mapped to one annotator name. It reads the documents, the
  scheme and settings, the guidelines and the list of annotators, and reads and writes
  only that annotator's annotation sets with their spans, relations, document labels,
  suggestion decisions and links to actors. It reads the whole actor registry and may add
  actors (under its own name), but only a lead changes or merges them. Other
  annotators' sets are invisible to it, so annotators stay blind to each other until
  review, as with work packages (DESIGN §2).

Row-level security enforces this in the server, whatever program connects. An annotator's
role has no table-level UPDATE nor DELETE, so that it cannot ``LOCK TABLE`` against the
others; it deletes its rows through the functions of :mod:`annotator.store.own_rows`. The policies
and grants are rewritten by every ``setup`` (it is idempotent), which is also how new
tables get their grants after an upgrade. A role is a cluster-wide object; its rights
are per database, so one server can hold several corpora with different teams.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy import URL, Column, Connection, MetaData, Table, Text, func, inspect, select, text

from annotator.core.errors import CorpusError, PermissionDenied
from annotator.core.validation import check_own_name
from annotator.store import migrations, own_rows
from annotator.store import schema as t
from annotator.store.corpus import Corpus
from annotator.store.engine import make_engine, reading, writing

LEAD_ROLE = "annotator_lead"
ANNOTATOR_ROLE_PREFIX = "annotator_"
MAX_ROLE_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1

server_roles = Table(
    "server_roles",
    MetaData(),
    Column("role", Text, primary_key=True),
    Column("annotator", Text),  # NULL for a lead
)

READ_TABLES = (
    "schema_info",
    "settings",
    "documents",
    "annotators",
    "guidelines",
    "server_roles",
    "doc_minhash",
    "near_copies",
)
"""What an annotator's role may read in full."""
RECORD_TABLES = ("model_runs", "actors")
"""What an annotator's role reads in full and adds to (the models it trains, actors)."""
OWN_TABLES = (
    "annotation_sets",
    "spans",
    "relations",
    "doc_labels",
    "suggestion_decisions",
    "model_scores",
    "actor_links",
)
"""What an annotator's role reads and writes, restricted to its own annotation sets."""

# Scalar subqueries, so that the server evaluates each function once per statement
# rather than once per row.
_IS_LEAD = "(SELECT annotator_is_lead())"
_OWN_SET = f"{_IS_LEAD} OR annotator_pk = (SELECT annotator_role_pk())"
_OWN_ROW = (
    f"{_IS_LEAD} OR set_pk IN "
    "(SELECT pk FROM annotation_sets WHERE annotator_pk = (SELECT annotator_role_pk()))"
)
# The functions name the corpus's schema and search nothing else: a function body is
# read when it runs, and an annotator's own temporary "server_roles" table (temporary
# tables come first in a search path) would otherwise make them a lead. The policies and
# the deleting functions of own_rows share one test of who may change a set.
_FUNCTIONS = (
    *own_rows.FUNCTIONS,
    """CREATE OR REPLACE FUNCTION {schema}.annotator_role_pk() RETURNS integer
       LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
         SELECT {schema}.annotator_role_pk_of(current_user) $$""",
    """CREATE OR REPLACE FUNCTION {schema}.annotator_is_lead() RETURNS boolean
       LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
         SELECT {schema}.annotator_is_lead_of(current_user) $$""",
)
UPDATED_COLUMNS = {
    "annotation_sets": ("status", "guideline_version", "updated_at", "revision"),
    # Everything of a span but what identifies it (a new column is updatable at once).
    "spans": tuple(c.name for c in t.spans.c if c.name not in ("pk", "set_pk", "span_id")),
}
"""The only columns an annotator's role may update. No table-level UPDATE nor DELETE: with
either, ``LOCK TABLE`` takes any mode and stalls the other annotators (own_rows.py)."""


@dataclass(frozen=True, slots=True)
class Account:
    """A role someone connects with.

    ``password`` is set only when the role was created now (it is shown once); an
    existing role keeps its password. ``url`` is the corpus URL for this role, without
    a password (give it through ``~/.pgpass`` or ``PGPASSWORD``).
    """

    role: str
    url: str
    password: str | None
    annotator: str | None = None


def setup_server(corpus: Corpus, lead_role: str = LEAD_ROLE) -> Account:
    """Secure a server corpus: the roles table, row-level security, and a lead role.

    Run by the administrator (a role that owns the tables and may create roles); run it
    again after every upgrade of Annotator. Returns the lead's account.

    Raises:
        CorpusError: the corpus is a file, or the role name is unusable.
        PermissionDenied: the connection may not create roles or change the tables.
    """
    _require_server(corpus)
    _check_role_name(lead_role)

    def work(conn: Connection) -> Account:
        server_roles.create(conn, checkfirst=True)
        mapped = conn.execute(
            select(server_roles.c.annotator).where(server_roles.c.role == lead_role)
        ).first()
        if mapped is not None and mapped.annotator is not None:
            raise CorpusError(
                f"role {lead_role!r} is annotator {mapped.annotator!r}'s role; "
                "choose another lead role with --lead-role"
            )
        password = _ensure_login_role(conn, lead_role)
        if mapped is None:
            conn.execute(server_roles.insert().values(role=lead_role, annotator=None))
        schema = _quote(conn, str(conn.execute(select(func.current_schema())).scalar_one()))
        for statement in _FUNCTIONS:
            conn.execute(text(statement.format(schema=schema)))
        _enable_row_security(conn)
        _secure_actors(conn)
        for role, annotator in conn.execute(select(server_roles)).all():
            _grant(conn, role, lead=annotator is None)
        return Account(lead_role, _url_for_role(corpus, lead_role), password)

    return writing(corpus.engine, work)


def add_annotator(corpus: Corpus, name: str, role: str | None = None) -> Account:
    """Give annotator ``name`` a role of their own (``annotator_NAME`` by default).

    An existing role is reused with its password (e.g. the same person on another
    corpus of the server). Needs :func:`setup_server` first.

    Raises:
        CorpusError: the name or role is unusable, or the server is not set up.
    """
    _require_server(corpus)
    check_own_name(name)  # never gold: the adjudicated layer gets no annotator role
    role = role or f"{ANNOTATOR_ROLE_PREFIX}{name}"
    _check_role_name(role)

    def work(conn: Connection) -> Account:
        if not inspect(conn).has_table("server_roles"):
            raise CorpusError(
                f"{_shown(corpus)}: the server is not set up for a team yet; "
                "run 'annotator server setup URL' first"
            )
        mapped = conn.execute(
            select(server_roles.c.annotator).where(server_roles.c.role == role)
        ).first()
        if mapped is not None and mapped.annotator != name:
            whose = "a lead's role" if mapped.annotator is None else f"{mapped.annotator!r}'s role"
            raise CorpusError(f"role {role!r} is already {whose}; choose another with --role")
        password = _ensure_login_role(conn, role)
        if mapped is None:
            conn.execute(server_roles.insert().values(role=role, annotator=name))
        known = select(t.annotators.c.pk).where(t.annotators.c.name == name)
        if conn.execute(known).first() is None:
            conn.execute(t.annotators.insert().values(name=name))
        _grant(conn, role, lead=False)
        return Account(role, _url_for_role(corpus, role), password, name)

    return writing(corpus.engine, work)


def holds_corpus(location: str) -> bool:
    """Whether the database at ``location`` already holds a corpus (any schema version)."""
    engine = make_engine(location)
    try:
        with reading(engine) as conn:
            return migrations.current_version(conn) > 0
    finally:
        engine.dispose()


def connected_annotator(corpus: Corpus) -> str | None:
    """The annotator whose role this connection uses, or None (a lead, the
    administrator, a file corpus): the window uses it to know whose set to open."""
    if corpus.engine.dialect.name != "postgresql":
        return None
    with reading(corpus.engine) as conn:
        if not inspect(conn).has_table("server_roles"):
            return None
        name = conn.execute(
            select(server_roles.c.annotator).where(server_roles.c.role == func.current_user())
        ).scalar()
    return None if name is None else str(name)


# -- helpers ---------------------------------------------------------------------------------


def _require_server(corpus: Corpus) -> None:
    if corpus.engine.dialect.name != "postgresql":
        raise CorpusError(
            f"{corpus.location}: roles and row-level security are for a corpus on a "
            "PostgreSQL server (postgresql+psycopg://USER@HOST/DATABASE), not a file"
        )


def _check_role_name(role: str) -> None:
    if not role or len(role.encode("utf-8")) > MAX_ROLE_BYTES or role.startswith("pg_"):
        raise CorpusError(
            f"role name {role!r} is not usable: PostgreSQL takes 1 to {MAX_ROLE_BYTES} "
            "bytes, not starting with 'pg_'; give another one with --role"
        )


def _shown(corpus: Corpus) -> str:
    return corpus.engine.url.render_as_string(hide_password=True)


def _url_for_role(corpus: Corpus, role: str) -> str:
    url = corpus.engine.url
    # URL.set() keeps the password when given None: build the URL anew without it.
    bare = URL.create(url.drivername, role, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _run(conn: Connection, statement: sql.Composed) -> None:
    """Run a statement composed with psycopg's ``sql`` (identifiers quoted by the driver,
    never by string formatting) in ``conn``'s transaction. A refusal is reported by its
    first line only: the statement may hold a password."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor:
            cursor.execute(statement)
    except psycopg.errors.InsufficientPrivilege as error:
        raise PermissionDenied(
            f"the server refused this to role {conn.engine.url.username!r} "
            f"({_first_line(error)}): run it as the corpus's administrator"
        ) from None
    except psycopg.Error as error:
        raise CorpusError(f"the server refused it ({_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else error.__class__.__name__


def _ensure_login_role(conn: Connection, role: str) -> str | None:
    """Create ``role`` with a new password (returned) unless it exists; refuse a role
    that would bypass row-level security."""
    found = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is not None:
        if found.rolsuper or found.rolbypassrls:
            raise CorpusError(
                f"role {role!r} is a superuser or bypasses row-level security, so it would "
                "see every annotation; choose another role name"
            )
        return None
    password = secrets.token_urlsafe(24)  # letters, digits, '-' and '_' only
    _run(
        conn,
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)
        ),
    )
    return password


def _enable_row_security(conn: Connection) -> None:
    for table in OWN_TABLES:
        condition = _OWN_SET if table == "annotation_sets" else _OWN_ROW
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS own_or_lead ON {table}"))
        conn.execute(
            text(
                f"CREATE POLICY own_or_lead ON {table} FOR ALL TO PUBLIC "
                f"USING ({condition}) WITH CHECK ({condition})"
            )
        )


# The annotator name of the connected role, for the registry's policy.
_OWN_NAME = "(SELECT name FROM annotators WHERE pk = (SELECT annotator_role_pk()))"
_ACTOR_POLICIES = (
    ("actors_read", "SELECT", "USING (true)"),
    ("actors_add", "INSERT", f"WITH CHECK ({_IS_LEAD} OR created_by = {_OWN_NAME})"),
    ("actors_change", "UPDATE", f"USING ({_IS_LEAD}) WITH CHECK ({_IS_LEAD})"),
    ("actors_remove", "DELETE", f"USING ({_IS_LEAD})"),
)


def _secure_actors(conn: Connection) -> None:
    """The registry: everyone reads it, annotators add entries under their own name,
    only a lead changes (renames, merges) or removes them."""
    conn.execute(text("ALTER TABLE actors ENABLE ROW LEVEL SECURITY"))
    for name, command, rule in _ACTOR_POLICIES:
        conn.execute(text(f"DROP POLICY IF EXISTS {name} ON actors"))
        conn.execute(text(f"CREATE POLICY {name} ON actors FOR {command} TO PUBLIC {rule}"))


def _grant(conn: Connection, role: str, lead: bool) -> None:
    """Table and sequence privileges of ``role``, from scratch (so a rerun is exact)."""
    who = sql.Identifier(role)
    tables = [table.name for table in t.metadata.sorted_tables] + ["server_roles"]

    def names(items: list[str] | tuple[str, ...] | list[tuple[str, str]]) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.Identifier(*item) if isinstance(item, tuple) else sql.Identifier(item)
            for item in items
        )

    _run(conn, sql.SQL("REVOKE ALL ON {} FROM {}").format(names(tables), who))
    if lead:
        writable = [name for name in tables if name not in ("server_roles", "schema_info")]
        _run(conn, sql.SQL("GRANT SELECT ON {} TO {}").format(names(tables), who))
        _run(conn, sql.SQL("GRANT INSERT, UPDATE, DELETE ON {} TO {}").format(names(writable), who))
        sequences, rights = _sequences(conn, writable), "USAGE, SELECT, UPDATE"
    else:
        _run(conn, sql.SQL("GRANT SELECT ON {} TO {}").format(names(READ_TABLES), who))
        _run(conn, sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(names(OWN_TABLES), who))
        for table, columns in UPDATED_COLUMNS.items():
            grant = sql.SQL("GRANT UPDATE ({}) ON {} TO {}")
            _run(conn, grant.format(names(columns), sql.Identifier(table), who))
        records = names(RECORD_TABLES)
        _run(conn, sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(records, who))
        sequences, rights = _sequences(conn, OWN_TABLES + RECORD_TABLES), "USAGE"
    if sequences:
        _run(
            conn,
            sql.SQL("GRANT {} ON SEQUENCE {} TO {}").format(sql.SQL(rights), names(sequences), who),
        )


def _sequences(conn: Connection, tables: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """The key sequences of ``tables`` (those with a serial ``pk``), as (schema, name)."""
    found = []
    for table in tables:
        if "pk" in t.metadata.tables[table].c:
            row = conn.execute(
                text(
                    "SELECT n.nspname, c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.oid = pg_get_serial_sequence(:table, 'pk')::regclass"
                ),
                {"table": table},
            ).first()
            if row is not None:
                found.append((str(row[0]), str(row[1])))
    return found
