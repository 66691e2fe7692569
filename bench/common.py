"""What the benchmark scripts share: a seeded database and the app in its own processes."""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from app.db import make_engine  # noqa: E402
from app.models import Role, StakeholderGroup  # noqa: E402
from app.services import accounts, cities  # noqa: E402
from app.services import ideas as idea_service  # noqa: E402
from app.services import workshops as workshop_service  # noqa: E402
from tests.databases import migrate, reset_database  # noqa: E402

GROUPS = [g.value for g in StakeholderGroup]


def seed_workshop(url: str, *, ideas: int = 0) -> str:
    """Empty and migrate the database, create one workshop with `ideas` ideas from as many
    participants; returns its join code."""
    reset_database(url)
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        city = cities.by_slug(session, "khon-kaen")
        assert city is not None
        staff = accounts.create_account(
            session,
            email="bench@example.test",
            password="bench-password",
            role=Role.facilitator,
            display_name="b",
        )
        details = workshop_service.WorkshopDetails(city=city, title="bench workshop")
        workshop = workshop_service.create_workshop(session, details, created_by=staff)
        for i in range(ideas):
            person = workshop_service.join(
                session, workshop, workshop_service.JoinDetails(group=GROUPS[i % 5])
            )
            idea_service.post(
                session, workshop, person, f"ความคิดเห็นที่ {i} เรื่องทางเท้าและน้ำท่วม", client_key=None
            )
        session.commit()
        code = workshop.join_code
    engine.dispose()
    return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


UVICORN_FLAGS = ["--log-level", "warning", "--timeout-graceful-shutdown", "2", "--backlog", "4096"]


def _uvicorn(
    target: str, port: int, *flags: str, env: dict[str, str] | None = None
) -> "subprocess.Popen[bytes]":
    """`target` (module:attribute) served by uvicorn on loopback in its own process(es)."""
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
    command += ["--port", str(port), *flags, *UVICORN_FLAGS]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})})


def start_bare(port: int) -> "subprocess.Popen[bytes]":
    """The bare FastAPI app (bench/bare_app.py) in its own uvicorn process, one worker."""
    return _uvicorn("bench.bare_app:app", port)


def start_naive_insert(port: int, database_url: str) -> "subprocess.Popen[bytes]":
    """The naive insert POST (bench/naive_insert_app.py) in its own uvicorn process, one worker,
    on a SQLite file of its own."""
    return _uvicorn("bench.naive_insert_app:app", port, env={"NAIVE_DATABASE_URL": database_url})


def stop_process(process: "subprocess.Popen[bytes]") -> None:
    """Stop a server this script started, whatever state it is in."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_server(url: str, port: int, *, workers: int = 1) -> "subprocess.Popen[bytes]":
    """uvicorn in its own process(es), as in production, so the load generator does not share
    its interpreter."""
    env = {"MRK_DATABASE_URL": url, "MRK_SECRET_KEY": "bench-" * 8, "MRK_COOKIE_SECURE": "false"}
    return _uvicorn("app.main:create_app", port, "--factory", "--workers", str(workers), env=env)


def wait_until_up(
    base: str, timeout: float = 30, path: str = "/healthz", status: int = 200
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}{path}").status_code == status:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {base} did not answer {path} within {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (uvicorn workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        pending += [int(c) for c in children]
    return total


@dataclass(frozen=True)
class Load:
    """What one load run measured: throughput, latency percentiles (ms), server CPU per request."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float | None = None
    tool: str = "python"


_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_get(
    url: str,
    *,
    seconds: int = 5,
    connections: int = 50,
    server_pid: int | None = None,
    script: Path | None = None,
    timeout: int = 2,
) -> Load | None:
    """Load with wrk (Debian package `wrk`), the fastest load generator here, so the ceiling is
    the server's and not the client's; GETs, or what a Lua `script` makes each request (the
    ballots of bench/vote_load.py); None when wrk is not installed. Fails on any answer that is
    not 2xx/3xx and on socket errors, a request unanswered after `timeout` seconds among them."""
    if shutil.which("wrk") is None:
        return None
    before = cpu_seconds(server_pid) if server_pid else 0.0
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s"]
    command += ["--latency"]
    command += ["--script", str(script)] if script else []
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps_match = _WRK_RPS.search(output)
    if rps_match is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failed requests:\n{output}")
    rps = float(rps_match.group(1))
    latency = {q: float(v) * _UNIT[u] for q, v, u in _WRK_LATENCY.findall(output)}
    cpu = None
    if server_pid:
        cpu = 1000 * (cpu_seconds(server_pid) - before) / max(1.0, rps * seconds)
    return Load(rps, latency.get("50", 0.0), latency.get("99", 0.0), cpu, "wrk")


def load_from(latencies: list[float], elapsed: float, cpu: float | None = None) -> Load:
    """A Load from the latencies (seconds) of requests that took `elapsed` seconds in all."""
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return Load(len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, cpu)


def ratio_table(rows: list[tuple[str, Load, str]], bare: Load, healthz: Load) -> str:
    """The figures as one table: each row's throughput as a share of the bare app and of
    /healthz (both rows should be among `rows`, with their query counts)."""
    lines = [
        f"{'what':34} {'req/s':>8} {'% bare':>7} {'% /healthz':>10} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms/req':>10} {'queries':>8}  tool"
    ]
    for name, load, queries in rows:
        cpu = (
            f"{load.cpu_ms_per_request:10.2f}" if load.cpu_ms_per_request is not None else " " * 10
        )
        lines.append(
            f"{name:34} {load.rps:8.0f} {100 * load.rps / bare.rps:6.1f}% "
            f"{100 * load.rps / healthz.rps:9.1f}% {load.p50_ms:8.1f} {load.p99_ms:8.1f} {cpu} "
            f"{queries:>8}  {load.tool}"
        )
    return "\n".join(lines)
