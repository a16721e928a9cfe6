"""The HTTP API (FastAPI), mounted under ``/api`` by :func:`chitieu.app.create_app`.

One router per resource in :mod:`chitieu.api.routes`; :mod:`chitieu.api.router` gathers them.
Handlers receive the database session (:data:`chitieu.api.db.DB`) and the signed-in user
(:data:`chitieu.api.deps.CurrentUser`) through ``Depends``; errors are JSON
``{"error": {"code", "message", "details"}}`` (:mod:`chitieu.api.errors`).
"""
