"""The keys a payload has given so far, and where each was first given, in little memory.

A payload may not give the same (element, unit, period, disaggregation) twice: the import
must remember every key it has read, with the place it was first read, across all its
batches. A dictionary of key hashes to place strings costs about 130 bytes a key (the hash
object, the place string and the table): 130 MB for a million values. :class:`SeenKeys`
keeps the hashes in sorted NumPy arrays (merged as they grow) and the places of each batch
joined into one string, about 35 bytes a key, and checks a batch's keys in a few array
operations.

What counts as given twice is what ``dict.setdefault(hash(key), where) is not where`` said
before: equal hashes of keys, unless the place is the very same string object as the place
first recorded (one value given with no place at all, twice, is not a duplicate: both
places are the one text :data:`NOWHERE`). Within a batch every place is compared as an
object; against earlier batches, whose place strings are not kept as objects, only
:data:`NOWHERE` is.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

#: The place of a value that says neither where it came from nor its index.
NOWHERE = "a value"


class SeenKeys:
    def __init__(self) -> None:
        #: (sorted hashes, the ordinal of each) — each hash in one run only
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        #: per batch: its first ordinal, its places joined, where each place starts
        self._places: list[tuple[int, str, np.ndarray]] = []
        self._starts: list[int] = []  # the first ordinal of each batch of places
        #: ordinals whose first place was :data:`NOWHERE`
        self._nowhere: set[int] = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def place(self, ordinal: int) -> str:
        """Where the key of ``ordinal`` was first given."""
        first, joined, offsets = self._places[bisect_right(self._starts, ordinal) - 1]
        k = ordinal - first
        return joined[int(offsets[k]) : int(offsets[k + 1])]

    def add(self, hashes: Sequence[int], places: Sequence[str]) -> dict[int, str]:
        """Record the keys of ``hashes`` (in order) given at ``places``; return, for each
        position whose key was given before (earlier in the list or in an earlier call), the
        place it was first given. Those positions are not recorded."""
        n = len(hashes)
        if n == 0:
            return {}
        h = np.fromiter(hashes, dtype=np.int64, count=n)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        starts_group = np.ones(n, dtype=bool)
        starts_group[1:] = hs[1:] != hs[:-1]
        group_of = np.cumsum(starts_group) - 1  # group number of each sorted position
        bounds = np.append(np.flatnonzero(starts_group), n)  # each group's sorted positions
        firsts = order[starts_group]  # position of each group's first key (in order given)
        uniq = hs[starts_group]
        earlier = np.full(len(uniq), -1, dtype=np.int64)
        for run_h, run_o in self._runs:
            i = np.searchsorted(run_h, uniq)
            ok = i < len(run_h)
            hit = np.zeros(len(uniq), dtype=bool)
            hit[ok] = run_h[i[ok]] == uniq[ok]
            earlier[hit] = run_o[i[hit]]

        dups: dict[int, str] = {}
        # keys given in an earlier call: every position of the group refers to it
        for g in np.flatnonzero(earlier >= 0).tolist():
            ordinal = int(earlier[g])
            for p in sorted(order[bounds[g] : bounds[g + 1]].tolist()):
                if places[p] is NOWHERE and ordinal in self._nowhere:
                    continue  # the same place object as the first: not a duplicate
                dups[p] = self.place(ordinal)
        # keys given twice in this list: the later positions refer to the first
        repeated = np.flatnonzero(~starts_group)
        new_groups = earlier < 0
        for s in repeated.tolist():
            g = int(group_of[s])
            if not new_groups[g]:
                continue
            p, first = int(order[s]), int(firsts[g])
            if places[p] is not places[first]:
                dups[p] = places[first]

        fresh = firsts[new_groups]
        if len(fresh):
            ordinals = np.arange(self._count, self._count + len(fresh), dtype=np.int64)
            fresh_places = [places[p] for p in fresh.tolist()]
            if NOWHERE in fresh_places:  # equal text; the same object is what counts
                self._nowhere.update(
                    self._count + k for k, p in enumerate(fresh_places) if p is NOWHERE
                )
            offsets = np.zeros(len(fresh_places) + 1, dtype=np.int64)
            np.cumsum([len(p) for p in fresh_places], out=offsets[1:])
            self._places.append((self._count, "".join(fresh_places), offsets))
            self._starts.append(self._count)
            self._runs.append((uniq[new_groups], ordinals))  # uniq is sorted
            self._count += len(fresh)
            self._merge()
        return dups

    def _merge(self) -> None:
        """Merge the newest runs while the last is at least half the one before (the runs
        stay few: a lookup searches each)."""
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 >= len(self._runs[-2][0]):
            (h1, o1), (h2, o2) = self._runs.pop(), self._runs.pop()
            h, o = np.concatenate([h2, h1]), np.concatenate([o2, o1])
            order = np.argsort(h, kind="stable")
            self._runs.append((h[order], o[order]))
