"""Benchmark: POST /simulate against a bare Litestar JSON endpoint, in the same run.

    python bench/http_throughput.py [--seconds 8] [--connections 32]

(Issue #3 calls it bench/http.py; a script of that name would shadow the standard
library's `http` package for everything run from bench/.) Serves bench/servers/http_app.py with uvicorn (one process) and loads both endpoints with wrk
(Debian package `wrk`) from another process on loopback, the same body for both. Prints
requests per second and simulate's rate as a share of the bare endpoint's (target ≥ 70 %).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = HERE.parent / "examples" / "applicant-xiangshan.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def load(url: str, seconds: int, connections: int, script: str) -> float:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script, url],
        capture_output=True, text=True, check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds; the ratio is the median of the rounds'")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install -y wrk")
    port = free_port()
    body = BODY.read_text().replace("\n", " ").replace('"', '\\"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.body = "{body}"\n'
                     'wrk.headers["Content-Type"] = "application/json"\n')
    environment = {**os.environ, "PYTHONPATH": str(HERE / "servers")}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "http_app:app", "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        cwd=HERE / "servers", env=environment,
    )
    try:
        wait_until_up(port)
        base = f"http://127.0.0.1:{port}"
        load(f"{base}/bench/bare", 2, args.connections, script.name)  # warm up both
        load(f"{base}/api/v1/tenants/xiangshan/simulate?as_of=2026-11-28", 2, args.connections, script.name)
        # Alternate the two so drift on this shared machine hits both alike.
        rounds = []
        for _ in range(args.rounds):
            bare = load(f"{base}/bench/bare", args.seconds, args.connections, script.name)
            simulate = load(f"{base}/api/v1/tenants/xiangshan/simulate?as_of=2026-11-28", args.seconds,
                            args.connections, script.name)
            rounds.append((bare, simulate))
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.unlink(script.name)
    for index, (bare, simulate) in enumerate(rounds, 1):
        print(f"round {index}: bare JSON endpoint {bare:8,.0f} req/s   POST /simulate (xiangshan) "
              f"{simulate:8,.0f} req/s   {simulate / bare:6.1%}")
    ratio = statistics.median(simulate / bare for bare, simulate in rounds)
    print(f"simulate / bare, median of {len(rounds)} rounds: {ratio:.1%} (target ≥ 70 %)")


if __name__ == "__main__":
    main()
