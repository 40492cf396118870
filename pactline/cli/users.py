"""pactline users: accounts, roles, passwords and API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pactline.cli.common import console, db_session, new_app, operator, print_json
from pactline.core.config import get_settings
from pactline.core.pagination import MAX_LIMIT, PageParams
from pactline.users import queries, service
from pactline.users.enums import ROLE_LABELS, Role
from pactline.users.schemas import TokenCreate, UserCreate, UserRead

app = new_app("User accounts: create, list, change roles, reset passwords, issue API tokens.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts")]


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="Lower-case login name")],
    role: Annotated[Role, typer.Option(help="One of the roles in docs/access.md")] = Role.VIEWER,
    full_name: Annotated[str, typer.Option(help="Display name")] = "",
    email: Annotated[str | None, typer.Option(help="Email address")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Password; omit to generate one. Prefer PACTLINE_NEW_PASSWORD to keep it out of "
            "the process list",
            envvar="PACTLINE_NEW_PASSWORD",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a user. A generated password is printed once."""
    with db_session() as session:
        user, generated = service.create_user(
            session,
            actor=operator(),
            data=UserCreate(
                username=username, role=role, full_name=full_name, email=email, password=password
            ),
        )
        read = service.to_read(user)
    if json_output:
        print_json({"user": read, "generated_password": generated})
        return
    console.print(f"Created {read.username} ({ROLE_LABELS[read.role]}).")
    if generated:
        console.print(f"Password (shown once): [bold]{generated}[/]")


@app.command("list")
def list_users(
    role: Annotated[Role | None, typer.Option(help="Only this role")] = None,
    json_output: JsonOption = False,
) -> None:
    """List users."""
    with db_session() as session:
        rows = queries.list_users(session, PageParams(limit=MAX_LIMIT), role=role)
        users: list[UserRead] = [service.to_read(u) for u in rows.rows]
    if json_output:
        print_json(users)
        return
    table = Table("Username", "Name", "Role", "State", "Last sign-in", title=f"{rows.total} users")
    for u in users:
        state = "active" if u.can_sign_in else ("deactivated" if not u.is_active else "no sign-in")
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "—"
        table.add_row(u.username, u.full_name, ROLE_LABELS[u.role], state, last)
    console.print(table)


@app.command("set-role")
def set_role(
    username: Annotated[str, typer.Argument(help="Whose role to change")],
    role: Annotated[Role, typer.Argument(help="The new role")],
) -> None:
    """Give a user another role."""
    with db_session() as session:
        user = queries.get_user_by_username(session, username)
        service.set_role(session, actor=operator(), user_id=user.id, role=role)
    console.print(f"{username} is now {ROLE_LABELS[role]}.")


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(help="Whose password to reset")],
    password: Annotated[
        str | None,
        typer.Option(help="New password; omit to generate one", envvar="PACTLINE_NEW_PASSWORD"),
    ] = None,
) -> None:
    """Set a new password and sign the user out everywhere."""
    with db_session() as session:
        user = queries.get_user_by_username(session, username)
        generated = service.reset_password(
            session, actor=operator(), user_id=user.id, password=password
        )
    console.print(f"Password of {username} reset; their sessions have ended.")
    if generated:
        console.print(f"New password (shown once): [bold]{generated}[/]")


@app.command("create-token")
def create_token(
    username: Annotated[str, typer.Argument(help="Who the token acts as")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "command line",
    expires_in_days: Annotated[
        int | None, typer.Option(help="Days until it expires; 0 for never")
    ] = 90,
    json_output: JsonOption = False,
) -> None:
    """Issue a personal API token; the secret is printed once."""
    with db_session() as session:
        user = queries.get_user_by_username(session, username)
        api_token, secret = service.create_token(
            session,
            actor=operator(),
            user_id=user.id,
            data=TokenCreate(name=name, expires_in_days=expires_in_days or None),
        )
        expires = api_token.expires_at
    if json_output:
        print_json({"token": secret, "id": api_token.id, "expires_at": expires})
        return
    console.print(
        f"Token for {username} ({name}), "
        f"{'expires ' + expires.strftime('%Y-%m-%d') if expires else 'never expires'}. "
        "Shown once:"
    )
    # Plain output so it can be piped or copied whole.
    typer.echo(secret)


@app.command("revoke-token")
def revoke_token(token_id: Annotated[int, typer.Argument(help="Token id")]) -> None:
    """Revoke an API token at once."""
    with db_session() as session:
        service.revoke_token(session, actor=operator(), token_id=token_id)
    console.print(f"Token {token_id} revoked.")


@app.command("ensure-admin")
def ensure_admin(
    username: Annotated[str, typer.Option(help="Username for the first administrator")] = "admin",
) -> None:
    """Create the first administrator if none exists (password from PACTLINE_ADMIN_PASSWORD)."""
    with db_session() as session:
        user, generated = service.ensure_admin(
            session, username=username, password=get_settings().admin_password or None
        )
    if user is None:
        console.print("An administrator exists already.")
        return
    console.print(f"Created administrator [bold]{user.username}[/].")
    if generated:
        console.print(
            f"Password (shown once, store it now): [bold]{generated}[/]\n"
            "Set PACTLINE_ADMIN_PASSWORD before the first run to choose it yourself."
        )
    else:
        console.print("Password: the value of PACTLINE_ADMIN_PASSWORD.")
