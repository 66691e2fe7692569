"""Command line: python -m app.cli COMMAND ... (see --help)."""

import argparse
import getpass
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from app import purger
from app.config import get_settings
from app.db import make_engine
from app.models import Role, utcnow
from app.services import accounts, backup, cities, demo, monitoring, sessions

log = logging.getLogger("app.cli")


@contextmanager
def _session() -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def backup_database(args: argparse.Namespace) -> int:
    try:
        backup.backup(get_settings().database_url, args.file)
    except backup.BackupError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stdout.write(f"backup written to {args.file}\n")
    return 0


def restore_database(args: argparse.Namespace) -> int:
    if not args.yes:
        sys.stderr.write("error: restoring replaces every row of the database; add --yes\n")
        return 2
    try:
        backup.restore(get_settings().database_url, args.file)
    except backup.BackupError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    sys.stdout.write(f"restored from {args.file}\n")
    return 0


def purge(args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    try:
        result = purger.purge_due(engine, utcnow())
    finally:
        engine.dispose()
    sys.stdout.write(
        f"erased the personal data of {result.participants} participants "
        f"of {result.workshops} workshops and {result.board_participants} participants "
        f"of {result.boards} city boards past their retention date\n"
    )
    return 0


def sign_out(args: argparse.Namespace) -> int:
    """An administrator ends every session of an account (a lost phone, a leaving staff
    member), without knowing its password."""
    with _session() as session:
        account = accounts.find_by_email(session, args.email)
        if account is None:
            sys.stderr.write(f"error: no account has the e-mail address {args.email}\n")
            return 1
        sessions.end_staff_sessions(session, account)
        session.commit()
    sys.stdout.write(f"every session of {args.email} has ended\n")
    return 0


def create_user(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password: ")
    if len(password) < 10:
        sys.stderr.write("error: the password must be at least 10 characters long\n")
        return 2
    if args.role == Role.agency and not (args.city and args.agency):
        sys.stderr.write("error: an agency account needs --city SLUG and --agency NAME\n")
        return 2
    with _session() as session:
        if accounts.find_by_email(session, args.email) is not None:
            sys.stderr.write(f"error: an account for {args.email} already exists\n")
            return 1
        city = cities.by_slug(session, args.city) if args.city else None
        if args.city and city is None:
            sys.stderr.write(f"error: there is no city {args.city}\n")
            return 2
        account = accounts.create_account(
            session,
            email=args.email,
            password=password,
            role=Role(args.role),
            display_name=args.name or "",
            city_id=city.id if city else None,
        )
        if city is not None and args.agency:
            account.agency_id = monitoring.add_agency(session, city, args.agency).id
            session.add(account)
        session.commit()
        sys.stdout.write(f"created {account.role} account {account.email}\n")
    return 0


def load_demo(args: argparse.Namespace) -> int:
    with _session() as session:
        logins, workshop = demo.load(session, secret_key=get_settings().secret_key)
        session.commit()
        sys.stdout.write("Demo data is loaded (clearly marked as demo data).\n")
        sys.stdout.write(f"Demo workshop join code: {workshop.join_code}\n")
        sys.stdout.write("Demo logins (e-mail / password):\n")
        for email, password in logins:
            sys.stdout.write(f"  {email} / {password}\n")
    return 0


def cluster_csv(args: argparse.Namespace) -> int:
    """Group a sheet of comments into themes; bad input gets a message and exit code 2."""
    # Imported here: the other commands should not pay for loading scikit-learn.
    from pathlib import Path

    from app.domain import clustering, thai_nlp, theme_csv
    from app.services.themes import cluster

    def fail(message: str) -> int:
        sys.stderr.write(f"error: {message}\n")
        return 2

    try:
        data = Path(args.input).read_bytes()
        words = Path(args.words).read_text(encoding="utf-8-sig").splitlines() if args.words else []
    except OSError as exc:
        return fail(f"cannot read {exc.filename}: {exc.strerror}")
    except UnicodeDecodeError:
        return fail(f"{args.words} is not UTF-8 text; save it as UTF-8")
    try:
        rows = theme_csv.read_rows(
            data,
            text_column=args.text_column,
            id_column=args.id_column,
            group_column=args.group_column,
        )
    except theme_csv.CsvProblem as problem:
        hint = {
            "not_utf8": ' - save it as UTF-8 (in Excel: Save As, "CSV UTF-8")',
            "missing_column": " (choose one with --text-column / --id-column)",
        }.get(problem.code, "")
        return fail(f"{args.input}: {problem}{hint}")
    try:
        result = cluster(
            theme_csv.comments_for(rows),
            n_themes=args.themes,
            custom_words=words,
            how=thai_nlp.Segmentation(engine=args.engine),
        )
    except clustering.ClusteringError as problem:
        return fail(f"{args.input}: {problem} [{problem.code}]")
    try:
        Path(args.out).write_text(
            theme_csv.write_assignments(rows, result), encoding="utf-8-sig", newline=""
        )
    except OSError as exc:
        return fail(f"cannot write {args.out}: {exc.strerror}")
    sys.stdout.write("\n".join(theme_csv.summary_lines(result)) + "\n")
    return 0


def recount(args: argparse.Namespace) -> int:
    """Recompute a vote's result from files alone: no server, no database. Our own two
    exported files, a Pabulib file (--pb) or a PrefLib ranking file (--preflib)."""
    import json
    from pathlib import Path

    from app.domain import ballot_files, election_formats

    def fail(message: str) -> int:
        sys.stderr.write(f"error: {message}\n")
        return 2

    ours = args.ballots is not None or args.round_json is not None
    if ours + (args.pb is not None) + (args.preflib is not None) != 1:
        return fail("give BALLOTS.csv --round-json ROUND.json, or --pb FILE, or --preflib FILE")
    if ours and (args.ballots is None or args.round_json is None):
        return fail("our own files come in pairs: BALLOTS.csv --round-json ROUND.json")
    paths = [args.ballots, args.round_json] if ours else [args.pb or args.preflib]
    try:
        texts = [Path(path).read_text(encoding="utf-8-sig") for path in paths]
    except OSError as exc:
        return fail(f"cannot read {exc.filename}: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return fail(f"the files must be UTF-8 text ({exc.reason})")
    try:
        if ours:
            result = ballot_files.recount(*texts)
        else:
            if args.pb is not None:
                election = election_formats.read_pabulib(texts[0])
            else:
                election = election_formats.read_preflib(texts[0], Path(args.preflib).suffix)
            result = ballot_files.recount_document(election.rules, election.ballots)
            if election.blank:
                result["blank"] = election.blank
    except ValueError as exc:
        where = "" if ours else f"{paths[0]}: "
        return fail(f"{where}{exc}")
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


def _theme_count(value: str) -> int:
    number = int(value)
    if number < 2:
        raise argparse.ArgumentTypeError("at least 2 themes")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    backup_cmd = commands.add_parser(
        "backup", help="copy the whole database to a new file (SQLite online, or pg_dump)"
    )
    backup_cmd.add_argument("file", type=Path, help="the backup file to create")
    backup_cmd.set_defaults(handler=backup_database)
    restore_cmd = commands.add_parser(
        "restore", help="replace the database's contents with a backup's"
    )
    restore_cmd.add_argument("file", type=Path, help="a file made by the backup command")
    restore_cmd.add_argument(
        "--yes", action="store_true", help="confirm that the current contents are replaced"
    )
    restore_cmd.set_defaults(handler=restore_database)

    purge_cmd = commands.add_parser(
        "purge",
        help="erase personal data of workshop and board participants past their retention date",
        description="Erase names, demographics and authorship links of the participants of "
        "every workshop whose retention date has passed, and of every city-board participant "
        "whose last activity is older than the city's board retention (in months); ideas, "
        "proposals, comments, counts and results stay. The app also does this once a day.",
    )
    purge_cmd.set_defaults(handler=purge)

    user = commands.add_parser("create-user", help="create a staff account")
    user.add_argument("--email", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--name", help="display name")
    user.add_argument("--password", help="prompted for when omitted")
    user.add_argument("--city", help="city slug: limits a planner to one city; needed for agencies")
    user.add_argument("--agency", help="agency name (role agency): created if new")
    user.set_defaults(handler=create_user)

    sign_out_cmd = commands.add_parser(
        "sign-out", help="end every session of a staff account, on every device"
    )
    sign_out_cmd.add_argument("--email", required=True)
    sign_out_cmd.set_defaults(handler=sign_out)

    demo_cmd = commands.add_parser(
        "demo", help="load demo accounts and a demo workshop (idempotent)"
    )
    demo_cmd.set_defaults(handler=load_demo)

    from app.domain.thai_nlp import DEFAULT_ENGINE, ENGINES

    themes = commands.add_parser(
        "cluster-csv",
        help="group the comments of a CSV file into themes",
        description="Group the comments of a UTF-8 CSV into themes. Writes id,theme_id,"
        "theme_label for every row (theme 0 is 'other'; UTF-8 with BOM, for Excel) and prints "
        "a summary of the themes.",
    )
    themes.add_argument("input", help="CSV file, UTF-8 (Excel's 'CSV UTF-8' is fine)")
    themes.add_argument("--out", required=True, help="CSV file to write")
    themes.add_argument("--text-column", default="text", help="column with the comment text")
    themes.add_argument("--id-column", default="id", help="column with an id, copied to --out")
    themes.add_argument("--group-column", help="column with a stakeholder group (optional)")
    themes.add_argument(
        "--themes", type=_theme_count, help="number of themes (default: chosen automatically)"
    )
    themes.add_argument(
        "--words", help="text file with the city's own words (place names ...), one per line"
    )
    themes.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE, help="word segmenter")
    themes.set_defaults(handler=cluster_csv)

    recount_cmd = commands.add_parser(
        "recount",
        help="recount a vote from its exported files, a Pabulib or a PrefLib file",
        description="Recompute every rule's ranking and winners from the anonymized ballots "
        "and the round description exported after a vote, or from a Pabulib (.pb) or "
        "PrefLib (.soc, .soi, .toc, .toi) file; prints JSON. Anyone can audit a result this "
        "way, without the server.",
    )
    recount_cmd.add_argument(
        "ballots", nargs="?", help="BALLOTS.csv (ballot_id,stakeholder_group,proposal_id,value)"
    )
    recount_cmd.add_argument("--round-json", help="ROUND.json exported with BALLOTS.csv")
    recount_cmd.add_argument(
        "--pb", help="a Pabulib file (vote_type approval, cumulative, ordinal or choose-1)"
    )
    recount_cmd.add_argument("--preflib", help="a PrefLib file: .soc, .soi, .toc or .toi")
    recount_cmd.set_defaults(handler=recount)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
