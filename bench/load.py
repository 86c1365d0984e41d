"""Load test (issue #8): two `tierpoints serve` instances on one PostgreSQL, under wrk, with the
public simulator and publicity pages mixed with logged-in traffic.

    .venv/bin/python bench/load.py                    # 15 s a run, 32 connections
    .venv/bin/python bench/load.py --seconds 20 --connections 64 --applicants 90000

Set-up (not measured): a new database NEW_DB (default tierpoints_bench_load; it must not exist
yet, and is dropped at the end unless --keep) prepared the way an operator would, through the
CLI (`tierpoints db migrate`, `packs sync`, `accounts add`, `rounds open`, `rounds publish`),
except the applicants: N of them (default 30,000) with permits in Hangzhou, Ningbo and
Xiangshan in turn, one facts revision each and, for Hangzhou's, an application with the points
determined, bulk-loaded as bench/volume.py does. Then two instances, `tierpoints serve` on two
ports (TIERPOINTS_ENV=production, one secret), each one process, as README "Deployment" runs
them; a bearer token per account from POST /api/v1/auth/token.

Measured, with wrk (Debian package `wrk`), one thread per instance (a wrk script sends each
thread to its own instance; half the connections each), --latency, for --seconds each:

- baseline: GET /health alone (load balancers' check: the database and migrations looked at);
  and for reference GET /api/v1/tenants, which reads nothing from the database;
- each group alone: public simulate (POST /api/v1/tenants/xiangshan/simulate with
  examples/applicant-xiangshan.json), public ranking pages (GET /api/v1/rounds/{id}/ranking at
  random offsets, 100 entries), logged-in (GET /api/v1/me and GET /api/v1/applicants/{id} of a
  random applicant the account may read, with a random one of the accounts' tokens);
- the mix: 40 % simulate, 30 % ranking pages, 15 % /me, 15 % applicants, chosen per request.

Each run prints requests/s (per group in the mix, counted by the script), p50 and p99 latency,
errors (non-2xx responses, by status, and socket errors; they must be 0 at the rate reported),
and requests/s against the baseline's measured in the same run (the machine is shared and noisy:
read the ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import volume  # the bulk rows, the database's creation and drop

BODY = HERE.parent / "examples" / "applicant-xiangshan.json"
DEFAULT_URL = "postgresql://postgres:postgres@127.0.0.1/tierpoints_bench_load"
PASSWORD = "bench-load-" + "x" * 12
# account, role, tenant, the applicants it may read: ids i with i % 3 in these (volume.TENANTS)
ACCOUNTS = (("bench_province", "province_admin", "zhejiang", (0, 1, 2)),
            ("bench_hangzhou", "city_admin", "hangzhou", (0,)),
            ("bench_ningbo", "city_admin", "ningbo", (1, 2)),
            ("bench_xiangshan", "county_admin", "xiangshan", (2,)))
MIX = {"simulate": 0.40, "ranking": 0.30, "me": 0.15, "applicant": 0.15}
ALONE = {"simulate": {"simulate": 1.0}, "ranking pages": {"ranking": 1.0},
         "logged-in (me + applicant)": {"me": 0.5, "applicant": 0.5}}


# --- set-up ---------------------------------------------------------------------------------------

def cli(environment: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "tierpoints.cli", *args], env=environment, input=stdin,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"tierpoints {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


async def bulk_applicants(url: str, count: int) -> int:
    """volume.py's rows: applicants, permits, events, facts; determinations for Hangzhou's."""
    import asyncpg

    from tierpoints.engine import Engine
    from tierpoints.packs import load_catalog

    engine = Engine(load_catalog())  # the packs as synced: the same policy the database now holds
    documents = volume.people_documents()
    connection = await asyncpg.connect(url)
    await connection.execute("SET session_replication_role = replica")  # as volume.py: FK triggers off
    try:
        await volume.copy(connection, volume.applicant_batches(count, documents), "applicants", count)
        determined = list(range(3, count + 1, 3))
        await volume.copy(connection, volume.determination_batches(determined, volume.Determined(engine, documents)),
                          "determinations", len(determined))
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return len(determined)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def wait_until_healthy(port: int, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the instance on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            status, body = get(f"http://127.0.0.1:{port}/health")
            if status == 200 and body.get("listening"):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the instance on port {port} did not become healthy:\n{log.read_text()[-3000:]}")


def token(port: int, username: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token", method="POST",
        data=json.dumps({"username": username, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


# --- wrk ------------------------------------------------------------------------------------------

LUA = r"""
local ports = {%(ports)s}
local weights = {%(weights)s}
local groups = {%(groups)s}
local tokens = {%(tokens)s}
local readable = {%(readable)s}
local applicants, round, entries = %(applicants)d, %(round)d, %(entries)d
local simulate_body = [==[%(body)s]==]
local threads, made = {}, 0

function setup(thread)
  made = made + 1
  thread.addr = wrk.lookup("127.0.0.1", tostring(ports[(made - 1) %% #ports + 1]))[1]
  thread:set("seed", made * 7919 + os.time())
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed)
  counts, statuses = {}, {}
  for _, g in ipairs(groups) do counts[g] = 0 end
end

local function bearer(k)
  return {["Authorization"] = "Bearer " .. tokens[k]}
end

function request()
  local r, group = math.random(), groups[#groups]
  local sum = 0
  for i, g in ipairs(groups) do
    sum = sum + weights[i]
    if r < sum then group = g break end
  end
  counts[group] = counts[group] + 1
  if group == "simulate" then
    return wrk.format("POST", "/api/v1/tenants/xiangshan/simulate", {["Content-Type"] = "application/json"},
                      simulate_body)
  elseif group == "ranking" then
    local offset = math.random(0, math.max(entries - 100, 0))
    return wrk.format("GET", "/api/v1/rounds/" .. round .. "/ranking?offset=" .. offset .. "&limit=100")
  elseif group == "me" then
    return wrk.format("GET", "/api/v1/me", bearer(math.random(#tokens)))
  elseif group == "health" then
    return wrk.format("GET", "/health")
  elseif group == "tenants" then
    return wrk.format("GET", "/api/v1/tenants")
  else
    local k = math.random(#tokens)
    local residues = readable[k]
    local residue = residues[math.random(#residues)]
    local id = 3 * math.random(1, math.floor(applicants / 3)) - ((3 - residue) %% 3)
    return wrk.format("GET", "/api/v1/applicants/" .. id, bearer(k))
  end
end

function response(status, headers, body)
  if status >= 300 then statuses[status] = (statuses[status] or 0) + 1 end
end

function done(summary, latency, requests)
  local total, bad = {}, {}
  for _, thread in ipairs(threads) do
    for g, n in pairs(thread:get("counts")) do total[g] = (total[g] or 0) + n end
    for s, n in pairs(thread:get("statuses")) do bad[s] = (bad[s] or 0) + n end
  end
  local line = "GROUPS"
  for g, n in pairs(total) do line = line .. " " .. g .. "=" .. n end
  print(line)
  line = "STATUSES"
  for s, n in pairs(bad) do line = line .. " " .. s .. "=" .. n end
  print(line)
  print(string.format("PERCENTILES p50=%%d p99=%%d", latency:percentile(50), latency:percentile(99)))
end
"""


def lua(ports: list[int], weights: dict[str, float], tokens: list[str], readable: list[tuple[int, ...]],
        applicants: int, round_id: int, entries: int) -> str:
    body = BODY.read_text()
    return LUA % {
        "ports": ", ".join(map(str, ports)),
        "weights": ", ".join(f"{w}" for w in weights.values()),
        "groups": ", ".join(f'"{g}"' for g in weights),
        "tokens": ", ".join(f'"{t}"' for t in tokens),
        "readable": ", ".join("{" + ", ".join(str(r) for r in residues) + "}" for residues in readable),
        "applicants": applicants, "round": round_id, "entries": entries, "body": body,
    }


class Run:
    def __init__(self, label: str, output: str, seconds: float):
        self.label, self.output = label, output
        self.rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        self.requests = int(re.search(r"(\d+) requests in", output).group(1))
        percentiles = re.search(r"PERCENTILES p50=(\d+) p99=(\d+)", output)
        self.p50, self.p99 = int(percentiles.group(1)) / 1000, int(percentiles.group(2)) / 1000  # µs → ms
        groups = re.search(r"GROUPS(.*)", output).group(1).split()
        self.groups = {g: int(n) / seconds for g, n in (item.split("=") for item in groups)}
        statuses = re.search(r"STATUSES(.*)", output).group(1).split()
        self.statuses = dict(item.split("=") for item in statuses)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        self.non2xx = int(non2xx.group(1)) if non2xx else 0
        sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
        self.socket_errors = sum(map(int, sockets.groups())) if sockets else 0
        self.errors = self.non2xx + self.socket_errors


def wrk(script: str, port: int, seconds: int, connections: int, label: str) -> Run:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", "-s", script,
         f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    return Run(label, output, seconds)


# --- the run --------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15, help="each run (baseline, each group, the mix)")
    parser.add_argument("--connections", type=int, default=32, help="in all, half on each instance")
    parser.add_argument("--applicants", type=int, default=30_000)
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="postgresql://user:password@host/NEW_DB: created, and dropped at the end")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install -y wrk")
    url = args.database_url
    name = urlparse(url).path.lstrip("/")
    if urlparse(url).scheme not in ("postgres", "postgresql") or not name or name == "postgres":
        parser.error("--database-url: postgresql://user:password@host/NEW_DB (a new database)")
    asyncio.run(volume.create_database(url, name))
    workdir = Path(tempfile.mkdtemp(prefix="tierpoints-load-"))
    environment = {**os.environ, "DATABASE_URL": url, "TIERPOINTS_DATA": str(workdir),
                   "TIERPOINTS_ENV": "production", "TIERPOINTS_SECRET": secrets.token_urlsafe(48)}
    os.environ.update({k: environment[k] for k in ("DATABASE_URL", "TIERPOINTS_DATA")})
    servers: list[subprocess.Popen] = []
    try:
        started = time.perf_counter()
        cli(environment, "db", "migrate")
        cli(environment, "packs", "sync")
        for username, role, tenant, _ in ACCOUNTS:
            cli(environment, "accounts", "add", "--tenant", tenant, "--role", role, "--password-stdin", username,
                stdin=PASSWORD + "\n")
        determined = asyncio.run(bulk_applicants(url, args.applicants))
        snapshot = volume.AS_OF + dt.timedelta(days=25)
        opened = cli(environment, "rounds", "open", "--tenant", volume.CITY, "--service", volume.SERVICE,
                     "--quota", str(max(determined // 10, 1)), "--snapshot", snapshot.isoformat(),
                     "--as", "bench_hangzhou")
        round_id = int(re.search(r"round (\d+):", opened).group(1))
        entries = int(re.search(r"(\d+) ranked", opened).group(1))
        cli(environment, "rounds", "publish", str(round_id), "--as", "bench_hangzhou")
        print(f"set-up, not measured ({time.perf_counter() - started:.0f} s): {args.applicants:,} applicants, "
              f"round {round_id} of {volume.CITY}/{volume.SERVICE} published with {entries:,} entries; "
              f"{len(ACCOUNTS)} accounts", flush=True)

        ports = [free_port(), free_port()]
        for port in ports:
            log = workdir / f"serve-{port}.log"
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "tierpoints.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT))
        for port, server in zip(ports, servers):
            wait_until_healthy(port, server, workdir / f"serve-{port}.log")
        tokens = [token(ports[i % 2], username) for i, (username, *_rest) in enumerate(ACCOUNTS)]
        readable = [residues for *_rest, residues in ACCOUNTS]
        for port in ports:  # each instance answers every group before the clock starts
            assert get(f"http://127.0.0.1:{port}/api/v1/rounds/{round_id}/ranking?limit=1")[0] == 200
            assert get(f"http://127.0.0.1:{port}/api/v1/applicants/2", tokens[0])[0] == 200

        def script(weights: dict[str, float]) -> str:
            path = workdir / f"load-{len(list(workdir.glob('load-*.lua')))}.lua"
            path.write_text(lua(ports, weights, tokens, readable, args.applicants, round_id, entries))
            return str(path)

        print(f"two instances on ports {ports[0]} and {ports[1]}, wrk: 2 threads (one an instance), "
              f"{args.connections} connections, {args.seconds} s a run", flush=True)
        wrk(script({"simulate": 0.4, "ranking": 0.3, "me": 0.15, "applicant": 0.15}), ports[0], 3,
            args.connections, "warm-up")
        runs = [wrk(script({"health": 1.0}), ports[0], args.seconds, args.connections, "baseline: GET /health"),
                wrk(script({"tenants": 1.0}), ports[0], args.seconds, args.connections,
                    "GET /api/v1/tenants (no database)")]
        for label, weights in ALONE.items():
            runs.append(wrk(script(weights), ports[0], args.seconds, args.connections, label))
        runs.append(wrk(script(MIX), ports[0], args.seconds, args.connections, "the mix"))
        for server in servers:
            if server.poll() is not None:
                raise SystemExit("an instance exited during the run")
        served = [(workdir / f"serve-{port}.log").read_text().count('HTTP/1.1" ') for port in ports]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            asyncio.run(volume.drop_database(url, name))
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = runs[0].rate
    print(f"\n{'run':<32}{'req/s':>10}{'x baseline':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for run in runs:
        print(f"{run.label:<32}{run.rate:>10,.0f}{run.rate / baseline:>12.2f}{run.p50:>10.1f}{run.p99:>10.1f}"
              f"{run.errors:>8,}")
    print(f"requests each instance logged over all runs: {served[0]:,} (port {ports[0]}) and {served[1]:,} "
          f"(port {ports[1]})")
    mix = runs[-1]
    print("the mix, requests/s by group: " + ", ".join(
        f"{g} {r:,.0f}" for g, r in sorted(mix.groups.items(), key=lambda p: -p[1])) + f"; {mix.requests:,} requests")
    failed = [r for r in runs if r.errors]
    for run in failed:
        print(f"ERRORS in {run.label}: {run.non2xx:,} non-2xx ({run.statuses}), {run.socket_errors:,} socket errors")
    if not failed:
        print("errors: none (no non-2xx response, no socket error or timeout) in any run")


if __name__ == "__main__":
    main()
