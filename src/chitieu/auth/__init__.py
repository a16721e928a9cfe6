"""Sign-in, roles and unit scope, for the web pages and the HTTP API.

A user has a role — ``entry`` (data entry), ``analyst`` or ``admin`` — and a unit; they read
and write only that unit and what lies below it (``admin`` at ``VN`` sees everything).
Passwords are argon2id hashes; API clients use bearer tokens (``POST /api/login``) or HTTP
Basic; pages use a signed session cookie (HttpOnly, SameSite=Lax) with a per-session CSRF
token; failed sign-ins are limited to 5 per username and address in 5 minutes (then 429).
A worker re-reads an account at most every 2 seconds, so a password change, a disabled user
or a new role or unit applies to every token and session within 2 seconds.

Dependencies for handlers (``from chitieu.auth import …``; ``DB`` is
:data:`chitieu.api.db.DB`, the request's session)::

    CurrentUser  = Annotated[Principal, Depends(current_user)]         # 401 when not signed in
    OptionalUser = Annotated[Principal | None, Depends(optional_user)]

    async def current_user(user: OptionalUser) -> Principal
    async def optional_user(request: Request, db: DB,
                            presented=Depends(credentials)) -> Principal | None
    def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]
        # Depends(require_role("admin", "analyst")) -> the user, or 403
    def require_scope(param: str = "unit") -> Callable[..., UnitInfo]
        # Depends(require_scope("unit")) -> the unit named by that path/query parameter
        # (the user's own unit when absent), 404 unknown, 403 outside the user's unit
    def ensure_within(user: Principal, unit_code: str, db: Session) -> UnitInfo   # 404 / 403
    def csrf_token(request: Request) -> str | None       # the session's CSRF token, for forms
    async def verify_csrf(request: Request) -> None      # Depends(verify_csrf): 403 without it
    def login_page_user(request: Request, db: Session, username: str, password: str) -> Principal
        # checks a sign-in form (rate-limited): the user, or ApiError 401 / 429
    def start_session(response: Response, request: Request, db: Session, user: Principal) -> str
        # sets the session cookie on response, returns the new CSRF token
    def end_session(response: Response) -> None
    def issue_api_token(request: Request, db: Session, user: Principal) -> str

Every state-changing request that authenticates with the cookie must carry the CSRF token in
the ``X-CSRF-Token`` header or a ``csrf_token`` form field: :func:`current_user` enforces it,
so a page handler that depends on ``CurrentUser`` is protected without more code.
Handlers and dependencies that query the database must be plain ``def`` functions (FastAPI
runs them in worker threads): a query on the event loop that waits for a pooled connection
would stall every request.

:class:`Principal` fields: ``username, role, unit_code, unit_path, full_name, via``
(``session|bearer|basic``), ``csrf`` (session only); ``covers(unit_path) -> bool``,
``is_admin``.

Users (no request needed; ``db`` is a Connection or Session inside a transaction)::

    def create_user(db, username, *, role, unit_code, password=None, password_hash=None,
                    full_name=None, actor="system") -> None       # audited; UserError
    def set_password(db, username, password, *, actor="system") -> None
    def list_users(db, unit_code=None) -> list[UserInfo]
    def authenticate(db, username, password) -> tuple[Principal, str] | None
    def create_demo_users(conn, password="demo") -> int
"""

from chitieu.auth.deps import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    CurrentUser,
    OptionalUser,
    credentials,
    csrf_token,
    current_user,
    end_session,
    ensure_within,
    issue_api_token,
    login_page_user,
    optional_user,
    require_role,
    require_scope,
    start_session,
    verify_csrf,
)
from chitieu.auth.passwords import hash_password, verify_password
from chitieu.auth.users import (
    DEMO_PASSWORD,
    ROLES,
    Principal,
    UserError,
    UserInfo,
    authenticate,
    create_demo_users,
    create_user,
    list_users,
    set_password,
)

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "DEMO_PASSWORD",
    "ROLES",
    "SESSION_COOKIE",
    "CurrentUser",
    "OptionalUser",
    "Principal",
    "UserError",
    "UserInfo",
    "authenticate",
    "create_demo_users",
    "create_user",
    "credentials",
    "csrf_token",
    "current_user",
    "end_session",
    "ensure_within",
    "hash_password",
    "issue_api_token",
    "list_users",
    "login_page_user",
    "optional_user",
    "require_role",
    "require_scope",
    "set_password",
    "start_session",
    "verify_csrf",
    "verify_password",
]
