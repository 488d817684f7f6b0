"""Full-text search objects that live outside the models.

SQLite's FTS5 table (and its shadow tables) made by migration 0007, PostgreSQL's stored
search vector and its GIN index made by 0018 (an expression index before it): autogenerate
must neither drop nor recreate them.
"""

SEARCH_OBJECTS = ("snapshot_fts", "ix_snapshot_search", "search_vector")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave the search objects out of autogenerate's comparison."""
    return not (name or "").startswith(SEARCH_OBJECTS)
