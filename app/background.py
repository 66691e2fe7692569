"""One background task per process, shared by every lifespan of an app (tests and several
uvicorn lifespans start the same app more than once): started by the first, ended by the last."""

import asyncio
import contextlib


class SharedLoop:
    """Subclasses give `name` and `_run()`; `_before_stop()` runs when the last user leaves."""

    name = "background-loop"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._users = 0

    def start(self) -> None:
        self._users += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._users -= 1
        if self._users > 0:
            return
        self._before_stop()
        task, self._task = self._task, None
        if task is None:
            return
        if task.get_loop() is not asyncio.get_running_loop():
            task.get_loop().call_soon_threadsafe(task.cancel)
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _before_stop(self) -> None:
        """Nothing by default."""

    async def _run(self) -> None:
        raise NotImplementedError
