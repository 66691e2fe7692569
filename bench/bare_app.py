"""The bare ceiling for load figures: FastAPI with one GET returning a constant, nothing else.

Every load benchmark starts this in its own uvicorn process and reports its own figures as a
share of this app's throughput measured in the same run, so a ratio means the same on any
machine and is not flattered by a slow `/healthz`. The handler is async, as in FastAPI's own
first example: a sync one adds a thread-pool hop per request, which made this ceiling 3.7x lower
(2,196 against 8,162 req/s, same VM, same minute) and every ratio to it as much too flattering.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def constant() -> dict[str, bool]:
    return {"ok": True}
