"""Translated names for stored enum values; called at render time, never at import."""

from app.i18n import gettext as _
from app.models import Channel, MunicipalityType, Role, StakeholderGroup


def stakeholder_group(value: str) -> str:
    labels = {
        StakeholderGroup.resident: _("Resident"),
        StakeholderGroup.public_agency: _("Public agency"),
        StakeholderGroup.business: _("Business"),
        StakeholderGroup.civil_society: _("Civil society"),
        StakeholderGroup.academia: _("Academia"),
    }
    return labels[StakeholderGroup(value)]


def role(value: str) -> str:
    labels = {
        Role.admin: _("Administrator"),
        Role.planner: _("Planner"),
        Role.facilitator: _("Facilitator"),
    }
    return labels[Role(value)]


def channel(value: str) -> str:
    return {Channel.phone: _("Phone"), Channel.paper: _("Paper note")}[Channel(value)]


def municipality_type(value: str) -> str:
    labels = {
        MunicipalityType.city: _("City municipality"),
        MunicipalityType.town: _("Town municipality"),
    }
    return labels[MunicipalityType(value)]
