"""A closed round as two files anyone can recount: anonymized ballots (CSV) and rules (JSON).

The digest ties the two together: it is computed from what the files say, so a published
digest lets anyone check that the files they downloaded are the ones that were counted.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.voting import (
    MAX_ID_LENGTH,
    TIE_BREAK_RULE,
    Ballot,
    BallotError,
    Method,
    ProposalId,
    RoundRules,
    proposal_order,
    tally,
    validate_ballot,
)

CSV_COLUMNS = ("ballot_id", "stakeholder_group", "proposal_id", "value")
# the limits in the digest's canonical form since format 1
DIGEST_LIMIT_KEYS = ("dots_per_voter", "max_dots_per_proposal", "max_approvals", "max_ranks")
LIMIT_KEYS = (*DIGEST_LIMIT_KEYS, "min_approvals", "max_sum_cost")
# which limits each method uses; the others are written as null and ignored
METHOD_LIMITS: dict[Method, tuple[str, ...]] = {
    Method.dot: ("dots_per_voter", "max_dots_per_proposal"),
    Method.approval: ("max_approvals", "min_approvals"),
    Method.ranked: ("max_ranks",),
    Method.budget: ("max_approvals", "min_approvals", "max_sum_cost"),
    Method.single: (),
}
# Pabulib's names for two of our limits, accepted in round files
LIMIT_ALIASES = {"max_length": "max_approvals", "min_length": "min_approvals"}
DIGEST_FORMAT = "mueang-ruam-kit ballots 1"
# 2: ids may be texts; max_sum_cost and min_approvals. In format 1 files (which had no
# max_sum_cost), budget ballots were capped at the budget.
ROUND_FORMAT = 2
_INTEGER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() would also take "๓" and "1_0"
_NUMBER_ID = re.compile(r"[1-9][0-9]*")


def proposal_id_of(text: str) -> ProposalId | None:
    """A proposal id read from a file: a positive number without leading zeros becomes an
    int (so "15" in a CSV and 15 in a JSON file are the same proposal); any other text of
    1 to MAX_ID_LENGTH characters (surrounding spaces dropped) stays text ("P01", "007").
    None when the text is empty or too long."""
    text = text.strip()
    if _NUMBER_ID.fullmatch(text):
        return int(text)
    return text if 0 < len(text) <= MAX_ID_LENGTH else None


class BallotFileError(ValueError):
    """A ballot or round file that cannot be read or counted; .line is 1-based, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


# --- ballots CSV -------------------------------------------------------------------------


def ballots_csv(ballots: Iterable[Ballot]) -> str:
    """One row per (ballot, proposal it gave a positive value), ballots by id, rows by
    proposal id; CRLF line ends, no BOM (add one for spreadsheets).

    Cells are written as they are: ballot ids and group names come from the server, so no
    formula defusing is needed, and it would change the ids that the digest covers.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(
        (ballot_id, group, pid, value)
        for ballot_id, group, entries in _canonical_ballots(ballots)
        for pid, value in entries
    )
    return buffer.getvalue()


def parse_ballots_csv(text: str, rules: RoundRules | None = None) -> list[Ballot]:
    """Read ballots_csv output (a leading BOM is fine), in order of first appearance.

    With rules, every proposal must be on the round's ballot and every ballot must pass
    validate_ballot. Raises BallotFileError naming the line: the row's own line for a bad
    row, the ballot's first line for a ballot that breaks the rules.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    header = next(reader, None)
    if header is None:
        raise BallotFileError(f"the file is empty; expected the header {','.join(CSV_COLUMNS)}", 1)
    found = [cell.strip() for cell in header]
    if found != list(CSV_COLUMNS):
        missing = [c for c in CSV_COLUMNS if c not in found]
        detail = f"missing {', '.join(missing)}" if missing else f"found {','.join(found)}"
        raise BallotFileError(f"expected the columns {','.join(CSV_COLUMNS)} ({detail})", 1)
    on_ballot = set(rules.proposal_ids) if rules is not None else None
    ballots: dict[str, tuple[int, str, dict[ProposalId, int]]] = {}
    columns = len(CSV_COLUMNS)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise BallotFileError(f"not valid CSV ({error})", line) from error
        if row is None:
            break
        if len(row) != columns:
            if not row or row == [""]:
                continue  # a blank line
            raise BallotFileError(
                f"expected {columns} columns ({','.join(CSV_COLUMNS)}), found {len(row)}", line
            )
        ballot_id, group, pid_cell, value_cell = row
        pid = proposal_id_of(pid_cell)
        if pid is None:
            raise BallotFileError(
                f"proposal_id must be 1 to {MAX_ID_LENGTH} characters, found {pid_cell!r}", line
            )
        value = int(value_cell) if value_cell.isascii() and value_cell.isdigit() else None
        if value is None:
            value = _integer(value_cell, "value", line)
        if value < 1:
            raise BallotFileError(
                f"value must be a positive whole number, found {value_cell!r}", line
            )
        if on_ballot is not None and pid not in on_ballot:
            raise BallotFileError(f"proposal {pid!r} is not on this round's ballot", line)
        known = ballots.get(ballot_id)
        if known is None:
            if not ballot_id.strip():
                raise BallotFileError("ballot_id is empty", line)
            if not group.strip():
                raise BallotFileError("stakeholder_group is empty", line)
            ballots[ballot_id] = (line, group, {pid: value})
            continue
        first_line, first_group, values = known
        if group != first_group:
            raise BallotFileError(
                f"ballot {ballot_id!r} is in group {first_group!r} on line {first_line}"
                f" but in {group!r} here",
                line,
            )
        if pid in values:
            raise BallotFileError(f"ballot {ballot_id!r} has proposal {pid!r} twice", line)
        values[pid] = value
    result = []
    for ballot_id, (first_line, group, values) in ballots.items():
        if rules is not None:
            try:
                validate_ballot(rules, values)
            except BallotError as error:
                raise BallotFileError(f"ballot {ballot_id!r}: {error}", first_line) from error
        result.append(Ballot(ballot_id, group, values))
    return result


def _integer(cell: str, column: str, line: int) -> int:
    text = cell.strip()
    if not _INTEGER.fullmatch(text):
        raise BallotFileError(f"{column} must be a whole number, found {cell!r}", line)
    return int(text)


# --- round JSON --------------------------------------------------------------------------


def round_json(
    rules: RoundRules[Any],
    titles: Mapping[Any, str],
    extra: Mapping[str, object] | None = None,
) -> str:
    """The round's rules and proposals (in ballot order) as JSON, for people and recount.

    Limits that the method does not use, and costs outside budget rounds, are null;
    max_sum_cost (budget rounds) is the most one ballot may cost, null for no cap.
    `extra` adds keys (round id, question, closing time, digest...); dates and datetimes
    are written in ISO 8601.
    """
    rules.validate()
    is_budget = rules.method is Method.budget
    data: dict[str, object] = {
        "format": ROUND_FORMAT,
        "method": str(rules.method),
        "rules": list(rules.rule_names),
        "proposals": [
            {
                "id": pid,
                "title": titles.get(pid, ""),
                "cost": rules.costs[pid] if is_budget else None,
            }
            for pid in rules.proposal_ids
        ],
        "budget": rules.budget if is_budget else None,
        "tie_break": TIE_BREAK_RULE,
    }
    for key in LIMIT_KEYS:
        data[key] = getattr(rules, key) if key in METHOD_LIMITS[rules.method] else None
    for key, value in (extra or {}).items():
        if key in data:
            raise ValueError(f"extra key {key!r} would overwrite the round's own {key!r}")
        data[key] = value
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_jsonable) + "\n"


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parse_round_json(text: str) -> RoundRules:
    """Read round_json output back into rules (extra keys are ignored); BallotFileError or
    RulesError (both ValueErrors) say what is wrong."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise BallotFileError(
            f"the round file is not valid JSON ({error.msg})", error.lineno
        ) from error
    if not isinstance(data, dict):
        raise BallotFileError("the round file must hold a JSON object")
    method_name = data.get("method")
    try:
        method = Method(str(method_name))
    except ValueError:
        known = ", ".join(m.value for m in Method)
        raise BallotFileError(f"unknown method {method_name!r} (expected one of {known})") from None
    proposals = data.get("proposals")
    if not isinstance(proposals, list):
        raise BallotFileError("'proposals' must be a list")
    ids: list[ProposalId] = []
    costs: dict[ProposalId, int] = {}
    for position, item in enumerate(proposals, start=1):
        raw = item.get("id") if isinstance(item, dict) else None
        pid = raw if _is_int(raw) else proposal_id_of(raw) if isinstance(raw, str) else None
        if pid is None:
            raise BallotFileError(
                f"proposal #{position} needs an 'id': a whole number or a text of 1 to"
                f" {MAX_ID_LENGTH} characters"
            )
        ids.append(pid)
        if method is Method.budget:
            if not _is_int(item.get("cost")):
                raise BallotFileError(f"proposal {pid!r} needs a whole-number 'cost'")
            costs[pid] = item["cost"]
    limits = {key: _optional_int(data, key) for key in (*LIMIT_KEYS, "budget")}
    for alias, key in LIMIT_ALIASES.items():
        value = _optional_int(data, alias)
        if value is not None and limits[key] not in (None, value):
            raise BallotFileError(f"{alias!r} ({value}) and {key!r} ({limits[key]}) differ")
        limits[key] = value if value is not None else limits[key]
    if method is Method.budget and "max_sum_cost" not in data and data.get("format") == 1:
        limits["max_sum_cost"] = limits["budget"]  # format 1 capped ballots at the budget
    for key in LIMIT_KEYS:
        if key not in METHOD_LIMITS[method]:
            limits[key] = None
    if method is not Method.budget:
        limits["budget"] = None
    rules = RoundRules[ProposalId](method=method, proposal_ids=tuple(ids), costs=costs, **limits)
    rules.validate()
    return rules


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is not None and not _is_int(value):
        raise BallotFileError(f"{key!r} must be a whole number or null, found {value!r}")
    return value


# --- digest and recount ------------------------------------------------------------------


def canonical_form(rules: RoundRules[Any], ballots: Iterable[Ballot]) -> bytes:
    """The bytes that ballots_digest hashes (see there)."""
    rules.validate()
    is_budget = rules.method is Method.budget
    limits: dict[str, object] = {
        key: getattr(rules, key) if key in METHOD_LIMITS[rules.method] else None
        for key in DIGEST_LIMIT_KEYS
    }
    if is_budget and rules.max_sum_cost != rules.budget:
        limits["max_sum_cost"] = rules.max_sum_cost
    if rules.min_approvals is not None and "min_approvals" in METHOD_LIMITS[rules.method]:
        limits["min_approvals"] = rules.min_approvals
    document = {
        "format": DIGEST_FORMAT,
        "rules": {
            "method": str(rules.method),
            "proposal_ids": sorted(rules.proposal_ids, key=proposal_order),
            "costs": sorted(rules.costs.items(), key=lambda item: proposal_order(item[0]))
            if is_budget
            else [],
            "budget": rules.budget if is_budget else None,
            **limits,
        },
        "ballots": [list(item) for item in _canonical_ballots(ballots)],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def ballots_digest(rules: RoundRules[Any], ballots: Iterable[Ballot]) -> str:
    """SHA-256 (hex) of a canonical form of the rules and ballots; input order is irrelevant.

    The canonical form is UTF-8 JSON as Python writes it with
    json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")), where doc is
      {"format": "mueang-ruam-kit ballots 1",
       "rules": {"method": M, "proposal_ids": [ids, ascending],
                 "costs": [[id, cost], ... ascending by id] (budget rounds; else []),
                 "budget": B (budget rounds; else null),
                 "dots_per_voter", "max_dots_per_proposal", "max_approvals", "max_ranks":
                 the number, or null when unlimited or not used by the method,
                 and only when they apply, so that our own rounds keep their digests:
                 "max_sum_cost": budget rounds whose ballots are not capped at the budget
                 (null: not capped), "min_approvals": approval and budget rounds with one},
       "ballots": [[ballot_id, stakeholder_group, [[proposal_id, value], ... ascending by id,
                   positive values only]], ... sorted by ballot_id (by Unicode code point)]}
    Ids are numbers or texts; "ascending" is voting.proposal_order (numbers first).
    Every field can be read from the two exported files, which is what digest_of_files does.
    Proposal titles, display order and `extra` keys are not covered.
    """
    return hashlib.sha256(canonical_form(rules, ballots)).hexdigest()


def digest_of_files(csv_text: str, json_text: str) -> str:
    """ballots_digest of the round and ballots that the two files describe."""
    rules = parse_round_json(json_text)
    return ballots_digest(rules, parse_ballots_csv(csv_text, rules))


def recount(csv_text: str, json_text: str) -> dict[str, object]:
    """Count the exported ballots again by every rule of the round's method.

    {"method": M, "ballots": count, "digest": hex,
     "rules": {rule: {"ranking": [{"proposal_id": id, "score": s}, ... best first],
                      "winners": [ids]}}}
    """
    rules = parse_round_json(json_text)
    return recount_document(rules, parse_ballots_csv(csv_text, rules))


def recount_document(rules: RoundRules[Any], ballots: list[Ballot]) -> dict[str, object]:
    """recount's output for rules and ballots however they were read."""
    results = tally(rules, ballots)
    return {
        "method": str(rules.method),
        "ballots": len(ballots),
        "digest": ballots_digest(rules, ballots),
        "rules": {
            name: {
                "ranking": [
                    {"proposal_id": item.proposal_id, "score": item.score}
                    for item in result.ranking
                ],
                "winners": list(result.winners),
            }
            for name, result in results.items()
        },
    }


def _canonical_ballots(
    ballots: Iterable[Ballot],
) -> list[tuple[str, str, list[tuple[ProposalId, int]]]]:
    """Ballots sorted by id, each with its positive entries sorted by proposal id; refuses
    what the CSV could not carry faithfully."""
    result = []
    seen: set[str] = set()
    for ballot in ballots:
        if not ballot.ballot_id.strip() or not ballot.stakeholder_group.strip():
            raise ValueError("every ballot needs a ballot_id and a stakeholder_group")
        if ballot.ballot_id in seen:
            raise ValueError(f"ballot id {ballot.ballot_id!r} is used twice")
        seen.add(ballot.ballot_id)
        entries = [
            item
            for item in sorted(ballot.values.items(), key=lambda item: proposal_order(item[0]))
            if item[1] > 0
        ]
        if not entries:
            raise ValueError(f"ballot {ballot.ballot_id!r} has no positive value")
        result.append((ballot.ballot_id, ballot.stakeholder_group, entries))
    result.sort(key=lambda item: item[0])
    return result
