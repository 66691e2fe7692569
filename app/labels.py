"""Translated names for stored enum values: msgids are marked here, translated at render time."""

from app.i18n import N_, gettext
from app.models import Channel, MunicipalityType, Role, StakeholderGroup

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


def stakeholder_group(value: str) -> str:
    return gettext(_GROUPS[StakeholderGroup(value)])


def role(value: str) -> str:
    return gettext(_ROLES[Role(value)])


def channel(value: str) -> str:
    return gettext(_CHANNELS[Channel(value)])


def municipality_type(value: str) -> str:
    return gettext(_MUNICIPALITY_TYPES[MunicipalityType(value)])
