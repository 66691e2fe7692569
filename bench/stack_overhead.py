"""What the full stack costs on the cheapest path: /healthz against the bare FastAPI app.

Usage: .venv/bin/python bench/stack_overhead.py [--database-url URL] [--workers N] [--rounds 3]

Starts the bare app (bench/bare_app.py) and the real app (own processes, one worker each by
default), then alternates wrk runs on both so that they share the machine's state, and prints
throughput, latency and server CPU per request, with /healthz as a share of the bare app.
A figure, not a test; needs wrk (Debian package `wrk`).
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from common import (
    free_port,
    ratio_table,
    seed_workshop,
    start_bare,
    start_server,
    stop_process,
    wait_until_up,
    wrk_get,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("stack_overhead: wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed_workshop(url)
        bare_port, app_port = free_port(), free_port()
        bare = start_bare(bare_port)
        server = start_server(url, app_port, workers=args.workers)
        try:
            wait_until_up(f"http://127.0.0.1:{bare_port}", path="/")
            wait_until_up(f"http://127.0.0.1:{app_port}")
            for n in range(1, args.rounds + 1):
                common = {"seconds": args.seconds, "connections": args.connections}
                bare_load = wrk_get(f"http://127.0.0.1:{bare_port}/", server_pid=bare.pid, **common)
                health = wrk_get(
                    f"http://127.0.0.1:{app_port}/healthz", server_pid=server.pid, **common
                )
                if bare_load is None or health is None:
                    sys.exit("stack_overhead: wrk gave no figures")
                print(f"round {n}, {args.workers} worker(s), {args.connections} connections")
                rows = [("bare FastAPI GET", bare_load, "0"), ("/healthz", health, "1")]
                print(ratio_table(rows, bare_load, health))
        finally:
            stop_process(server)
            stop_process(bare)


if __name__ == "__main__":
    main()
