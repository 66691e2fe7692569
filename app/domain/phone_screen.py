"""What a phone shows first: the workshop page is ordered by what the room is doing now."""

from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    ideation = "ideation"  # write first, the wall below
    voting = "voting"  # the ballot card first
    review = "review"  # themes and wrap-up: what happened (results, the wall), writing last
    closed = "closed"  # thank you, the results and what comes next; no more writing


# Section ids of participate/workshop.html, in the order they appear for each mode; a section
# left out is hidden (the idea form once the workshop has closed).
_ORDER: dict[Mode, tuple[str, ...]] = {
    Mode.ideation: ("idea-form", "ballot-area", "wall"),
    Mode.voting: ("ballot-area", "idea-form", "wall"),
    Mode.review: ("ballot-area", "wall", "idea-form"),
    Mode.closed: ("closing", "ballot-area", "wall"),
}
SECTIONS = ("closing", "ballot-area", "idea-form", "wall")


@dataclass(frozen=True)
class PhoneScreen:
    mode: Mode
    order: tuple[str, ...]

    @property
    def hidden(self) -> tuple[str, ...]:
        return tuple(s for s in SECTIONS if s not in self.order)


def phone_screen(*, phase_kind: str | None, workshop_open: bool, vote_open: bool) -> PhoneScreen:
    """The mode of the phone page and the order of its sections.

    A closed workshop is `closed` whatever its phase; an open vote puts the ballot first in any
    phase (people are asked to vote now); otherwise the phase decides: `voting` for a voting
    phase, `review` for themes and wrap-up, `ideation` for ideation, a custom phase or before
    the first phase. Example: phone_screen(phase_kind="themes", workshop_open=True,
    vote_open=False).order == ("ballot-area", "wall", "idea-form").
    """
    if not workshop_open:
        mode = Mode.closed
    elif vote_open or phase_kind == "voting":
        mode = Mode.voting
    elif phase_kind in ("themes", "wrap_up"):
        mode = Mode.review
    else:
        mode = Mode.ideation
    return PhoneScreen(mode, _ORDER[mode])
