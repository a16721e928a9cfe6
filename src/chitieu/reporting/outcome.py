"""What an import finds and does: the problems gathered while a payload streams through (its
readers, the translation of its identifiers and the planner all add to one outcome), and the
count of its actions by kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chitieu.reporting.summary import Conflict, ImportCount
from chitieu.reporting.validate import Action

#: Conflicts listed in a summary; beyond it they are counted, not listed.
MAX_LISTED_CONFLICTS = 10_000


@dataclass
class Outcome:
    """Problems gathered while a payload streams through: readers, translation and the
    planner all add to one outcome. ``rejected`` are the indexes of refused values;
    ``skipped`` those the import strategy leaves (ignored, and listed among the rejected
    indexes as DHIS2 lists them, but not a refusal); a ``fatal`` problem (an unreadable
    header, an unknown data set) refuses the whole payload in either mode."""

    conflicts: list[Conflict] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    fatal: bool = False
    unlisted: int = 0
    refusals: int = 0

    def add(self, c: Conflict, *, rejects: bool = True) -> None:
        if len(self.conflicts) < MAX_LISTED_CONFLICTS:
            self.conflicts.append(c)
        else:
            self.unlisted += 1
        if rejects:
            self.refusals += 1
            if c.index is not None:
                self.rejected.append(c.index)

    @property
    def refused_any(self) -> bool:
        return self.fatal or self.refusals > 0 or bool(self.rejected)


def count_actions(
    actions: Sequence[Action], c: ImportCount | None = None, skipped: list[int] | None = None
) -> ImportCount:
    """Count ``actions`` by kind into ``c``; the indexes of those the strategy leaves
    (``skip``) go to ``skipped``."""
    c = c if c is not None else ImportCount()
    for a in actions:
        if a.kind == "insert":
            c.imported += 1
        elif a.kind == "update":
            c.updated += 1
        elif a.kind == "delete":
            c.deleted += 1
        else:
            c.ignored += 1
            if a.kind == "skip" and skipped is not None and a.v.index is not None:
                skipped.append(a.v.index)
    return c
