"""Command line: python -m app.cli COMMAND ... (see --help)."""

import argparse
import getpass
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlmodel import Session

from app.config import get_settings
from app.db import make_engine
from app.models import Role
from app.services import accounts, demo

log = logging.getLogger("app.cli")


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def create_user(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password: ")
    if len(password) < 10:
        sys.stderr.write("error: the password must be at least 10 characters long\n")
        return 2
    with _session() as session:
        if accounts.find_by_email(session, args.email) is not None:
            sys.stderr.write(f"error: an account for {args.email} already exists\n")
            return 1
        account = accounts.create_account(
            session,
            email=args.email,
            password=password,
            role=Role(args.role),
            display_name=args.name or "",
        )
        session.commit()
        sys.stdout.write(f"created {account.role} account {account.email}\n")
    return 0


def load_demo(args: argparse.Namespace) -> int:
    with _session() as session:
        logins, workshop = demo.load(session)
        session.commit()
        sys.stdout.write("Demo data is loaded (clearly marked as demo data).\n")
        sys.stdout.write(f"Demo workshop join code: {workshop.join_code}\n")
        sys.stdout.write("Demo logins (e-mail / password):\n")
        for email, password in logins:
            sys.stdout.write(f"  {email} / {password}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    user = commands.add_parser("create-user", help="create a staff account")
    user.add_argument("--email", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--name", help="display name")
    user.add_argument("--password", help="prompted for when omitted")
    user.set_defaults(handler=create_user)

    demo_cmd = commands.add_parser(
        "demo", help="load demo accounts and a demo workshop (idempotent)"
    )
    demo_cmd.set_defaults(handler=load_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
