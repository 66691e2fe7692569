"""The file formats of the voting research community, read and written as plain text.

Pabulib (.pb, https://pabulib.org/format) holds participatory budgets: sections META,
PROJECTS and VOTES of `;`-separated rows. PrefLib (https://preflib.org/format) holds
rankings: `#` header lines, then `count: ranking` lines; .soc/.soi are strict orders
(complete / incomplete), .toc/.toi may tie alternatives in `{}`.

Reading gives the rules and ballots that app.domain.voting counts, so a real election can
be recounted by our rules; writing lets staff study a closed round with the field's tools.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from app.domain.ballot_files import proposal_id_of
from app.domain.errors import CodedError
from app.domain.voting import (
    Ballot,
    BallotError,
    Method,
    ProposalId,
    RoundRules,
    proposal_order,
    validate_ballot,
)

PREFLIB_KINDS = ("soc", "soi", "toc", "toi")
# Pabulib vote types and the method that counts them here
PABULIB_METHODS = {
    "approval": Method.budget,
    "cumulative": Method.dot,
    "ordinal": Method.ranked,
    "choose-1": Method.single,
}
# the group of every ballot from a file that has no stakeholder_group column
NO_GROUP = "all"
_WHOLE = re.compile(r"[0-9]+(\.0*)?")


class ElectionFileError(CodedError):
    """A Pabulib or PrefLib file that cannot be read or counted here."""

    messages: ClassVar[Mapping[str, str]] = {
        "empty": "the file is empty",
        "no_section": "line {line}: expected META, PROJECTS or VOTES before any data",
        "section_order": "line {line}: the sections must be META, PROJECTS, VOTES, each once ({section})",
        "missing_section": "the file has no {section} section",
        "missing_column": "line {line}: the {section} header needs a {column!r} column",
        "short_row": "line {line}: expected {expected} values, found {found}",
        "missing_meta": "META needs {key!r}",
        "bad_meta": "META {key!r} must be a whole number, found {value!r}",
        "unknown_vote_type": "vote_type {value!r} cannot be counted here (approval, cumulative, ordinal or choose-1)",
        "approval_without_budget": "an approval file needs a budget in META",
        "bad_id": "line {line}: a proposal id must be 1 to 64 characters, found {value!r}",
        "duplicate_project": "line {line}: project {value!r} is listed twice",
        "bad_cost": "line {line}: the cost of project {value!r} must be a whole number, found {cost!r}",
        "no_projects": "the file lists no projects",
        "bad_voter": "line {line}: voter_id is empty",
        "duplicate_voter": "line {line}: voter {value!r} votes twice",
        "unknown_project": "line {line}: project {value!r} is not in PROJECTS",
        "repeated_project": "line {line}: project {value!r} is in the vote twice",
        "points_mismatch": "line {line}: {votes} projects but {points} points",
        "bad_points": "line {line}: points must be whole numbers of at least 0, found {value!r}",
        "bad_ballot": "line {line}: voter {voter!r}: {reason}",
        "unknown_kind": "a PrefLib file is .soc, .soi, .toc or .toi, not {value!r}",
        "bad_header": "line {line}: expected '# KEY: value', found {value!r}",
        "no_alternatives": "the file names no alternatives (# NUMBER ALTERNATIVES or # ALTERNATIVE NAME)",
        "bad_order_line": "line {line}: expected 'count: ranking', found {value!r}",
        "bad_count": "line {line}: the count must be a whole number of at least 1, found {value!r}",
        "bad_braces": "line {line}: unbalanced braces in {value!r}",
        "bad_alternative": "line {line}: an alternative is a number, found {value!r}",
        "unknown_alternative": "line {line}: alternative {value} is not one of 1 to {count}",
        "repeated_alternative": "line {line}: alternative {value!r} is ranked twice",
        "tie_in_strict": "line {line}: a .{kind} file ranks strictly, but this line has a tie",
        "tie_not_counted": "line {line}: alternatives {value} are tied; Borda and Schulze here need a strict order (a tie is read only at the bottom of a complete ranking, as 'not ranked')",
        "empty_ranking": "line {line}: the ranking is empty",
        "not_ranked_method": "a PrefLib file holds rankings; this round is a {method} vote",
        "not_budget_method": "a Pabulib file is written for budget rounds; this round is a {method} vote",
    }


@dataclass(frozen=True)
class Election:
    rules: RoundRules[ProposalId]
    ballots: list[Ballot]
    titles: dict[ProposalId, str] = field(default_factory=dict)
    blank: int = 0  # ballots in the file that chose nothing (not counted)


# --- Pabulib -----------------------------------------------------------------------------


def read_pabulib(text: str) -> Election:
    """Read a Pabulib file into our rules and ballots.

    vote_type approval (with a budget) is a budget round: greedy and equal shares.
    META max_sum_cost is the most one ballot may cost (absent: not capped); min_length and
    max_length bound the number of approvals. cumulative is a dot vote (dots per voter:
    max_sum_points, else the largest total in the file; max_points per project); ordinal
    a ranked vote (max_length ranks); choose-1 a single choice. Project ids are kept as
    written (see ballot_files.proposal_id_of). Votes that choose nothing are skipped and
    counted as blank. A stakeholder_group column in VOTES (as we write) gives the groups.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    section = ""
    header: list[str] = []
    seen: list[str] = []
    meta: dict[str, str] = {}
    projects: dict[ProposalId, dict[str, str]] = {}
    votes: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        name = row[0].strip().lower()
        if name in ("meta", "projects", "votes") and all(not c.strip() for c in row[1:]):
            if [*seen, name] != ["meta", "projects", "votes"][: len(seen) + 1]:
                raise ElectionFileError("section_order", {"line": line, "section": name.upper()})
            seen.append(name)
            section = name
            header = [cell.strip().lower() for cell in next(reader, [])]
            _need_columns(section, header, reader.line_num)
            continue
        if not section:
            raise ElectionFileError("no_section", {"line": line})
        if len(row) < len(header):
            raise ElectionFileError(
                "short_row", {"line": line, "expected": len(header), "found": len(row)}
            )
        cells = {key: value.strip() for key, value in zip(header, row, strict=False)}
        if section == "meta":
            meta[row[0].strip().lower()] = row[1].strip() if len(row) > 1 else ""
        elif section == "projects":
            pid = _id(cells["project_id"], line)
            if pid in projects:
                raise ElectionFileError("duplicate_project", {"line": line, "value": pid})
            projects[pid] = {**cells, "line": str(line)}
        else:
            votes.append((line, cells))
    if not seen:
        raise ElectionFileError("empty")
    for needed in ("meta", "projects", "votes"):
        if needed not in seen:
            raise ElectionFileError("missing_section", {"section": needed.upper()})
    return _pabulib_election(meta, projects, votes)


def _need_columns(section: str, header: list[str], line: int) -> None:
    needed = {
        "meta": ("key", "value"),
        "projects": ("project_id", "cost"),
        "votes": ("voter_id", "vote"),
    }
    for column in needed[section]:
        if column not in header:
            raise ElectionFileError(
                "missing_column", {"line": line, "section": section.upper(), "column": column}
            )


def _id(text: str, line: int) -> ProposalId:
    pid = proposal_id_of(text)
    if pid is None:
        raise ElectionFileError("bad_id", {"line": line, "value": text})
    return pid


def _meta_int(meta: Mapping[str, str], key: str) -> int | None:
    value = meta.get(key, "").strip()
    if not value or value.lower() == "none":
        return None
    if not _WHOLE.fullmatch(value):
        raise ElectionFileError("bad_meta", {"key": key, "value": value})
    return int(value.split(".")[0])


def _pabulib_election(
    meta: Mapping[str, str],
    projects: Mapping[ProposalId, Mapping[str, str]],
    votes: list[tuple[int, dict[str, str]]],
) -> Election:
    vote_type = meta.get("vote_type", "approval").strip().lower()
    method = PABULIB_METHODS.get(vote_type)
    if method is None:
        raise ElectionFileError("unknown_vote_type", {"value": vote_type})
    if not projects:
        raise ElectionFileError("no_projects")
    ids = tuple(projects)
    costs: dict[ProposalId, int] = {}
    if method is Method.budget:
        for pid, cells in projects.items():
            cost = cells["cost"]
            if not _WHOLE.fullmatch(cost):
                raise ElectionFileError(
                    "bad_cost", {"line": int(cells["line"]), "value": pid, "cost": cost}
                )
            costs[pid] = int(cost.split(".")[0])
    ballots: list[Ballot] = []
    lines: dict[str, int] = {}
    blank = 0
    for line, cells in votes:
        voter = cells["voter_id"]
        if not voter:
            raise ElectionFileError("bad_voter", {"line": line})
        if voter in lines:
            raise ElectionFileError("duplicate_voter", {"line": line, "value": voter})
        lines[voter] = line
        chosen = _vote_ids(cells["vote"], projects, line)
        if method is Method.dot:
            values = _points(chosen, cells.get("points", ""), line)
        elif method is Method.ranked:
            values = {pid: rank for rank, pid in enumerate(chosen, start=1)}
        else:
            values = dict.fromkeys(chosen, 1)
        if not any(values.values()):
            blank += 1
            continue
        group = cells.get("stakeholder_group") or NO_GROUP
        ballots.append(Ballot(voter, group, {p: v for p, v in values.items() if v}))
    rules = _pabulib_rules(method, meta, ids, costs, ballots)
    rules.validate()
    for ballot in ballots:
        try:
            validate_ballot(rules, ballot.values)
        except BallotError as error:
            raise ElectionFileError(
                "bad_ballot",
                {"line": lines[ballot.ballot_id], "voter": ballot.ballot_id, "reason": str(error)},
            ) from error
    titles = {pid: cells.get("name", "") for pid, cells in projects.items()}
    return Election(rules, ballots, titles, blank)


def _vote_ids(text: str, projects: Mapping[ProposalId, object], line: int) -> list[ProposalId]:
    chosen: list[ProposalId] = []
    for item in text.split(","):
        if not item.strip():
            continue
        pid = proposal_id_of(item)
        if pid is None or pid not in projects:
            raise ElectionFileError("unknown_project", {"line": line, "value": item.strip()})
        if pid in chosen:
            raise ElectionFileError("repeated_project", {"line": line, "value": pid})
        chosen.append(pid)
    return chosen


def _points(chosen: list[ProposalId], text: str, line: int) -> dict[ProposalId, int]:
    points = [item.strip() for item in text.split(",") if item.strip()]
    if len(points) != len(chosen):
        raise ElectionFileError(
            "points_mismatch", {"line": line, "votes": len(chosen), "points": len(points)}
        )
    values: dict[ProposalId, int] = {}
    for pid, item in zip(chosen, points, strict=True):
        if not _WHOLE.fullmatch(item):
            raise ElectionFileError("bad_points", {"line": line, "value": item})
        values[pid] = int(item.split(".")[0])
    return values


def _pabulib_rules(
    method: Method,
    meta: Mapping[str, str],
    ids: tuple[ProposalId, ...],
    costs: dict[ProposalId, int],
    ballots: list[Ballot],
) -> RoundRules[ProposalId]:
    if method is Method.budget:
        budget = _meta_int(meta, "budget")
        if budget is None:
            raise ElectionFileError("approval_without_budget")
        return RoundRules[ProposalId](
            method,
            ids,
            budget=budget,
            costs=costs,
            max_sum_cost=_meta_int(meta, "max_sum_cost"),
            min_approvals=_meta_int(meta, "min_length"),
            max_approvals=_meta_int(meta, "max_length"),
        )
    if method is Method.dot:
        most = _meta_int(meta, "max_sum_points")
        if most is None:  # not capped: the largest total in the file fits
            most = max((sum(b.values.values()) for b in ballots), default=1)
        return RoundRules[ProposalId](
            method,
            ids,
            dots_per_voter=most,
            max_dots_per_proposal=_meta_int(meta, "max_points"),
        )
    if method is Method.ranked:
        return RoundRules[ProposalId](method, ids, max_ranks=_meta_int(meta, "max_length"))
    return RoundRules[ProposalId](method, ids)


def pabulib_text(
    rules: RoundRules[Any],
    ballots: Iterable[Ballot],
    titles: Mapping[Any, str],
    meta: Mapping[str, object] | None = None,
) -> str:
    """A budget round as a Pabulib approval file that read_pabulib and pabutools read.

    META gives the budget, max_sum_cost (when ballots are capped), min_length/max_length
    (when set) and `meta` (description, unit, ...; None values are left out); PROJECTS
    lists every proposal in ballot order with its cost, approvals and title; VOTES one row
    per ballot, by ballot id, with its stakeholder_group.
    """
    if rules.method is not Method.budget:
        raise ElectionFileError("not_budget_method", {"method": str(rules.method)})
    rules.validate()
    cast = sorted(ballots, key=lambda b: b.ballot_id)
    approvals: Counter[ProposalId] = Counter()
    for ballot in cast:
        approvals.update(pid for pid, value in ballot.values.items() if value > 0)
    head: dict[str, object] = {
        **{k: v for k, v in (meta or {}).items() if v is not None},
        "num_projects": len(rules.proposal_ids),
        "num_votes": len(cast),
        "budget": rules.budget,
        "vote_type": "approval",
        "rule": "greedy",
    }
    if rules.max_sum_cost is not None:
        head["max_sum_cost"] = rules.max_sum_cost
    if rules.min_approvals is not None:
        head["min_length"] = rules.min_approvals
    if rules.max_approvals is not None:
        head["max_length"] = rules.max_approvals
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows((key, _one_line(str(value))) for key, value in head.items())
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", "votes", "name"])
    writer.writerows(
        (pid, rules.costs[pid], approvals[pid], _one_line(titles.get(pid, "")))
        for pid in rules.proposal_ids
    )
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", "stakeholder_group"])
    for ballot in cast:
        chosen = sorted((p for p, v in ballot.values.items() if v > 0), key=proposal_order)
        writer.writerow((ballot.ballot_id, ",".join(map(str, chosen)), ballot.stakeholder_group))
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- PrefLib -----------------------------------------------------------------------------


def read_preflib(text: str, kind: str) -> Election:
    """Read a PrefLib ranking file (kind: soc, soi, toc or toi) as a ranked round.

    Alternatives are the numbers 1..m (# NUMBER ALTERNATIVES, or the # ALTERNATIVE NAME
    lines); each `count: ranking` line stands for count ballots. A .soc/.soi line may not
    tie. A tie is read only at the bottom of a complete ranking: `1,{2,3}` with three
    alternatives ranks 1 and leaves 2 and 3 unranked, which Borda and Schulze here count
    the same way. Any other tie is refused, as both rules need a strict order.
    """
    kind = kind.lower().lstrip(".")
    if kind not in PREFLIB_KINDS:
        raise ElectionFileError("unknown_kind", {"value": kind})
    names: dict[int, str] = {}
    declared: int | None = None
    orders: list[tuple[int, int, list[list[int]]]] = []
    for line, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, colon, value = stripped[1:].partition(":")
            if not colon:
                raise ElectionFileError("bad_header", {"line": line, "value": stripped})
            key = " ".join(key.split()).upper()
            if key == "NUMBER ALTERNATIVES" and value.strip().isdigit():
                declared = int(value)
            elif key.startswith("ALTERNATIVE NAME "):
                number = key.removeprefix("ALTERNATIVE NAME ").strip()
                if number.isdigit():
                    names[int(number)] = value.strip()
            continue
        count_text, colon, ranking = stripped.partition(":")
        if not colon:
            raise ElectionFileError("bad_order_line", {"line": line, "value": stripped})
        count_text = count_text.strip()
        if not (count_text.isascii() and count_text.isdigit()) or int(count_text) < 1:
            raise ElectionFileError("bad_count", {"line": line, "value": count_text})
        orders.append((line, int(count_text), _groups(ranking, line)))
    count = declared if declared is not None else max(names, default=0)
    if count < 1:
        raise ElectionFileError("no_alternatives")
    ids = tuple(range(1, count + 1))
    ballots: list[Ballot] = []
    for line, copies, groups in orders:
        values = _strict_ranks(groups, count, kind, line)
        ballots.extend(Ballot(f"{line}.{k}", NO_GROUP, values) for k in range(1, copies + 1))
    rules = RoundRules[ProposalId](Method.ranked, ids)
    titles: dict[ProposalId, str] = {pid: names.get(pid, "") for pid in ids}
    return Election(rules, ballots, titles)


def _groups(ranking: str, line: int) -> list[list[int]]:
    """`1,{2,3},4` -> [[1], [2, 3], [4]]."""
    groups: list[list[int]] = []
    tied: list[int] | None = None
    for part in re.findall(r"\{|\}|[^,{}]+", ranking):
        if part == "{":
            if tied is not None:
                raise ElectionFileError("bad_braces", {"line": line, "value": ranking.strip()})
            tied = []
        elif part == "}":
            if tied is None:
                raise ElectionFileError("bad_braces", {"line": line, "value": ranking.strip()})
            if tied:
                groups.append(tied)
            tied = None
        elif part.strip():
            item = part.strip()
            if not (item.isascii() and item.isdigit()):
                raise ElectionFileError("bad_alternative", {"line": line, "value": item})
            if tied is not None:
                tied.append(int(item))
            else:
                groups.append([int(item)])
    if tied is not None:
        raise ElectionFileError("bad_braces", {"line": line, "value": ranking.strip()})
    return groups


def _strict_ranks(
    groups: list[list[int]], count: int, kind: str, line: int
) -> dict[ProposalId, int]:
    seen: set[int] = set()
    for group in groups:
        for alternative in group:
            if not 1 <= alternative <= count:
                raise ElectionFileError(
                    "unknown_alternative", {"line": line, "value": alternative, "count": count}
                )
            if alternative in seen:
                raise ElectionFileError(
                    "repeated_alternative", {"line": line, "value": alternative}
                )
            seen.add(alternative)
    ties = [group for group in groups if len(group) > 1]
    if ties and kind in ("soc", "soi"):
        raise ElectionFileError("tie_in_strict", {"line": line, "kind": kind})
    if ties and len(seen) == count and groups[-1] is ties[0] and len(ties) == 1:
        groups = groups[:-1]  # tied at the bottom of a complete ranking: not ranked
    elif ties:
        shown = "{" + ",".join(map(str, ties[0])) + "}"
        raise ElectionFileError("tie_not_counted", {"line": line, "value": shown})
    if not groups:
        raise ElectionFileError("empty_ranking", {"line": line})
    return {group[0]: rank for rank, group in enumerate(groups, start=1)}


def preflib_soi(
    rules: RoundRules[Any],
    ballots: Iterable[Ballot],
    titles: Mapping[Any, str],
    title: str = "",
    file_name: str = "",
) -> str:
    """A ranked round as a PrefLib .soi file (strict, incomplete orders).

    Alternatives are numbered 1..m in ballot order; each is named by its title and our
    proposal id ("title (proposal 17)"). Orders are grouped, the most frequent first,
    equal counts by the order itself.
    """
    if rules.method is not Method.ranked:
        raise ElectionFileError("not_ranked_method", {"method": str(rules.method)})
    rules.validate()
    number = {pid: k for k, pid in enumerate(rules.proposal_ids, start=1)}
    orders: Counter[tuple[int, ...]] = Counter()
    voters = 0
    for ballot in ballots:
        ranked = sorted((v, pid) for pid, v in ballot.values.items() if v > 0)
        orders[tuple(number[pid] for _, pid in ranked)] += 1
        voters += 1
    lines = [
        f"# FILE NAME: {_one_line(file_name)}",
        f"# TITLE: {_one_line(title)}",
        "# DESCRIPTION: ",
        "# DATA TYPE: soi",
        "# MODIFICATION TYPE: original",
        "# RELATES TO: ",
        "# RELATED FILES: ",
        "# PUBLICATION DATE: ",
        "# MODIFICATION DATE: ",
        f"# NUMBER ALTERNATIVES: {len(number)}",
        f"# NUMBER VOTERS: {voters}",
        f"# NUMBER UNIQUE ORDERS: {len(orders)}",
    ]
    lines.extend(
        f"# ALTERNATIVE NAME {k}: {_one_line(titles.get(pid, ''))} (proposal {pid})"
        for pid, k in number.items()
    )
    lines.extend(
        f"{copies}: {','.join(map(str, order))}"
        for order, copies in sorted(orders.items(), key=lambda item: (-item[1], item[0]))
    )
    return "\n".join(lines) + "\n"
