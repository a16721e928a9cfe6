"""``chitieu users``: add users, list them, change a password."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum

import typer

from chitieu.cli.output import FORMAT_OPTION, Format, fail, print_json
from chitieu.store.db import make_engine, transaction

# chitieu.auth (FastAPI) is imported inside the commands, not here: every start-up would pay.

app = typer.Typer(
    rich_markup_mode="markdown", help="Người dùng (users: role and unit).", no_args_is_help=True
)


class Role(StrEnum):
    entry = "entry"
    analyst = "analyst"
    admin = "admin"


#: The login name a command acts on.
USERNAME_ARGUMENT = typer.Argument(
    ..., help="Tên đăng nhập của người dùng (the user's login name)."
)
STDIN_OPTION = typer.Option(
    False,
    "--password-stdin",
    help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn (read the password from the first line of "
    "standard input).",
)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu (password)", hide_input=True, confirmation_prompt=True)
    if not password:
        raise fail("the password is empty")
    return password


@app.command()
def add(
    username: str = typer.Argument(
        ..., help="Tên đăng nhập chữ thường, ví dụ entry.00070 (lower-case login name)."
    ),
    role: Role = typer.Option(..., "--role", help="Vai trò: entry, analyst hoặc admin (role)."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị: VN, 01, 00070 (unit code)."),
    full_name: str = typer.Option(
        None, "--full-name", help="Tên hiển thị trong ứng dụng (name shown in the app)."
    ),
    email: str = typer.Option(
        None,
        "--email",
        help="Địa chỉ nhận nhắc báo cáo quá hạn (where reminders for overdue reports go).",
    ),
    password_stdin: bool = STDIN_OPTION,
) -> None:
    """Thêm người dùng đọc và ghi số liệu của UNIT và các đơn vị bên dưới (add a user who reads and
    writes UNIT and everything below it)."""
    from chitieu.auth.users import UserError, create_user

    password = _password(password_stdin)
    try:
        with transaction(make_engine()) as db:
            create_user(
                db,
                username,
                role=role.value,
                unit_code=unit,
                password=password,
                full_name=full_name,
                email=email,
                actor=_actor(),
            )
    except (UserError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"added {username} ({role.value}, unit {unit})")


@app.command(name="list")
def list_(
    unit: str = typer.Option(
        None,
        "--unit",
        help="Chỉ người dùng của đơn vị này và các đơn vị bên dưới (only users at or below this "
        "unit).",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Liệt kê người dùng với vai trò và đơn vị (list users with their role and unit)."""
    from chitieu.auth.users import UserError, list_users

    try:
        with transaction(make_engine()) as db:
            found = list_users(db, unit)
    except UserError as exc:
        raise fail(str(exc)) from None
    if fmt is Format.json:
        print_json([u.as_dict() for u in found])
        return
    for u in found:
        state = "" if u.active else "  (disabled)"
        typer.echo(f"{u.username:<24} {u.role:<8} {u.unit_code:<6} {u.unit_name}{state}")


@app.command()
def passwd(
    username: str = USERNAME_ARGUMENT,
    password_stdin: bool = STDIN_OPTION,
) -> None:
    """Đổi mật khẩu của người dùng; mã truy cập và phiên cũ hết hiệu lực (change a user's password;
    their tokens and sessions stop working)."""
    from chitieu.auth.users import UserError, set_password

    password = _password(password_stdin)
    try:
        with transaction(make_engine()) as db:
            set_password(db, username, password, actor=_actor())
    except (UserError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"password changed for {username}")
