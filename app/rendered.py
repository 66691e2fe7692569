"""Rendered HTML kept per process for pages that many phones ask for at the same moment.

Keys carry the workshop's event number, so any change to what a page shows makes a new key
and nothing ever has to be invalidated: old entries simply age out of the LRU.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_ATTACH = threading.Lock()


class _Slot(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.failed = False


class RenderCache(Generic[T]):
    """A small thread-safe LRU. Concurrent misses of one key wait for a single render instead
    of each rendering the same page (handlers run in the thread pool)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Slot[T]] = OrderedDict()

    def get(self, key: Hashable, render: Callable[[], T]) -> T:
        with self._lock:
            slot = self._entries.get(key)
            owner = slot is None
            if slot is None:
                slot = self._entries[key] = _Slot()
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if not owner:
            slot.done.wait()
            if not slot.failed:
                return slot.value  # type: ignore[return-value]
            return render()  # the first render failed; try once more, without caching
        try:
            value = render()
        except BaseException:
            slot.failed = True
            with self._lock:
                if self._entries.get(key) is slot:
                    del self._entries[key]
            slot.done.set()
            raise
        slot.value = value
        slot.done.set()
        return value

    def __len__(self) -> int:
        return len(self._entries)


def cache_on(state: Any, name: str, size: int = 128) -> RenderCache[Any]:
    """The app's cache called `name`, made on first use (one per app, so that two apps in one
    process, as in tests, never share rendered pages)."""
    with _ATTACH:
        cache = getattr(state, name, None)
        if cache is None:
            cache = RenderCache(size)
            setattr(state, name, cache)
        return cache  # type: ignore[no-any-return]
