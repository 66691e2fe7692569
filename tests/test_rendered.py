"""The per-process cache of rendered pages: one render per key, even when asked at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.rendered import RenderCache


def test_concurrent_misses_of_one_key_render_once() -> None:
    cache: RenderCache[str] = RenderCache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def render() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "<li>page</li>"

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(cache.get, ("w", 1), render)
        started.wait(5)
        others = [pool.submit(cache.get, ("w", 1), render) for _ in range(7)]
        release.set()
        results = [first.result(5)] + [f.result(5) for f in others]
    assert results == ["<li>page</li>"] * 8
    assert len(calls) == 1


def test_least_recently_used_page_leaves_first() -> None:
    cache: RenderCache[int] = RenderCache(size=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 0)  # used again: "b" is now the oldest
    cache.get("c", lambda: 3)
    assert cache.get("a", lambda: -1) == 1
    assert cache.get("b", lambda: -2) == -2
    assert len(cache) == 2


def test_a_failed_render_is_not_kept() -> None:
    cache: RenderCache[str] = RenderCache()

    def broken() -> str:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get("k", broken)
    assert cache.get("k", lambda: "ok") == "ok"
