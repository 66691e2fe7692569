"""The first load of the join pages on a slow phone connection, in Debian's Chromium.

Usage: .venv/bin/python bench/slow_network.py [--runs 3]

Chromium's "Slow 3G" preset (DevTools: 2,000 ms round trip, 400 kbit/s down and up) through
the DevTools protocol, a cold cache each run, a 390x844 phone. Prints, per page, the
compressed bytes transferred and the time until the page is usable (painted, with its main
button where and as it is once everything has loaded) and until the load event (scripts, icons
and the rest of the stylesheet too). Issue 15's target: the join page usable in under 3 s.
A figure, not a test (tests never time anything).
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import free_port, seed_workshop, start_server, stop_process, wait_until_up
from playwright.sync_api import sync_playwright

SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}
# The button's box and look once painted (null before the first paint): a button shown
# unstyled, or still to move, is not yet usable.
BUTTON = """(name) => {
    const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === name);
    if (!button || !performance.getEntriesByType('paint').length) return null;
    const box = button.getBoundingClientRect(), style = getComputedStyle(button);
    return JSON.stringify([box.x, box.y, box.width, box.height, style.color,
        style.backgroundColor, style.fontSize, style.borderTopWidth, style.visibility]);
}"""
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def settled(browser, url: str, button: str) -> str:  # type: ignore[no-untyped-def]
    """How `button` looks once the page has loaded everything, on a fast network."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url, wait_until="load")
    look = page.wait_for_function(BUTTON, arg=button, polling="raf", timeout=10_000).json_value()
    context.close()
    return str(look)


def first_load(browser, url: str, button: str, look: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Seconds until `button` is usable (painted as it will stay) and until the load event,
    and bytes on the wire."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    received: list[int] = []
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.on(
        "Network.loadingFinished", lambda event: received.append(int(event["encodedDataLength"]))
    )
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(
        f"([name, look]) => ({BUTTON})(name) === look",
        arg=[button, look],
        polling="raf",  # frames run only once the page renders
        timeout=60_000,
    )
    usable = time.perf_counter() - started
    page.wait_for_load_state("load", timeout=60_000)
    loaded = time.perf_counter() - started
    context.close()
    return usable, loaded, sum(received)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("slow_network: Chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        code = seed_workshop(url, ideas=30)
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
                )
                print(
                    f"slow_network: Slow 3G (2,000 ms RTT, 400 kbit/s), cold cache, {args.runs} runs"
                )
                print(f"{'page':22} {'KB':>6} {'usable s':>9} {'load s':>7}")
                for name, path, button in (
                    ("join by code", "/join", "เข้าร่วม"),
                    ("workshop (to join)", f"/w/{code}", "เริ่ม"),
                ):
                    look = settled(browser, base + path, button)
                    runs = [
                        first_load(browser, base + path, button, look) for _ in range(args.runs)
                    ]
                    usable = statistics.median(r[0] for r in runs)
                    loaded = statistics.median(r[1] for r in runs)
                    kilobytes = statistics.median(r[2] for r in runs) / 1024
                    print(f"{name:22} {kilobytes:6.1f} {usable:9.2f} {loaded:7.2f}")
                browser.close()
        finally:
            stop_process(server)


if __name__ == "__main__":
    main()
