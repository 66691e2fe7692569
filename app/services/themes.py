"""Themes for a workshop, or for a whole city board: clustering runs in the background,
stored as versions, then polished by hand (rename, merge, split, move, pin, promote).

The clustering itself is app.domain.clustering over words from app.domain.thai_nlp; this
module decides which comments go in, keeps what the facilitator fixed by hand across re-runs,
and stores the result.
"""

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Engine, func
from sqlmodel import Session, col, delete, select

from app.domain import clustering, thai_nlp
from app.domain.errors import Conflict, NotFound, UserError
from app.i18n import gettext as _
from app.i18n import ngettext
from app.models import (
    City,
    CityWord,
    Idea,
    Proposal,
    ProposalOrigin,
    RunStatus,
    StaffAccount,
    Theme,
    ThemeMember,
    ThemeRun,
    Workshop,
    utcnow,
)
from app.services import board_search, live

log = logging.getLogger(__name__)
MAX_CITY_WORDS = 500
MAX_THEMES = 30  # cluster_comments' default upper bound for the automatic choice
EVIDENCE_IN_DESCRIPTION = 20


@dataclass(frozen=True)
class Scope:
    """Whose comments: one workshop's, or (workshop None) every workshop's in the city."""

    city: City
    workshop: Workshop | None = None

    def runs(self) -> Any:
        """The WHERE clause picking this scope's runs."""
        if self.workshop is not None:
            return col(ThemeRun.workshop_id) == self.workshop.id
        return (col(ThemeRun.city_id) == self.city.id) & col(ThemeRun.workshop_id).is_(None)

    @property
    def key(self) -> tuple[int | None, int | None]:
        return (self.city.id, self.workshop.id if self.workshop else None)

    def owns(self, theme: Theme) -> bool:
        if self.workshop is not None:
            return theme.workshop_id == self.workshop.id
        return theme.city_id == self.city.id and theme.workshop_id is None


def scope_of_run(session: Session, run: ThemeRun) -> Scope:
    city = session.get(City, run.city_id)
    if city is None:  # pragma: no cover - foreign key
        raise NotFound(_("There is no city with this identifier."))
    workshop = session.get(Workshop, run.workshop_id) if run.workshop_id else None
    return Scope(city, workshop)


def cluster(
    comments: Sequence[clustering.Comment],
    *,
    custom_words: Sequence[str] = (),
    how: thai_nlp.Segmentation = thai_nlp.Segmentation(),
    n_themes: int | None = None,
    min_themes: int = 2,
    max_themes: int = MAX_THEMES,
    progress: Callable[[float], None] | None = None,
    seed: int = 0,
    options: clustering.Options = clustering.DEFAULT_OPTIONS,
) -> clustering.Clustering:
    """Comments into themes: their words first (progress 0 to 0.5), then the clustering.

    The result's params also say how the words were made (engine, number of city words).
    """
    report = progress or (lambda _fraction: None)
    report(0.0)
    tokens = thai_nlp.tokenize_many(
        [c.text for c in comments],
        custom_words=custom_words,
        how=how,
        progress=lambda fraction: report(0.5 * fraction),
    )
    result = clustering.cluster_comments(
        [replace(c, tokens=t) for c, t in zip(comments, tokens, strict=True)],
        n_themes=n_themes,
        min_themes=min_themes,
        max_themes=max_themes,
        progress=report,
        seed=seed,
        options=options,
    )
    words = {"engine": how.engine, "custom_words": len(thai_nlp.custom_word_set(custom_words))}
    result.params.update(words)
    return result


# --- running in the background --------------------------------------------------------------


class Runner(Protocol):
    def submit(self, run_id: int, session: Session) -> None: ...


class ThreadRunner:
    """Runs one clustering at a time in a worker thread with its own database session, so
    requests never wait for it (scikit-learn and nlpo3 do their heavy parts outside the GIL)."""

    def __init__(self, engine: Engine) -> None:
        # SQLite: take the write lock at BEGIN, like write requests do (see app.db).
        self.engine = engine.execution_options(sqlite_begin="IMMEDIATE")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="themes")

    def submit(self, run_id: int, session: Session) -> None:
        self.pool.submit(self._run, run_id)

    def _run(self, run_id: int) -> None:
        try:
            with Session(self.engine) as session:
                execute_run(session, run_id, commit_progress=True)
        except Exception:  # pragma: no cover - logged; the run stays visible as running
            log.exception("theme run %s failed", run_id)
            with Session(self.engine) as session:
                run = session.get(ThemeRun, run_id)
                if run is not None and run.status == RunStatus.running:
                    run.status = RunStatus.failed
                    run.error_code = "internal"
                    session.add(run)
                    session.commit()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class InlineRunner:
    """Runs the clustering inside the request (tests, and the command line)."""

    def submit(self, run_id: int, session: Session) -> None:
        execute_run(session, run_id, commit_progress=False)


# --- starting and executing a run ------------------------------------------------------------


def clusterable_ideas(session: Session, scope: Scope) -> list[Idea]:
    """Visible ideas and comments (hidden ones and merged duplicates stay out)."""
    query = select(Idea).where(col(Idea.hidden).is_(False), col(Idea.duplicate_of_id).is_(None))
    if scope.workshop is not None:
        query = query.where(Idea.workshop_id == scope.workshop.id)
    else:
        query = query.join(Workshop, col(Workshop.id) == Idea.workshop_id).where(
            Workshop.city_id == scope.city.id
        )
    return list(session.exec(query.order_by(col(Idea.id))).all())


def start_run(
    session: Session,
    scope: Scope,
    actor: StaffAccount,
    runner: Runner,
    *,
    n_themes: int | None = None,
) -> ThemeRun:
    """Record a new version and hand it to the runner; refuses while one is running."""
    if n_themes is not None and not 2 <= n_themes <= MAX_THEMES:
        raise UserError(
            _("Choose between 2 and %(max)s themes, or leave it empty.") % {"max": MAX_THEMES},
            status_code=422,
        )
    running = session.exec(
        select(ThemeRun).where(scope.runs(), ThemeRun.status == RunStatus.running)
    ).first()
    if running is not None:
        raise Conflict(_("Themes are being found already. Wait for that run to finish."))
    version = (session.exec(select(func.max(ThemeRun.version)).where(scope.runs())).one() or 0) + 1
    run = ThemeRun(
        city_id=scope.city.id or 0,
        workshop_id=scope.workshop.id if scope.workshop else None,
        version=version,
        requested_themes=n_themes,
        created_by_id=actor.id,
    )
    session.add(run)
    session.commit()  # the runner's own session must see it
    runner.submit(run.id or 0, session)
    return run


@dataclass(frozen=True)
class _Kept:
    """What a re-run keeps from the latest finished run."""

    themes: list[tuple[Theme, list[int]]]  # pinned (all members) and hand-moved targets
    manual: dict[int, int]  # idea id -> old theme id (its hand-made place)


def _kept(session: Session, scope: Scope, valid: set[int]) -> _Kept:
    previous = latest_done_run(session, scope)
    if previous is None:
        return _Kept([], {})
    themes = {t.id: t for t in themes_of(session, previous)}
    members = session.exec(select(ThemeMember).where(ThemeMember.run_id == previous.id)).all()
    manual = {m.idea_id: m.theme_id for m in members if m.manual and m.idea_id in valid}
    kept: list[tuple[Theme, list[int]]] = []
    for theme in themes.values():
        if theme.is_other:
            continue
        if theme.pinned:
            ids = [m.idea_id for m in members if m.theme_id == theme.id and m.idea_id in valid]
        else:
            ids = [i for i, t in manual.items() if t == theme.id]
        if ids:
            kept.append((theme, ids))
    return _Kept(kept, manual)


def execute_run(session: Session, run_id: int, *, commit_progress: bool) -> None:
    """Cluster the scope's comments into the run's themes; record failures as such."""
    run = session.get(ThemeRun, run_id)
    if run is None or run.status != RunStatus.running:
        return
    scope = scope_of_run(session, run)
    ideas = clusterable_ideas(session, scope)
    by_id = {i.id or 0: i for i in ideas}
    kept = _kept(session, scope, set(by_id))
    fixed = {idea_id for _theme, ids in kept.themes for idea_id in ids}
    to_cluster = [
        clustering.Comment(str(i.id), i.text, str(i.stakeholder_group))
        for i in ideas
        if i.id not in fixed
    ]

    def progress(fraction: float) -> None:
        run.progress = round(min(max(fraction, 0.0), 1.0), 3)
        session.add(run)
        if commit_progress:
            session.commit()
        else:
            session.flush()

    result: clustering.Clustering | None = None
    try:
        if to_cluster:
            result = cluster(
                to_cluster,
                n_themes=run.requested_themes,
                custom_words=city_words(session, scope.city.id or 0),
                progress=progress,
            )
    except clustering.ClusteringError as error:
        if not kept.themes:
            run.status = RunStatus.failed
            run.error_code = error.code
            run.error_params = dict(error.params)
            run.finished_at = utcnow()
            run.comment_count = len(ideas)
            session.add(run)
            session.commit()
            return
        # Too few new comments to cluster: they wait in "other" beside the kept themes.
        result = None
    _store(session, run, kept, result, [int(c.id) for c in to_cluster])
    run.status = RunStatus.done
    run.progress = 1.0
    run.finished_at = utcnow()
    run.comment_count = len(ideas)
    run.params = result.params if result else {"kept_only": True}
    session.add(run)
    session.commit()


def _store(
    session: Session,
    run: ThemeRun,
    kept: _Kept,
    result: clustering.Clustering | None,
    clustered: list[int],
) -> None:
    position = 0
    placed: set[int] = set()

    def add(theme: Theme, ids: Sequence[int], manual: set[int]) -> None:
        nonlocal position
        theme.position = position
        position += 1
        session.add(theme)
        session.flush()
        for idea_id in ids:
            if idea_id in placed:
                continue
            placed.add(idea_id)
            session.add(
                ThemeMember(
                    run_id=run.id or 0,
                    idea_id=idea_id,
                    theme_id=theme.id or 0,
                    manual=idea_id in manual,
                )
            )

    manual = set(kept.manual)
    for old, ids in kept.themes:
        copy = Theme(
            city_id=run.city_id,
            workshop_id=run.workshop_id,
            run_id=run.id or 0,
            label=old.label,
            suggested_label=old.suggested_label,
            keywords=list(old.keywords),
            representative_ids=[i for i in old.representative_ids if i in ids][:3],
            pinned=old.pinned,
        )
        add(copy, ids, manual)
    if result is not None:
        for summary in result.themes:
            ids = [int(i) for i in summary.comment_ids]
            add(_theme_from(run, summary), ids, manual)
    rest = [i for i in clustered if i not in placed]
    other = Theme(
        city_id=run.city_id,
        workshop_id=run.workshop_id,
        run_id=run.id or 0,
        label=clustering.OTHER_LABEL,
        suggested_label=clustering.OTHER_LABEL,
        is_other=True,
    )
    add(other, rest, manual)
    session.flush()


def _theme_from(run: ThemeRun, summary: clustering.ThemeSummary) -> Theme:
    return Theme(
        city_id=run.city_id,
        workshop_id=run.workshop_id,
        run_id=run.id or 0,
        label=summary.label[:200],
        suggested_label=summary.label[:200],
        keywords=list(summary.keywords),
        representative_ids=[int(i) for i in summary.representative_ids],
    )


# --- reading a run ---------------------------------------------------------------------------


def latest_run(session: Session, scope: Scope) -> ThemeRun | None:
    query = select(ThemeRun).where(scope.runs()).order_by(col(ThemeRun.version).desc())
    return session.exec(query).first()


def latest_done_run(session: Session, scope: Scope) -> ThemeRun | None:
    query = (
        select(ThemeRun)
        .where(scope.runs(), ThemeRun.status == RunStatus.done)
        .order_by(col(ThemeRun.version).desc())
    )
    return session.exec(query).first()


def themes_of(session: Session, run: ThemeRun) -> list[Theme]:
    query = select(Theme).where(Theme.run_id == run.id).order_by(col(Theme.position))
    return list(session.exec(query).all())


@dataclass(frozen=True)
class ThemeCard:
    theme: Theme
    ideas: list[Idea]
    representatives: list[Idea]
    share_by_group: dict[str, float]

    @property
    def size(self) -> int:
        return len(self.ideas)


def board(session: Session, run: ThemeRun) -> list[ThemeCard]:
    """Every theme of a run with its comments, biggest first, "other" last; pinned on top."""
    themes = themes_of(session, run)
    rows = session.exec(
        select(ThemeMember.theme_id, Idea)
        .join(Idea, col(Idea.id) == ThemeMember.idea_id)
        .where(ThemeMember.run_id == run.id)
        .order_by(col(Idea.id))
    ).all()
    ideas: dict[int, list[Idea]] = {t.id or 0: [] for t in themes}
    for theme_id, idea in rows:
        ideas.setdefault(theme_id, []).append(idea)
    cards = []
    for theme in themes:
        members = ideas.get(theme.id or 0, [])
        if not members and not theme.is_other:
            continue
        groups = Counter(str(i.stakeholder_group) for i in members)
        by_id = {i.id: i for i in members}
        cards.append(
            ThemeCard(
                theme=theme,
                ideas=members,
                representatives=[by_id[i] for i in theme.representative_ids if i in by_id][:3]
                or members[:3],
                share_by_group={g: n / len(members) for g, n in sorted(groups.items())},
            )
        )
    cards.sort(key=lambda c: (c.theme.is_other, not c.theme.pinned, -c.size, c.theme.position))
    return cards


def get_theme(session: Session, scope: Scope, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None or not scope.owns(theme):
        raise NotFound(_("There is no such theme here."))
    latest = latest_done_run(session, scope)
    if latest is None or theme.run_id != latest.id:
        raise Conflict(_("This theme belongs to an older version. Reload the page."))
    return theme


def run_error_message(run: ThemeRun) -> str:
    params = run.error_params or {}
    if run.error_code == "too_few_comments":
        needed = int(params.get("needed", 6))
        return ngettext(
            "Too few comments to find themes: at least %(num)s comment is needed.",
            "Too few comments to find themes: at least %(num)s comments are needed.",
            needed,
        ) % {"num": needed}
    if run.error_code == "nothing_to_cluster":
        return _("The comments have no words to group by (only emoji, numbers or links).")
    return _("Finding themes failed. Try again; if it fails again, tell the administrator.")


# --- the facilitator's edits -------------------------------------------------------------------


def _touch(session: Session) -> None:
    """Edits show on the next load; the projector's theme view refreshes by itself."""
    session.flush()


def rename(session: Session, scope: Scope, theme: Theme, label: str) -> Theme:
    label = " ".join(label.split())
    if not label:
        raise UserError(_("Give the theme a name."), status_code=422)
    if len(label) > 200:
        raise UserError(_("A theme name can be at most 200 characters."), status_code=422)
    theme.label = label
    session.add(theme)
    _touch(session)
    return theme


def set_pinned(session: Session, scope: Scope, theme: Theme, pinned: bool) -> Theme:
    if theme.is_other:
        raise UserError(_("The “other” group cannot be pinned."), status_code=422)
    theme.pinned = pinned
    session.add(theme)
    _touch(session)
    return theme


def merge(session: Session, scope: Scope, into: Theme, other: Theme) -> Theme:
    """Move every comment of `other` into `into` and drop `other`."""
    if into.id == other.id:
        raise UserError(_("Choose a different theme to merge with."), status_code=422)
    if into.run_id != other.run_id:
        raise Conflict(_("This theme belongs to an older version. Reload the page."))
    if into.is_other:
        into, other = other, into  # merging into "other" keeps the named theme
    members = session.exec(select(ThemeMember).where(ThemeMember.theme_id == other.id)).all()
    for member in members:
        member.theme_id = into.id or 0
        session.add(member)
    into.keywords = list(dict.fromkeys([*into.keywords, *other.keywords]))[:8]
    into.pinned = into.pinned or other.pinned
    session.add(into)
    session.flush()
    if other.is_other:
        return into  # "other" stays, empty
    session.delete(other)
    _touch(session)
    return into


def _other_theme(session: Session, run_id: int) -> Theme:
    return session.exec(
        select(Theme).where(Theme.run_id == run_id, col(Theme.is_other).is_(True))
    ).one()


def split(session: Session, scope: Scope, theme: Theme) -> list[Theme]:
    """Cluster one theme's comments again, into two (or more, if they clearly fall apart)."""
    if theme.is_other:
        raise UserError(_("Run the clustering again to sort the “other” group."), status_code=422)
    rows = session.exec(
        select(Idea)
        .join(ThemeMember, col(ThemeMember.idea_id) == Idea.id)
        .where(ThemeMember.theme_id == theme.id)
        .order_by(col(Idea.id))
    ).all()
    try:
        result = cluster(
            [clustering.Comment(str(i.id), i.text, str(i.stakeholder_group)) for i in rows],
            n_themes=2,
            custom_words=city_words(session, scope.city.id or 0),
        )
    except clustering.ClusteringError as error:
        needed = int(error.params.get("needed", 6))
        raise UserError(
            ngettext(
                "This theme is too small to split: at least %(num)s comment is needed.",
                "This theme is too small to split: at least %(num)s comments are needed.",
                needed,
            )
            % {"num": needed},
            status_code=422,
        ) from error
    run = session.get(ThemeRun, theme.run_id)
    assert run is not None  # noqa: S101  (a theme always has its run)
    other = _other_theme(session, theme.run_id)
    new_themes: list[Theme] = []
    members = {
        m.idea_id: m
        for m in session.exec(select(ThemeMember).where(ThemeMember.theme_id == theme.id)).all()
    }
    for summary in result.themes:
        part = _theme_from(run, summary)
        part.position = theme.position
        session.add(part)
        session.flush()
        new_themes.append(part)
        for idea_id in summary.comment_ids:
            members[int(idea_id)].theme_id = part.id or 0
    for idea_id in result.other.comment_ids:
        members[int(idea_id)].theme_id = other.id or 0
    session.add_all(members.values())
    session.flush()
    session.delete(theme)
    _touch(session)
    return new_themes


def move(session: Session, scope: Scope, idea_id: int, to: Theme) -> None:
    """Put one comment in another theme by hand; a re-run keeps it there."""
    member = session.get(ThemeMember, (to.run_id, idea_id))
    if member is None:
        raise NotFound(_("This comment is not in the current themes."))
    member.theme_id = to.id or 0
    member.manual = True
    session.add(member)
    _touch(session)


def promote(session: Session, scope: Scope, theme: Theme, actor: StaffAccount) -> Proposal:
    """A proposal from a theme, with the theme's comments as its evidence (once per theme)."""
    if theme.is_other:
        raise UserError(_("The “other” group cannot become a proposal."), status_code=422)
    existing = session.exec(select(Proposal).where(Proposal.source_theme_id == theme.id)).first()
    if existing is not None:
        return existing
    ideas = session.exec(
        select(Idea)
        .join(ThemeMember, col(ThemeMember.idea_id) == Idea.id)
        .where(ThemeMember.theme_id == theme.id)
        .order_by(col(Idea.id))
    ).all()
    lines = [f"- {' '.join(i.text.split())}" for i in ideas[:EVIDENCE_IN_DESCRIPTION]]
    more = len(ideas) - len(lines)
    description = "\n".join(
        [
            _("From the theme “%(label)s”: %(num)s comments.")
            % {
                "label": theme.label,
                "num": len(ideas),
            },
            *lines,
            *([_("… and %(num)s more.") % {"num": more}] if more > 0 else []),
        ]
    )
    proposal = Proposal(
        city_id=scope.city.id or 0,
        workshop_id=scope.workshop.id if scope.workshop else None,
        source_theme_id=theme.id,
        title=theme.label[:200],
        description=description,
        origin=ProposalOrigin.theme,  # its category (a development dimension) is staff's choice
        created_by_id=actor.id,
    )
    session.add(proposal)
    session.flush()
    board_search.index_proposal(
        session, proposal, board_search.city_words(session, proposal.city_id)
    )
    if scope.workshop is not None:
        live.emit(session, scope.workshop.id or 0, live.Kind.VOTE, proposal.id)
    live.board_changed(session, proposal.city_id)
    return proposal


def proposals_from_themes(session: Session, run: ThemeRun) -> dict[int, Proposal]:
    query = (
        select(Proposal)
        .join(Theme, col(Theme.id) == Proposal.source_theme_id)
        .where(Theme.run_id == run.id)
    )
    return {p.source_theme_id or 0: p for p in session.exec(query).all()}


# --- the city's own words --------------------------------------------------------------------


def city_words(session: Session, city_id: int) -> list[str]:
    query = select(CityWord.word).where(CityWord.city_id == city_id).order_by(col(CityWord.word))
    return list(session.exec(query).all())


def set_city_words(session: Session, city: City, text: str) -> list[str]:
    """Replace the city's word list with one word per line (blank lines and repeats ignored)."""
    words = list(dict.fromkeys(" ".join(line.split()) for line in text.splitlines()))
    words = [w for w in words if w]
    if len(words) > MAX_CITY_WORDS:
        raise UserError(
            _("At most %(max)s words, please.") % {"max": MAX_CITY_WORDS}, status_code=422
        )
    too_long = [w for w in words if len(w) > 80]
    if too_long:
        raise UserError(
            _("A word can be at most 80 characters: %(word)s") % {"word": too_long[0][:40]},
            status_code=422,
        )
    session.exec(delete(CityWord).where(col(CityWord.city_id) == city.id))
    session.add_all(CityWord(city_id=city.id or 0, word=w) for w in words)
    session.flush()
    live.board_changed(session, city.id or 0)  # a board search now splits queries differently
    return words
