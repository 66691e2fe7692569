"""How the facilitator sorts and filters the wall on the console and the projector."""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

SORTS = ("newest", "plus")


@dataclass(frozen=True)
class WallView:
    sort: str = "newest"  # "newest" first, or most "plus" ones first (then newest)
    group: str = ""  # one stakeholder group only; "" for all
    paper_only: bool = False

    @property
    def is_default(self) -> bool:
        return self == WallView()

    def query(self) -> str:
        """The view as a query string ("" for the default), to carry it in links."""
        params = {"sort": self.sort if self.sort != "newest" else "", "group": self.group}
        params["paper"] = "1" if self.paper_only else ""
        return urlencode({k: v for k, v in params.items() if v})


def wall_view(params: Mapping[str, str], groups: tuple[str, ...]) -> WallView:
    """Read a view from query parameters; anything unknown falls back to the default.

    >>> wall_view({"sort": "plus", "group": "business", "paper": "1"}, ("business",))
    WallView(sort='plus', group='business', paper_only=True)
    >>> wall_view({"sort": "loudest", "group": "aliens"}, ("business",))
    WallView(sort='newest', group='', paper_only=False)
    """
    sort = params.get("sort", "")
    group = params.get("group", "")
    return WallView(
        sort=sort if sort in SORTS else "newest",
        group=group if group in groups else "",
        paper_only=params.get("paper", "") == "1",
    )
