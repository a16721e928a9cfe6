"""Asynchronous data value imports (DHIS2's ``async=true``): a job per import, run on a
background thread of the same process, its progress and summary kept in memory.

DHIS2 answers an asynchronous import at once with a job id and the places to ask about it:
``/api/system/tasks/DATAVALUE_IMPORT/{id}`` (the notifications, newest first, the first one
``completed`` when done) and ``/api/system/taskSummaries/DATAVALUE_IMPORT/{id}`` (the import
summary). chitieu keeps the same shape. Jobs live in the memory of the process that ran them:
with several workers, ask the worker that answered (or use synchronous imports); a restart
forgets them. At most :data:`MAX_JOBS` are kept, the oldest finished ones dropped first.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chitieu.reporting.summary import ImportSummary

JOB_TYPE = "DATAVALUE_IMPORT"
MAX_JOBS = 200
_ALPHABET = string.ascii_letters + string.digits


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def new_uid() -> str:
    """An identifier in DHIS2's form: 11 characters, a letter first."""
    return secrets.choice(string.ascii_letters) + "".join(
        secrets.choice(_ALPHABET) for _ in range(10)
    )


@dataclass
class Job:
    id: str
    owner: str
    created: str = field(default_factory=_now)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    summary: ImportSummary | None = None

    @property
    def done(self) -> bool:
        return self.summary is not None

    def notify(self, message: str, *, level: str = "INFO", completed: bool = False) -> None:
        self.notifications.insert(
            0,
            {
                "uid": new_uid(),
                "level": level,
                "category": JOB_TYPE,
                "time": _now(),
                "message": message,
                "completed": completed,
            },
        )

    def started(self) -> dict[str, Any]:
        """DHIS2's answer to an asynchronous import (a ``JobConfigurationWebMessageResponse``)."""
        return {
            "httpStatus": "OK",
            "httpStatusCode": 200,
            "status": "OK",
            "message": f"Initiated {JOB_TYPE}",
            "response": {
                "responseType": "JobConfigurationWebMessageResponse",
                "name": JOB_TYPE,
                "id": self.id,
                "created": self.created,
                "jobType": JOB_TYPE,
                "relativeNotifierEndpoint": f"/api/system/tasks/{JOB_TYPE}/{self.id}",
            },
        }


class Jobs:
    """The jobs of one process."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, owner: str, work: Callable[[], ImportSummary]) -> Job:
        """Run ``work`` on a new thread as a job of ``owner``; the job at once."""
        job = Job(new_uid(), owner)
        job.notify("Import started")
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next((j for j in self._jobs.values() if j.done), None)
                if oldest is None:
                    break
                del self._jobs[oldest.id]

        def run() -> None:
            try:
                summary = work()
            except Exception as exc:  # the job must end and say why, whatever happened
                from chitieu.reporting.summary import Conflict, refused

                why = f"the import failed: {type(exc).__name__}: {exc}"
                summary = refused([Conflict("payload", why, None, "payload")], 0)
            job.summary = summary
            level = "ERROR" if summary.status == "ERROR" else "INFO"
            job.notify(f"Import done: {summary.status}", level=level, completed=True)

        threading.Thread(target=run, name=f"dhis2-import-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str, *, see_all: bool = False) -> Job | None:
        """The job, if it exists and ``owner`` may see it (its starter, or ``see_all``)."""
        job = self._jobs.get(job_id)
        if job is None or not (see_all or job.owner == owner):
            return None
        return job

    def wait(self, job_id: str, timeout: float = 30.0) -> bool:
        """Wait until the job ends (for tests and the CLI); True when it did."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self._jobs.get(job_id)
            if job is None or job.done:
                return job is not None
            time.sleep(0.02)
        return False


#: The process's jobs.
JOBS = Jobs()
