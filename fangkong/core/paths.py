"""Materialised paths: every territory unit stores "/<id>/<id>/.../" from the root.

A subtree is a half-open range of strings, [path, path with its last "/" bumped to "0"),
which a plain B-tree index answers on SQLite and PostgreSQL alike, provided the column
compares bytes (PathField forces the "C" collation on PostgreSQL).
"""

from django.db import models
from django.db.models import Q

SEPARATOR = "/"
# The character after "/" in byte order: every path that starts with "/1/5/" sorts below "/1/50".
_AFTER_SEPARATOR = chr(ord(SEPARATOR) + 1)


class KeyField(models.CharField):
    """A CharField compared byte by byte (the "C" collation on PostgreSQL), so prefix ranges use the index."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class PathField(KeyField):
    """A materialised path."""


def child_path(parent_path: str, node_id: int) -> str:
    return f"{parent_path or SEPARATOR}{node_id}{SEPARATOR}"


def path_ids(path: str) -> list[int]:
    """The ids on a path, root first."""
    return [int(part) for part in path.strip(SEPARATOR).split(SEPARATOR) if part]


def subtree_upper_bound(path: str) -> str:
    return path[:-1] + _AFTER_SEPARATOR


def subtree_q(lookup: str, path: str) -> Q:
    """Rows whose `lookup` path lies in the subtree rooted at `path` (the root included)."""
    return Q(**{f"{lookup}__gte": path, f"{lookup}__lt": subtree_upper_bound(path)})


def is_within(path: str, root_path: str) -> bool:
    return path.startswith(root_path)


def prefix_q(lookup: str, prefix: str) -> Q:
    """Rows whose `lookup` starts with `prefix`, as an index range.

    Django's __startswith becomes LIKE ... ESCAPE, which SQLite never answers from an index and
    PostgreSQL only under the "C" collation; a range on a byte-ordered column uses the index on both.
    """
    if not prefix:
        return Q()
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{lookup}__gte": prefix, f"{lookup}__lt": upper})
