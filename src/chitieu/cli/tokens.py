"""``chitieu tokens``: personal access tokens for DHIS2 clients and scripts, made, listed,
re-dated and revoked for a user from the server's command line (users manage their own
through ``/api/apiToken``). The token is printed once; only its digest is stored."""

from __future__ import annotations

import typer

from chitieu.cli.output import FORMAT_OPTION, Format, fail, print_json
from chitieu.cli.users import USERNAME_ARGUMENT, _actor
from chitieu.store.db import make_engine, transaction

#: A token, by the id ``chitieu tokens list`` shows.
_TOKEN_ID = typer.Argument(
    ..., help="Mã số của mã truy cập, lấy từ `chitieu tokens list` (the token's id)."
)

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Mã truy cập cá nhân (personal access tokens: Authorization: ApiToken d2pat_…).",
    no_args_is_help=True,
)


@app.command()
def create(
    username: str = typer.Argument(
        ..., help="Người dùng mà mã truy cập đại diện (the user the token acts for)."
    ),
    name: str = typer.Option(
        None,
        "--name",
        help="Mục đích của mã, hiện trong danh sách (what the token is for, shown in lists).",
    ),
    unit: str = typer.Option(
        None,
        "--unit",
        help="Thu hẹp về một đơn vị thuộc đơn vị của người dùng (narrow to a unit within the "
        "user's unit).",
    ),
    days: int = typer.Option(
        30, "--days", min=1, max=365, help="Số ngày có hiệu lực (valid for this many days)."
    ),
) -> None:
    """Tạo mã truy cập cho USERNAME và in ra một lần duy nhất, kèm mã số, đơn vị và hạn dùng (make a
    token for USERNAME and print it this once, with its id, unit and expiry)."""
    from chitieu.auth.api_tokens import TokenError, create_token

    try:
        with transaction(make_engine()) as db:
            info, token = create_token(
                db, username, name=name, unit_code=unit, days=days, actor=_actor()
            )
    except TokenError as exc:
        raise fail(str(exc)) from None
    typer.echo(token)
    typer.echo(
        f"id {info.uid}, unit {info.unit_code}, expires {info.expires:%Y-%m-%d %H:%M} UTC "
        "(the token is not shown again)",
        err=True,
    )


@app.command(name="list")
def list_(
    username: str = USERNAME_ARGUMENT,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Các mã truy cập của người dùng, mới nhất trước; không bao giờ in chính mã (the user's tokens,
    newest first, never the tokens themselves)."""
    from chitieu.auth.api_tokens import list_tokens

    with transaction(make_engine()) as db:
        found = list_tokens(db, username)
    if fmt is Format.json:
        print_json([t.as_dict() for t in found])
        return
    for t in found:
        used = f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "never"
        typer.echo(
            f"{t.uid}  {t.state():<8} {t.unit_code:<6} expires {t.expires:%Y-%m-%d %H:%M}  "
            f"used {used}  {t.name or ''}"
        )


@app.command()
def expire(
    username: str = USERNAME_ARGUMENT,
    uid: str = _TOKEN_ID,
    days: int = typer.Option(
        ..., "--days", min=1, max=365, help="Thêm số ngày có hiệu lực (valid this many days more)."
    ),
) -> None:
    """Đặt hạn dùng mới cho một mã truy cập, tính từ bây giờ (give one of the user's tokens a new
    expiry, counted from now)."""
    from chitieu.auth.api_tokens import TokenError, set_expiry

    try:
        with transaction(make_engine()) as db:
            info = set_expiry(db, username, uid, days=days, actor=_actor())
    except (TokenError, LookupError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{uid} expires {info.expires:%Y-%m-%d %H:%M} UTC")


@app.command()
def revoke(
    username: str = USERNAME_ARGUMENT,
    uid: str = _TOKEN_ID,
) -> None:
    """Thu hồi ngay một mã truy cập của người dùng (revoke one of the user's tokens now)."""
    from chitieu.auth.api_tokens import revoke_token

    try:
        with transaction(make_engine()) as db:
            revoke_token(db, username, uid, actor=_actor())
    except LookupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{uid} revoked")
