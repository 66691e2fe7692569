"""The bare ceiling for load figures: FastAPI with one GET returning a constant, nothing else.

Every load benchmark starts this in its own uvicorn process and reports its own figures as a
share of this app's throughput measured in the same run, so a ratio means the same on any
machine and is not flattered by a slow `/healthz`.
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def constant() -> dict[str, bool]:
    return {"ok": True}
