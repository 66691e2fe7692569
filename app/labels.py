"""Translated names for stored enum values: msgids are marked here, translated at render time."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.domain import plan_record
from app.domain.eligibility import Eligibility
from app.domain.monitoring import ItemStatus, Period
from app.domain.voting import Method
from app.i18n import N_, format_number, get_locale, gettext, ngettext
from app.models import (
    AgeBand,
    Channel,
    MunicipalityType,
    PhaseKind,
    ReportState,
    Role,
    RoundStatus,
    StakeholderGroup,
    WorkshopPhase,
)

_GROUPS = {
    StakeholderGroup.resident: N_("Resident"),
    StakeholderGroup.public_agency: N_("Public agency"),
    StakeholderGroup.business: N_("Business"),
    StakeholderGroup.civil_society: N_("Civil society"),
    StakeholderGroup.academia: N_("Academia"),
}
_ROLES = {
    Role.admin: N_("Administrator"),
    Role.planner: N_("Planner"),
    Role.facilitator: N_("Facilitator"),
    Role.agency: N_("Agency"),
}
_CHANNELS = {Channel.phone: N_("Phone"), Channel.paper: N_("Paper note")}
_MUNICIPALITY_TYPES = {
    MunicipalityType.city: N_("City municipality"),
    MunicipalityType.town: N_("Town municipality"),
}
_METHODS = {
    Method.dot: N_("Dot voting"),
    Method.approval: N_("Approval voting"),
    Method.ranked: N_("Ranked voting"),
    Method.budget: N_("Participatory budget"),
    Method.single: N_("Single choice"),
}
_RULES = {
    "dots": N_("Dots"),
    "approval": N_("Approvals"),
    "borda": N_("Borda count"),
    "schulze": N_("Schulze method"),
    "greedy": N_("Most approvals within the budget"),
    "equal_shares": N_("Method of Equal Shares"),
    "plurality": N_("Most votes"),
}
_RULE_SCORES = {
    "dots": N_("dots"),
    "approval": N_("approvals"),
    "borda": N_("points"),
    "schulze": N_("proposals beaten"),
    "greedy": N_("approvals"),
    "equal_shares": N_("approvals"),
    "plurality": N_("votes"),
}
_ROUND_STATUSES = {
    RoundStatus.draft: N_("Draft"),
    RoundStatus.open: N_("Open"),
    RoundStatus.closed: N_("Closed"),
}


_ITEM_STATUSES = {
    ItemStatus.not_started: N_("Not started"),
    ItemStatus.on_track: N_("On track"),
    ItemStatus.delayed: N_("Delayed"),
    ItemStatus.done: N_("Done"),
    ItemStatus.cancelled: N_("Cancelled"),
}
_REPORT_STATES = {
    ReportState.draft: N_("Draft"),
    ReportState.submitted: N_("Waiting for review"),
    ReportState.published: N_("Published"),
}
_INDICATOR_STATES = {
    "reached": N_("Target reached"),
    "on_track": N_("On track"),
    "behind": N_("Behind"),
    "no_data": N_("No data"),
}
_DIMENSIONS = {
    "environment": N_("Environment"),
    "disaster": N_("Disaster resilience"),
    "mobility": N_("Mobility"),
    "economy": N_("Economy"),
    "society": N_("Society"),
    "governance": N_("Governance"),
}


_IMPORT_FIELDS = {
    "item": N_("Plan item"),
    "period": N_("Period"),
    "status": N_("Status"),
    "percent": N_("Percent complete"),
    "budget_spent": N_("Budget spent"),
    "narrative": N_("Note"),
}


def import_field(name: str) -> str:
    return gettext(_IMPORT_FIELDS[name]) if name in _IMPORT_FIELDS else name


def item_status(value: str) -> str:
    return gettext(_ITEM_STATUSES[ItemStatus(value)])


def report_state(value: str) -> str:
    return gettext(_REPORT_STATES[ReportState(value)])


def indicator_state(value: str) -> str:
    return gettext(_INDICATOR_STATES.get(value, _INDICATOR_STATES["no_data"]))


def dimension(value: str) -> str:
    return gettext(_DIMENSIONS[value]) if value in _DIMENSIONS else value


def period_label(period: Period) -> str:
    """ "ไตรมาส 1/2569" in Thai, "Q1 FY2569" in English (fiscal years are always B.E.)."""
    return period.label_en if get_locale() == "en" else period.label_th


def period_key_label(key: str) -> str:
    return period_label(Period.parse(key))


def vote_method(value: str) -> str:
    return gettext(_METHODS[Method(value)])


def vote_rule(name: str) -> str:
    return gettext(_RULES[name])


_PLAN_STATES = {
    "draft": N_("Draft"),
    "consultation": N_("Public consultation"),
    "adopted": N_("Adopted"),
}
_PLAN_FIELDS = {
    "priority": N_("Priority"),
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "dimension": N_("Development dimension"),
    "goal": N_("Goal"),
    "goal_id": N_("Goal"),
    "agency": N_("Responsible agency"),
    "agency_id": N_("Responsible agency"),
    "budget_planned": N_("Budget (baht)"),
    "funding_source": N_("Funding source"),
    "fiscal_year_start": N_("First fiscal year"),
    "fiscal_year_end": N_("Last fiscal year"),
    "proposals": N_("Proposals behind it"),
    "created": N_("Added to the plan"),
    "removed": N_("Left out of the plan"),
    "status": N_("Status"),
}


_CONTRIBUTIONS = {"idea": N_("Idea"), "note": N_("Paper note"), "comment": N_("Comment")}


class ChainWords:
    """The words of provenance chains, translated once for a page that shows hundreds of them:
    Jinja's gettext calls, one set per chain, cost more than the rest of the chain
    (bench/plan_record.py)."""

    def __init__(self) -> None:
        self.proposal = gettext("Proposal")
        self.why = gettext("Why it was agreed")
        self.vote = gettext("Vote")
        self.digest = gettext("digest")
        self.themes = gettext("Themes")
        self.kinds = {kind: gettext(label) for kind, label in _CONTRIBUTIONS.items()}
        self.no_vote = gettext("Entered by the planners; no vote behind it.")
        self._rank = gettext("rank %(rank)s")

    def counts(self, people: int, groups: Sequence[str]) -> str:
        """Who is behind an item: "3 people · 2 groups (Business, Resident)"."""
        text = ngettext("%(num)s person", "%(num)s people", people) % {"num": people}
        count = ngettext("%(num)s group", "%(num)s groups", len(groups)) % {"num": len(groups)}
        text += " · " + count
        if groups:
            text += " (" + ", ".join(stakeholder_group(g) for g in groups) + ")"
        return text

    def rank(self, rank: int) -> str:
        return self._rank % {"rank": rank}

    def support(self, score: float, rule: str) -> str:
        """The score behind a step, rounded, with its unit: "12 approvals"."""
        return f"{round(score):,} {rule_score(rule)}"

    def lines(self, chains: Mapping[int, plan_record.Chain]) -> dict[int, plan_record.ChainLines]:
        """What the page shows of each chain with steps (app.domain.plan_record.chain_lines)."""
        return plan_record.chain_lines(chains, self)

    def line(self, chain: plan_record.Chain | None) -> plan_record.ChainLines | None:
        return self.lines({chain.item_id: chain}).get(chain.item_id) if chain else None


class ItemWords:
    """The words of the line under each plan item (app.domain.plan_record.item_meta),
    translated once for a page that lists hundreds of items."""

    def __init__(self) -> None:
        self.baht = gettext("baht")
        self.fiscal_years = gettext("Fiscal years")

    def number(self, value: int | float) -> str:
        return format_number(value)

    def staff_lines(self, items: Iterable[Any], agencies: Mapping[int, str]) -> dict[int, str]:
        """{item id: line} for live items (plan_record.ItemLine), with the agency's name."""
        missing = gettext("no responsible agency yet")
        return {
            i.id: plan_record.item_meta(
                agencies.get(i.agency_id) or missing,
                None,
                i.budget_planned,
                None,
                i.fiscal_year_start,
                i.fiscal_year_end,
                self,
            )
            for i in items
        }

    def public_lines(self, items: Iterable[Mapping[str, Any]]) -> dict[int, str]:
        """{item id: line} for a published version's items (snapshot dicts)."""
        return {
            i["id"]: plan_record.item_meta(
                i.get("agency") or "–",
                i.get("place"),
                i.get("budget_planned"),
                i.get("funding_source"),
                i.get("fiscal_year_start"),
                i.get("fiscal_year_end"),
                self,
            )
            for i in items
        }


def plan_state(value: str) -> str:
    return gettext(_PLAN_STATES[value]) if value in _PLAN_STATES else value


def plan_field(name: str) -> str:
    return gettext(_PLAN_FIELDS[name]) if name in _PLAN_FIELDS else name


def rule_score(name: str) -> str:
    return gettext(_RULE_SCORES[name])


def round_status(value: str) -> str:
    return gettext(_ROUND_STATUSES[RoundStatus(value)])


def stakeholder_group(value: str) -> str:
    return gettext(_GROUPS[StakeholderGroup(value)])


def role(value: str) -> str:
    return gettext(_ROLES[Role(value)])


def channel(value: str) -> str:
    return gettext(_CHANNELS[Channel(value)])


def municipality_type(value: str) -> str:
    return gettext(_MUNICIPALITY_TYPES[MunicipalityType(value)])


_AGE_BANDS = {
    AgeBand.under_18: N_("Under 18"),
    AgeBand.age_18_25: N_("18–25"),
    AgeBand.age_26_40: N_("26–40"),
    AgeBand.age_41_60: N_("41–60"),
    AgeBand.over_60: N_("Over 60"),
}
_PHASE_TITLES = {
    PhaseKind.ideation: N_("Sharing ideas"),
    PhaseKind.themes: N_("Grouping into themes"),
    PhaseKind.voting: N_("Voting"),
    PhaseKind.wrap_up: N_("Wrap-up"),
    PhaseKind.custom: N_("Activity"),
}
_PHASE_HINTS = {
    PhaseKind.ideation: N_("Write your ideas for the city and support the ones you like with +1."),
    PhaseKind.themes: N_(
        "The facilitator is grouping the ideas into themes. You can still comment and +1."
    ),
    PhaseKind.voting: N_("Vote for the proposals you support when the ballot appears below."),
    PhaseKind.wrap_up: N_("Thank you! The agreed priorities go into the city's draft plan."),
    PhaseKind.custom: N_("Follow the facilitator's instructions."),
}


def age_band(value: str) -> str:
    return gettext(_AGE_BANDS[AgeBand(value)])


def phase_kind(value: str) -> str:
    return gettext(_PHASE_TITLES[PhaseKind(value)])


def phase_title(phase: WorkshopPhase | None) -> str:
    """The facilitator's name for the phase, or its kind's name."""
    if phase is None:
        return gettext("Welcome")
    return phase.title or phase_kind(phase.kind)


def phase_hint(phase: WorkshopPhase | None) -> str:
    if phase is None:
        return gettext("The workshop starts soon.")
    return gettext(_PHASE_HINTS[PhaseKind(phase.kind)])


_ELIGIBILITIES = {
    Eligibility.open: N_("Open: not verified"),
    Eligibility.hall: N_("In the hall: presence code"),
    Eligibility.codes: N_("One-time printed codes"),
}


def eligibility(value: str) -> str:
    return gettext(_ELIGIBILITIES[Eligibility(value)])


# Units of the indicator library (app/domain/indicator_library.py), stored as written there;
# shown in the reader's language. A unit a planner typed is shown as typed.
_UNITS = {
    "days": N_("days"),
    "households": N_("households"),
    "kg": N_("kg"),
    "km": N_("km"),
    "million baht": N_("million baht"),
    "people": N_("people"),
    "trips": N_("trips"),
}


def unit(value: str) -> str:
    return gettext(_UNITS[value]) if value in _UNITS else value


_PROPOSAL_STATUSES = {
    "open": N_("Open"),
    "shortlisted": N_("Shortlisted"),
    "selected": N_("Selected"),
    "not_selected": N_("Not selected"),
    "merged": N_("Merged"),
    "withdrawn": N_("Withdrawn"),
    "agreed": N_("Agreed priority"),
}
_PROPOSAL_ORIGINS = {
    "idea": N_("Workshop idea"),
    "theme": N_("Theme"),
    "online": N_("Proposed online"),
    "paper": N_("Paper form"),
}
_HISTORY_ACTIONS = {
    "created": N_("Created"),
    "edited": N_("Reworded"),
    "status": N_("Status changed"),
    "merged": N_("Merged into another proposal"),
    "merged_from": N_("A duplicate was merged into it"),
}


def proposal_status(value: str) -> str:
    return gettext(_PROPOSAL_STATUSES[value]) if value in _PROPOSAL_STATUSES else value


def proposal_origin(value: str) -> str:
    return gettext(_PROPOSAL_ORIGINS[value]) if value in _PROPOSAL_ORIGINS else value


def history_action(value: str) -> str:
    return gettext(_HISTORY_ACTIONS[value]) if value in _HISTORY_ACTIONS else value


_PROPOSAL_FIELDS = {
    "title": N_("Title"),
    "description": N_("Text"),
    "category": N_("Category"),
    "place": N_("Place"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "estimated_cost": N_("Estimated cost"),
    "status": N_("Status"),
    "merged_into": N_("Merged into proposal"),
    "merged_from": N_("Merged from proposal"),
    "ideas": N_("Ideas"),
}


def proposal_field(name: str) -> str:
    return gettext(_PROPOSAL_FIELDS[name]) if name in _PROPOSAL_FIELDS else name


def proposal_value(name: str, value: object) -> str:
    """A history value as people read it: statuses and categories by their names."""
    if value is None:
        return ""
    if name == "status":
        return proposal_status(str(value))
    if name == "category":
        return dimension(str(value))
    if name in ("merged_into", "merged_from"):
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(f"#{v}" for v in value)
    return str(value)
