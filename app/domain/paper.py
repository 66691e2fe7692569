"""Bulk paste of paper notes: one note per line."""

from app.domain.text import TextProblem, clean_user_text


def split_notes(pasted: str, *, max_length: int) -> tuple[list[str], list[tuple[int, TextProblem]]]:
    """Split pasted text into notes, one per line that has visible text.

    Returns the cleaned notes and the problems as (1-based line number, problem); callers
    save nothing when there are problems, so a bad line never leaves half a table typed in.
    """
    notes: list[str] = []
    problems: list[tuple[int, TextProblem]] = []
    for number, line in enumerate(pasted.splitlines(), start=1):
        try:
            notes.append(clean_user_text(line, max_length=max_length))
        except TextProblem as problem:
            if problem.reason != "empty":  # blank lines separate notes; they are not notes
                problems.append((number, problem))
    return notes, problems
