"""Deleting rows of annotation sets, also for an annotator's role on a team server.

On PostgreSQL, ``LOCK TABLE`` in any mode stronger than ROW EXCLUSIVE needs a
*table-level* UPDATE, DELETE or TRUNCATE privilege (column privileges do not count).
An annotator holding that lock in psql would stall every other annotator's edits, so an
annotator's role gets SELECT and INSERT on its tables, UPDATE only on the columns the app
changes, and no DELETE at all (:mod:`annotator.store.server`). It deletes through the
functions below instead: they run as the tables' owner (SECURITY DEFINER, with a search
path that holds nothing of the caller's) and first check that every set concerned is the
caller's own, by the same functions as the row-level security policies, so that an
annotator deletes exactly what row-level security lets them see, and nothing else.

Every place of the store that deletes rows of annotation sets an annotator may write
calls the helpers here: a SQLite file, a lead or the administrator (who hold DELETE)
get plain ``DELETE`` statements; a role without DELETE gets the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Connection,
    Integer,
    Table,
    Text,
    bindparam,
    func,
    select,
)

from annotator.core.model import Relation
from annotator.store import schema as t
from annotator.store.rows import _chunks

SET_TABLES = (
    "spans",
    "relations",
    "doc_labels",
    "suggestion_decisions",
    "model_scores",
    "actor_links",
)
"""The tables whose rows belong to one annotation set (by ``set_pk``)."""

# The caller of a SECURITY DEFINER function is not its current_user (that is the owner):
# it is the role the session SET ROLE to, or else the role that logged in. Nobody but a
# superuser can change either to a role they are not a member of.
_CALLER = (
    "CASE current_setting('role') WHEN 'none' THEN session_user "
    "ELSE current_setting('role')::name END"
)

_SAFE = "SET search_path = pg_catalog, pg_temp"

FUNCTIONS = (
    # Who may change a set: the policies' own test, for a given role (server.py's
    # annotator_role_pk() and annotator_is_lead() are these, for current_user).
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_role_pk_of(who name) RETURNS integer
       LANGUAGE sql STABLE {_SAFE} AS $$
         SELECT n.pk FROM {{schema}}.annotators n
         JOIN {{schema}}.server_roles r ON r.annotator = n.name
         WHERE r.role = who $$""",
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_is_lead_of(who name) RETURNS boolean
       LANGUAGE sql STABLE {_SAFE} AS $$
         SELECT EXISTS (SELECT 1 FROM {{schema}}.server_roles
                        WHERE role = who AND annotator IS NULL) $$""",
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_check_own_sets(p_sets integer[])
       RETURNS void LANGUAGE plpgsql STABLE {_SAFE} AS $$
       DECLARE
         who name := {_CALLER};
       BEGIN
         IF {{schema}}.annotator_is_lead_of(who) THEN
           RETURN;
         END IF;
         IF EXISTS (
           SELECT 1 FROM unnest(p_sets) AS s(pk)
           WHERE s.pk IS NULL OR s.pk NOT IN (
             SELECT a.pk FROM {{schema}}.annotation_sets a
             WHERE a.annotator_pk = {{schema}}.annotator_role_pk_of(who))
         ) THEN
           RAISE EXCEPTION 'role % may delete only the rows of its own annotation sets', who
             USING ERRCODE = 'insufficient_privilege';
         END IF;
       END $$""",
    # Every row of the sets in one table (or the sets themselves, with their rows).
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_delete_rows(p_table text, p_sets integer[])
       RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER {_SAFE} AS $$
       BEGIN
         PERFORM {{schema}}.annotator_check_own_sets(p_sets);
         CASE p_table
           WHEN 'annotation_sets' THEN
             DELETE FROM {{schema}}.annotation_sets WHERE pk = ANY (p_sets);
           WHEN 'spans' THEN DELETE FROM {{schema}}.spans WHERE set_pk = ANY (p_sets);
           WHEN 'relations' THEN DELETE FROM {{schema}}.relations WHERE set_pk = ANY (p_sets);
           WHEN 'doc_labels' THEN DELETE FROM {{schema}}.doc_labels WHERE set_pk = ANY (p_sets);
           WHEN 'suggestion_decisions' THEN
             DELETE FROM {{schema}}.suggestion_decisions WHERE set_pk = ANY (p_sets);
           WHEN 'model_scores' THEN
             DELETE FROM {{schema}}.model_scores WHERE set_pk = ANY (p_sets);
           WHEN 'actor_links' THEN
             DELETE FROM {{schema}}.actor_links WHERE set_pk = ANY (p_sets);
         END CASE;
       END $$""",
    # Some spans (or suggestion decisions) of one set, by span id.
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_delete_by_span_id(
         p_table text, p_set integer, p_ids text[])
       RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER {_SAFE} AS $$
       BEGIN
         PERFORM {{schema}}.annotator_check_own_sets(ARRAY[p_set]);
         CASE p_table
           WHEN 'spans' THEN
             DELETE FROM {{schema}}.spans WHERE set_pk = p_set AND span_id = ANY (p_ids);
           WHEN 'suggestion_decisions' THEN
             DELETE FROM {{schema}}.suggestion_decisions
             WHERE set_pk = p_set AND span_id = ANY (p_ids);
           WHEN 'actor_links' THEN
             DELETE FROM {{schema}}.actor_links WHERE set_pk = p_set AND span_id = ANY (p_ids);
         END CASE;
       END $$""",
    # Some relations of one set, by (head, child, label).
    f"""CREATE OR REPLACE FUNCTION {{schema}}.annotator_delete_relations(
         p_set integer, p_heads text[], p_children text[], p_labels text[])
       RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER {_SAFE} AS $$
       BEGIN
         PERFORM {{schema}}.annotator_check_own_sets(ARRAY[p_set]);
         DELETE FROM {{schema}}.relations r
         USING unnest(p_heads, p_children, p_labels) AS g(head, child, label)
         WHERE r.set_pk = p_set AND r.head = g.head AND r.child = g.child
           AND r.label = g.label;
       END $$""",
)
"""The functions :func:`annotator.store.server.setup_server` creates, ``{schema}`` being
the corpus's (quoted) schema."""

_CHECKED = "annotator_may_delete"


def delete_set_rows(conn: Connection, table: Table, set_pks: Sequence[int]) -> None:
    """Delete every row of ``table`` (one of :data:`SET_TABLES`) of the sets ``set_pks``;
    with ``annotation_sets``, the sets themselves (their rows go with them)."""
    for chunk in _chunks(list(set_pks), 500):
        if _may_delete(conn):
            key = table.c.pk if table is t.annotation_sets else table.c.set_pk
            conn.execute(table.delete().where(key.in_(chunk)))
        else:
            conn.execute(select(func.annotator_delete_rows(table.name, _integers(chunk))))


def delete_spans(conn: Connection, set_pk: int, span_ids: Sequence[str]) -> None:
    """Delete the spans ``span_ids`` of one set."""
    _delete_by_span_id(conn, t.spans, set_pk, span_ids)


def delete_decisions(conn: Connection, set_pk: int, span_ids: Sequence[str]) -> None:
    """Delete the suggestion decisions of one set about the spans ``span_ids``."""
    _delete_by_span_id(conn, t.suggestion_decisions, set_pk, span_ids)


def delete_links(conn: Connection, set_pk: int, span_ids: Sequence[str]) -> None:
    """Delete the actor links of one set from the spans ``span_ids``."""
    _delete_by_span_id(conn, t.actor_links, set_pk, span_ids)


def delete_relations(conn: Connection, set_pk: int, relations: Sequence[Relation]) -> None:
    """Delete these relations of one set."""
    if not relations:
        return
    r = t.relations
    if _may_delete(conn):
        for rel in relations:
            conn.execute(
                r.delete().where(
                    r.c.set_pk == set_pk,
                    r.c.head == rel.head,
                    r.c.child == rel.child,
                    r.c.label == rel.label,
                )
            )
        return
    for chunk in _chunks(list(relations), 500):
        heads = _texts([rel.head for rel in chunk])
        children = _texts([rel.child for rel in chunk])
        labels = _texts([rel.label for rel in chunk])
        conn.execute(select(func.annotator_delete_relations(set_pk, heads, children, labels)))


def _delete_by_span_id(
    conn: Connection, table: Table, set_pk: int, span_ids: Sequence[str]
) -> None:
    for chunk in _chunks(list(span_ids), 500):
        if _may_delete(conn):
            conn.execute(table.delete().where(table.c.set_pk == set_pk, table.c.span_id.in_(chunk)))
        else:
            call = func.annotator_delete_by_span_id(table.name, set_pk, _texts(chunk))
            conn.execute(select(call))


def _may_delete(conn: Connection) -> bool:
    """Whether this connection's role may delete rows itself (SQLite, a lead, the
    administrator, an annotator on a server set up by an older version), asked of the
    server once per transaction: a later ``server setup`` may take DELETE away."""
    if conn.dialect.name != "postgresql":
        return True
    transaction = conn.get_transaction()
    cached = conn.info.get(_CHECKED)
    if cached is not None and cached[0] is transaction:
        return bool(cached[1])
    query = select(func.has_table_privilege(t.annotation_sets.name, "DELETE"))
    allowed = bool(conn.execute(query).scalar())
    conn.info[_CHECKED] = (transaction, allowed)
    return allowed


def _texts(values: Sequence[str]) -> BindParameter[Any]:
    return bindparam(None, list(values), type_=ARRAY(Text))


def _integers(values: Sequence[int]) -> BindParameter[Any]:
    return bindparam(None, list(values), type_=ARRAY(Integer))
