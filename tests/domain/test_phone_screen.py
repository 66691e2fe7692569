import pytest

from app.domain.phone_screen import Mode, phone_screen


@pytest.mark.parametrize(
    ("phase_kind", "workshop_open", "vote_open", "mode", "first"),
    [
        (None, True, False, Mode.ideation, "idea-form"),
        ("ideation", True, False, Mode.ideation, "idea-form"),
        ("custom", True, False, Mode.ideation, "idea-form"),
        ("voting", True, False, Mode.voting, "ballot-area"),
        ("ideation", True, True, Mode.voting, "ballot-area"),
        ("themes", True, False, Mode.review, "ballot-area"),
        ("wrap_up", True, False, Mode.review, "ballot-area"),
        ("voting", False, True, Mode.closed, "closing"),
    ],
)
def test_phone_screen_puts_the_phase_action_first(
    phase_kind: str | None, workshop_open: bool, vote_open: bool, mode: Mode, first: str
) -> None:
    screen = phone_screen(phase_kind=phase_kind, workshop_open=workshop_open, vote_open=vote_open)
    assert (screen.mode, screen.order[0]) == (mode, first)


def test_phone_screen_of_a_closed_workshop_hides_the_idea_form() -> None:
    screen = phone_screen(phase_kind="ideation", workshop_open=False, vote_open=False)
    assert screen.hidden == ("idea-form",)
    assert (
        "idea-form" in phone_screen(phase_kind="wrap_up", workshop_open=True, vote_open=False).order
    )
