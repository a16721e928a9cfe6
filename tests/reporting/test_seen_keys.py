"""The keys a payload gave (``reporting.seen``): the same duplicates, each with the place it
was first given, as the dictionary the import kept before (``setdefault(hash, where) is not
where``), over many batches, keys repeated within and across them, and values with no place."""

from __future__ import annotations

import random

from chitieu.reporting.seen import NOWHERE, SeenKeys


def _reference(batches: list[list[tuple[int, str]]]) -> list[dict[int, str]]:
    first: dict[int, str] = {}
    out = []
    for batch in batches:
        dups = {}
        for p, (h, where) in enumerate(batch):
            earlier = first.setdefault(h, where)
            if earlier is not where:
                dups[p] = earlier
        out.append(dups)
    return out


def _batches(rng: random.Random, nowhere_share: float) -> list[list[tuple[int, str]]]:
    batches = []
    for b in range(40):
        batch = []
        for k in range(rng.randint(0, 300)):
            h = rng.randrange(-(2**63), 2**63) if rng.random() < 0.5 else rng.randrange(2_000)
            where = NOWHERE if rng.random() < nowhere_share else f"line {b * 1000 + k}"
            batch.append((h, where))
        if batch and rng.random() < 0.3:  # the same place object twice: not a duplicate
            batch.append(batch[0])
        batches.append(batch)
    return batches


def test_seen_keys_find_the_duplicates_the_dictionary_found() -> None:
    for seed, share in [(1, 0.0), (2, 0.2), (3, 1.0)]:
        batches = _batches(random.Random(seed), share)
        expected = _reference(batches)
        seen = SeenKeys()
        found = [seen.add([h for h, _ in b], [w for _, w in b]) for b in batches]
        assert found == expected
        reported = sum(map(len, expected))
        # duplicates within and across batches; none when no value says where it came from
        assert reported > 100 if share < 1 else reported == 0
        assert len(seen) == len({h for b in batches for h, _ in b})


def test_seen_keys_stay_small() -> None:
    seen = SeenKeys()
    for b in range(20):
        seen.add(list(range(b * 10_000, (b + 1) * 10_000)), [f"line {i}" for i in range(10_000)])
    assert len(seen) == 200_000
    held = sum(h.nbytes + o.nbytes for h, o in seen._runs) + sum(
        len(j) + o.nbytes for _, j, o in seen._places
    )
    assert held < 40 * len(seen)  # bytes a key; a dictionary of hashes to places takes ~130
    assert seen.add([5, 199_999, 200_000], ["a", "b", "c"]) == {0: "line 5", 1: "line 9999"}
