"""Persistence: SQLAlchemy tables, engine set-up, schema migrations and the repository."""
