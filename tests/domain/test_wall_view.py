from app.domain.wall_view import WallView, wall_view

GROUPS = ("resident", "business")


def test_wall_view_reads_known_values_and_writes_them_back() -> None:
    view = wall_view({"sort": "plus", "group": "business", "paper": "1"}, GROUPS)
    assert view == WallView(sort="plus", group="business", paper_only=True)
    assert view.query() == "sort=plus&group=business&paper=1"
    assert wall_view({}, GROUPS).is_default
    assert WallView().query() == ""


def test_wall_view_falls_back_to_the_default_on_unknown_values() -> None:
    assert wall_view({"sort": "loud", "group": "aliens", "paper": "yes"}, GROUPS).is_default
