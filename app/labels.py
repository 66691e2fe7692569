"""Translated names for stored enum values: msgids are marked here, translated at render time."""

from app.i18n import N_, gettext
from app.models import (
    AgeBand,
    Channel,
    MunicipalityType,
    PhaseKind,
    Role,
    RoundStatus,
    StakeholderGroup,
    VoteMethod,
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
}
_CHANNELS = {Channel.phone: N_("Phone"), Channel.paper: N_("Paper note")}
_MUNICIPALITY_TYPES = {
    MunicipalityType.city: N_("City municipality"),
    MunicipalityType.town: N_("Town municipality"),
}
_METHODS = {
    VoteMethod.dot: N_("Dot voting"),
    VoteMethod.approval: N_("Approval voting"),
    VoteMethod.ranked: N_("Ranked voting"),
    VoteMethod.budget: N_("Participatory budget"),
    VoteMethod.single: N_("Single choice"),
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


def vote_method(value: str) -> str:
    return gettext(_METHODS[VoteMethod(value)])


def vote_rule(name: str) -> str:
    return gettext(_RULES[name])


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
