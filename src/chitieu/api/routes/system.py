"""``/api/system/info`` and ``/api/ping`` as DHIS2 clients read them at start-up.

chitieu answers as a DHIS2 :data:`DHIS2_VERSION` server for the parts of the Web API it
implements (data value sets, metadata reads, ``me``, personal access tokens); the fields are
strings where DHIS2's are, so clients that validate them (dhis2w, dhis2-python) accept them.
``systemName`` and ``revision`` say it is chitieu.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

import chitieu
from chitieu.api.deps import CurrentUser
from chitieu.api.responses import json_response

router = APIRouter(tags=["DHIS2"])

#: The DHIS2 version chitieu's API follows (clients pick their models by it).
DHIS2_VERSION = "2.41.0"
_BUILT = datetime.fromtimestamp(Path(chitieu.__file__).stat().st_mtime, UTC)


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def system_info(request: Request) -> dict[str, Any]:
    """The ``system/info`` body for this server (times in UTC)."""
    base = str(request.base_url).rstrip("/")
    settings = request.app.state.settings
    dialect = request.app.state.engine.dialect.name
    digest = hashlib.sha256(f"chitieu-system:{settings.secret_key}".encode()).digest()
    now = _stamp(datetime.now(UTC))
    return {
        "contextPath": base,
        "instanceBaseUrl": base,
        "userAgent": request.headers.get("user-agent", ""),
        "calendar": "iso8601",
        "dateFormat": "yyyy-mm-dd",
        "serverDate": now,
        "serverTimeZoneId": "UTC",
        "serverTimeZoneDisplayName": "Coordinated Universal Time",
        "version": DHIS2_VERSION,
        "revision": f"chitieu-{chitieu.__version__}",
        "buildTime": _stamp(_BUILT),
        "systemId": str(uuid.UUID(bytes=digest[:16], version=4)),
        "systemName": "chitieu",
        "chitieuVersion": chitieu.__version__,
        "databaseInfo": {
            "type": "PostgreSQL" if dialect == "postgresql" else dialect.capitalize(),
            "spatialSupport": False,
        },
        "encryption": False,
        "emailConfigured": False,
        "redisEnabled": False,
        "readOnlyMode": "OFF",
        "isMetadataVersionEnabled": False,
        "isMetadataSyncEnabled": False,
        "fileStoreProvider": "none",
        "jasperReportsVersion": "",
        "environmentVariable": "CHITIEU_DATABASE_URL",
        # chitieu has no analytics tables to rebuild: its aggregates are kept current by every
        # import, so they are as fresh as the server's clock. Some clients require these.
        "lastAnalyticsTableSuccess": now,
        "intervalSinceLastAnalyticsTableSuccess": "0 s",
        "lastAnalyticsTableRuntime": "0 s",
        "lastSystemMonitoringSuccess": now,
        "clusterHostname": "",
        "nodeId": "chitieu",
    }


@router.get("/system/info", summary="System information (DHIS2)")
def info(request: Request, user: CurrentUser) -> Response:
    """What DHIS2 clients read first: ``version`` (DHIS2's, see the module), ``revision``,
    ``buildTime``, ``serverDate``, ``contextPath``, ``calendar``, ``dateFormat``,
    ``serverTimeZoneId``, ``systemName``, ``systemId``…, every one a string."""
    return json_response(system_info(request))


@router.get("/ping", summary="Is the server up (DHIS2)", response_class=PlainTextResponse)
@router.get("/system/ping", summary="Is the server up (DHIS2)", response_class=PlainTextResponse)
def ping() -> str:
    """Answers ``pong`` without signing in."""
    return "pong"
