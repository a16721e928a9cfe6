"""The request's database session: one transaction per request, committed when the handler
returns, rolled back when it raises (so a refused request changes nothing).

The dependency is a coroutine so that opening and closing the session cost no trip through
the thread pool (each trip costs about as much as a small query). Creating a session takes
no connection; the first query does, and every query runs in a worker thread (handlers and
dependencies that touch the database are plain functions), never on the event loop, where
waiting for a pooled connection would stall every request. Ending a read-only transaction
and closing do not wait; the commit of a state-changing request, which may wait for the
disk, runs in a worker thread. A request that changes nothing (GET, HEAD) works on
:func:`chitieu.store.db.reads_engine`: on PostgreSQL its reads send no ``BEGIN`` nor
``COMMIT``, and a write it makes after all opens a transaction where it starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.datastructures import State

from chitieu.config import Settings
from chitieu.store.db import only_read, reads_engine

#: Requests that change nothing: their (read-only) transaction is ended without a thread trip.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session on the app's engine. Commits before the response is sent (``scope="function"``
    below), so a failing commit is reported to the client rather than lost; on any error
    everything is rolled back."""
    if request.method in SAFE_METHODS:
        session: Session = request.app.state.sessions(bind=reads_engine_of(request.app.state))
    else:
        session = request.app.state.sessions()
    try:
        yield session
        if request.method in SAFE_METHODS:
            end_reading(session)
        else:
            await run_in_threadpool(session.commit)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def end_reading(session: Session) -> None:
    """End the work of a request that reads, on the thread it is on: a session that only
    read has nothing open on the server and is just closed (by the caller); one that wrote
    after all is committed (without waiting for the disk: it is rare)."""
    if not only_read(session):
        session.commit()


def reads_engine_of(state: State) -> Engine:
    """The app's engine for requests that read (made once per engine; :func:`reads_engine`),
    from the app's ``state``."""
    made = getattr(state, "reads_engine", None)
    if made is None or made[0] is not state.engine:
        made = state.reads_engine = (state.engine, reads_engine(state.engine))
    return made[1]


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


#: Use as a handler parameter: ``db: DB``. Every dependency that needs the database uses this
#: same alias, so a request has one session.
DB = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
