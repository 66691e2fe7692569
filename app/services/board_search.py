"""The board's full-text index: kept in step with proposals and comments as they are written,
queried for the search box and the API. One row per document, keyed by doc_id: a proposal's
id, or minus a comment's id. SQLite uses FTS5 (ranked by bm25), PostgreSQL a tsvector column
with a GIN index (ranked by ts_rank); migration 0012 creates either."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, select

from app.domain import board_search as rules
from app.domain import thai_nlp
from app.models import City, CityWord, Proposal, ProposalComment


def city_words(session: Session, city_id: int) -> frozenset[str]:
    words = session.exec(select(CityWord.word).where(CityWord.city_id == city_id)).all()
    return thai_nlp.custom_word_set(words)


def words_of(text_: str, custom: frozenset[str]) -> list[str]:
    return thai_nlp.search_words(text_, custom_words=custom)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _put(session: Session, doc_id: int, proposal_id: int, city_id: int, body: str) -> None:
    params = {"doc": doc_id, "proposal": proposal_id, "city": city_id, "text": body}
    if _sqlite(session):
        session.execute(text("DELETE FROM board_search WHERE rowid = :doc"), params)
        session.execute(
            text(
                "INSERT INTO board_search (rowid, text, proposal_id, city_id)"
                " VALUES (:doc, :text, :proposal, :city)"
            ),
            params,
        )
        return
    session.execute(
        text(
            "INSERT INTO board_search (doc_id, proposal_id, city_id, text)"
            " VALUES (:doc, :proposal, :city, :text) ON CONFLICT (doc_id) DO UPDATE"
            " SET proposal_id = excluded.proposal_id, text = excluded.text"
        ),
        params,
    )


def _drop(session: Session, doc_id: int) -> None:
    column = "rowid" if _sqlite(session) else "doc_id"
    session.execute(text(f"DELETE FROM board_search WHERE {column} = :doc"), {"doc": doc_id})  # noqa: S608 (a fixed column name)


def index_proposal(session: Session, proposal: Proposal, custom: frozenset[str]) -> None:
    """A proposal is found while it is on the board; a merged one only through its survivor."""
    if proposal.status == "merged":
        _drop(session, proposal.id or 0)
        return
    words = words_of(f"{proposal.title}\n{proposal.description}\n{proposal.place or ''}", custom)
    _put(session, proposal.id or 0, proposal.id or 0, proposal.city_id, " ".join(words))


def index_comment(
    session: Session, comment: ProposalComment, city_id: int, custom: frozenset[str]
) -> None:
    """Visible comments are found (through their proposal); hidden, held or deleted ones
    are not."""
    if comment.hidden or comment.held_for_review or comment.deleted_at is not None:
        _drop(session, -(comment.id or 0))
        return
    words = words_of(comment.text, custom)
    _put(session, -(comment.id or 0), comment.proposal_id, city_id, " ".join(words))


@dataclass(frozen=True)
class Hit:
    proposal_id: int
    rank: float  # smaller is better


def search(
    session: Session, city: City, query: str, *, limit: int = 500
) -> tuple[list[Hit], list[str]]:
    """Proposals of the city that match every word of the query (in their text or a visible
    comment), best first, and the query's words (for the snippets)."""
    words = words_of(query, city_words(session, city.id or 0))
    if not words:
        return [], []
    if _sqlite(session):
        sql = text(
            # bm25() only works in the query that matches, not under an aggregate.
            "WITH matched AS MATERIALIZED (SELECT proposal_id, bm25(board_search) AS score"
            " FROM board_search WHERE board_search MATCH :q AND city_id = :city)"
            " SELECT proposal_id, min(score) AS best FROM matched"
            " GROUP BY proposal_id ORDER BY best, proposal_id LIMIT :limit"
        )
        params = {"q": rules.fts5_query(words), "city": city.id, "limit": limit}
    else:
        sql = text(
            "SELECT proposal_id, min(-ts_rank(tsv, q)) AS rank"
            " FROM board_search, to_tsquery('simple', :q) AS q"
            " WHERE tsv @@ q AND city_id = :city"
            " GROUP BY proposal_id ORDER BY rank, proposal_id LIMIT :limit"
        )
        params = {"q": rules.tsquery(words), "city": city.id, "limit": limit}
    rows = session.execute(sql, params).all()
    return [Hit(int(r[0]), float(r[1])) for r in rows], words


def snippets(texts: Sequence[str], words: Sequence[str]) -> list[list[tuple[str, bool]]]:
    return [rules.snippet(t, words) for t in texts]


def move_comments(session: Session, from_proposal: int, to_proposal: int) -> None:
    """After a merge, the duplicate's comments are found through the survivor."""
    key = "rowid" if _sqlite(session) else "doc_id"
    session.execute(
        text(f"UPDATE board_search SET proposal_id = :to WHERE proposal_id = :old AND {key} < 0"),  # noqa: S608 (a fixed column name)
        {"to": to_proposal, "old": from_proposal},
    )
