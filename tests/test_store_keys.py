"""Rows selected by a list of composite keys (``store.keys``): exactly the rows of the
keys asked, on both databases, for more keys than one SQLite chunk holds; and rows written by
key (``store.batches``): added to or set in place."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, delete, insert, select

from chitieu.store.batches import add_to, put_at
from chitieu.store.db import transaction
from chitieu.store.keys import CHUNK, key_conditions
from chitieu.store.models import ChangeCounter as CC


@pytest.mark.parametrize("narrow", [None, (0,), (1,)])
def test_key_conditions_select_and_delete_exactly_the_rows_of_the_keys(
    engine: Engine, narrow: tuple[int, ...] | None
) -> None:
    rng = random.Random(7)
    stored = {(f"s{i}", y): i * 100 + y for i in range(60) for y in range(40)}  # 2,400 rows
    asked = [*rng.sample(sorted(stored), 1_300), ("s1", 99), ("nope", 3)]  # two absent keys
    assert len(asked) > 2 * CHUNK
    with transaction(engine) as db:
        db.execute(
            insert(CC), [{"scope": s, "year": y, "version": v} for (s, y), v in stored.items()]
        )
        found: dict[tuple[str, int], int] = {}
        statements = 0
        for where in key_conditions(db, (CC.scope, CC.year), asked, narrow=narrow):
            statements += 1
            for s, y, v in db.execute(select(CC.scope, CC.year, CC.version).where(*where)):
                assert (s, y) not in found
                found[(s, y)] = v
        assert found == {k: stored[k] for k in asked if k in stored}
        assert statements == (1 if engine.dialect.name == "postgresql" else 3)
        for where in key_conditions(db, (CC.scope, CC.year), asked, narrow=narrow):
            db.execute(delete(CC).where(*where))
        left = set(db.execute(select(CC.scope, CC.year)).tuples())
        assert left == set(stored) - set(asked)
        assert list(key_conditions(db, (CC.scope, CC.year), [])) == []


def test_rows_added_to_or_put_at_their_keys_in_any_column_order(engine: Engine) -> None:
    """``add_to`` adds to the row of a key already there, ``put_at`` sets it; both insert the
    keys not there; the columns may come in another order than the table's."""
    key = ("year", "scope")  # the table's order is scope, year, version
    first = [(y, f"s{i}", 10 * i + y) for i in range(30) for y in (2024, 2025)]
    again = [(y, f"s{i}", 1000 + i) for i in range(20, 40) for y in (2025,)]
    with transaction(engine) as db:
        add_to(db, CC, key, ("version",), first)
        add_to(db, CC, key, ("version",), again)
        added = {(s, y): v for s, y, v in db.execute(select(CC.scope, CC.year, CC.version))}
        expected = {(s, y): v for y, s, v in first}
        for y, s, v in again:
            expected[(s, y)] = expected.get((s, y), 0) + v
        assert added == expected
        put_at(db, CC, key, ("version",), again)
        put = {(s, y): v for s, y, v in db.execute(select(CC.scope, CC.year, CC.version))}
        assert put == {**expected, **{(s, y): v for y, s, v in again}}
        assert put[("s25", 2025)] == 1025 and put[("s25", 2024)] == 10 * 25 + 2024
