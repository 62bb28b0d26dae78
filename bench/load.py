"""factbase under load: gunicorn (4 workers of 2 threads) on PostgreSQL with the seed corpus plus 100,000 generated
figures, and the background worker beside it, driven from a second process on 127.0.0.1.

    .venv/bin/python bench/load.py [--duration 30] [--connections 16 64] [--figures 100000]
        [--server postgres://postgres@127.0.0.1:5432] [--database factbase_bench_load] [--port 8765]
        [--storm-clients 8] [--workers 4] [--threads 2] [--only home figures]

Builds the database once (migrate, `manage.py seed`, bench/corpus.py's figures; drop it to rebuild) and empties the
cache and the prepared exports (each run starts cold), starts gunicorn with factbase/gunicorn.conf.py and production
settings (DEBUG=0, the shared cache in the database: download counts, public pages and their data generation) and
`manage.py db_worker`, then drives each URL for --duration seconds at each number of connections: a bounded pool of
threads, each with its own connection, one request at a time. Then the export storm: --storm-clients clients, each
from its own loopback address (127.0.0.N, so each has its own download budget), want every figure as ODS and XLSX
over and over and go through what a reader does for it (the offer, "Prepare it", the job's status, the file: see
ExportStorm) while 16 readers load the home page and 8 /figures/ — measured first without the storm, then with it,
each kind of client in a process of its own.

Prints one table: requests/s, p50 and p99 in ms, answers other than 2xx (429s, the download rate limit, counted
apart; the storm's 302 after "Prepare it" is its right answer), and the workers gunicorn killed for running past
their timeout during that run. The machine's load average is printed alongside: on a shared machine the numbers
are only as good as the quiet they ran in.
"""

import argparse
import errno
import html
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
KILLED = re.compile(r"WORKER TIMEOUT|was sent SIGKILL|killed", re.IGNORECASE)


def urls(host: str, port: int) -> dict[str, str]:
    """The pages, searches and downloads driven, by name (a source page and a metric found in the database)."""
    source, metric, subject = _probe(host, port)
    return {
        "home": "/",
        "figures": "/figures/",
        "figures by metric": f"/figures/?metric={metric}",
        "figures search": "/figures/?q=Zhanaozen",
        "claims": "/claims/",
        "sources": "/sources/",
        "sources search": "/sources/?q=strike",
        "source page": f"/sources/{source}/",
        "compare": "/compare/",
        "compare by subject": f"/compare/?subject={subject}",
        "api figures": "/api/figures/",
        "figures csv (by metric)": f"/figures/?metric={metric}&format=csv",
    }


def _probe(host, port):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factbase.settings")
    import django

    django.setup()
    from claims.models import Comparison, Figure

    figure = Figure.objects.public().select_related("source", "metric").order_by("id").first()
    comparison = Comparison.objects.select_related("subject").order_by("-disagreement").first()
    return figure.source.slug, figure.metric.slug, comparison.subject.slug


class Run:
    """Requests from `connections` threads for `duration` seconds; latencies and statuses kept."""

    def __init__(self, host, port, paths, connections, duration, source_addresses=None):
        self.host, self.port, self.paths = host, port, paths
        self.connections, self.duration = connections, duration
        # Readers connect from 127.0.0.1 with no address bound: the kernel may then reuse a port whose connection
        # it still holds in TIME_WAIT (bound sockets may not, and tens of thousands of short connections a minute
        # ran out of ports).
        self.source_addresses = source_addresses or [None] * connections
        self.latencies, self.statuses, self.errors = [], {}, 0
        self.lock = threading.Lock()
        self.expected = set()  # answers other than 2xx that are the right answer here

    def worker(self, index, deadline):
        path_index = index
        while time.monotonic() < deadline:
            self.request(index, "GET", self.paths[path_index % len(self.paths)], keep_body=False)
            path_index += 1

    def request(self, index, method, path, body=None, headers=None, keep_body=True):
        """One request on a new connection, timed and counted: (status, headers, body). The whole body is read, as
        a browser would read it; with keep_body=False it is read in pieces and dropped (a download of every row)."""
        address = self.source_addresses[index]
        connection = http.client.HTTPConnection(self.host, self.port, timeout=180,
                                                source_address=(address, 0) if address else None)
        started = time.monotonic()
        answer_headers, content = {}, b""
        try:
            connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
            response = connection.getresponse()
            if keep_body:
                content = response.read()
            else:
                while response.read(1 << 16):
                    pass
            status, answer_headers = response.status, response.headers
        except (OSError, http.client.HTTPException) as error:
            code = getattr(error, "errno", None)
            status = f"error: {type(error).__name__}" + (f" {errno.errorcode.get(code, code)}" if code else "")
        finally:
            connection.close()
        elapsed = (time.monotonic() - started) * 1000
        with self.lock:
            self.latencies.append(elapsed)
            self.statuses[status] = self.statuses.get(status, 0) + 1
        return status, answer_headers, content

    def start(self):
        deadline = time.monotonic() + self.duration
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self.worker, args=(i, deadline), daemon=True)
                        for i in range(self.connections)]
        for thread in self.threads:
            thread.start()
        return self

    def join(self):
        for thread in self.threads:
            thread.join()
        self.elapsed = time.monotonic() - self.started
        return self

    def row(self, name, kills) -> dict:
        latencies = sorted(self.latencies) or [0]
        ok = sum(n for status, n in self.statuses.items()
                 if isinstance(status, int) and (200 <= status < 300 or status in self.expected))
        limited = self.statuses.get(429, 0)
        return {"url": name, "connections": self.connections, "requests": len(self.latencies),
                "rps": len(self.latencies) / self.elapsed, "p50": statistics.median(latencies),
                "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
                "non_2xx": len(self.latencies) - ok - limited, "limited": limited, "kills": kills,
                "statuses": dict(self.statuses)}


class ExportStorm(Run):
    """Clients that each want every figure as ODS or XLSX, and do what a reader does for it: follow the list's
    download link; past the inline limit, press the offer page's "Prepare it" (a POST with its CSRF token), read
    the job's status every second until the file is ready, and download it; then again. Every request counts: the
    offer, the POST (its 302 is the right answer), each status read and the file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = {302}
        self.files = []  # (format, bytes) of each prepared file downloaded

    def worker(self, index, deadline):
        turn = index
        while time.monotonic() < deadline:
            path = self.paths[turn % len(self.paths)]
            turn += 1
            status, headers, body = self.request(index, "GET", path)
            if status != 200:
                time.sleep(1)  # refused (429): a reader would wait too
                continue
            page = body.decode(errors="replace")
            if not (download := self.prepared(index, page, headers, deadline)):
                continue
            status, _, content = self.request(index, "GET", download)
            if status == 200:
                with self.lock:
                    self.files.append((path.rsplit("=", 1)[-1], len(content)))

    def prepared(self, index, page, headers, deadline) -> str | None:
        """The file's address: the offer's link to a prepared one, or the job's once it is ready."""
        if ready := re.search(r'href="(/exports/[0-9a-f-]+/download)"', page):
            return ready[1]
        form = dict(re.findall(r'name="(csrfmiddlewaretoken|path|query|format)" value="([^"]*)"', page))
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "") if headers else "")
        if len(form) < 4 or not cookie:
            return None  # a file small enough to come at once: it came
        body = urllib.parse.urlencode({name: html.unescape(value) for name, value in form.items()})
        status, answer, _ = self.request(index, "POST", "/exports/", body=body, headers={
            "Cookie": f"csrftoken={cookie[1]}", "Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            return None
        job = urllib.parse.urlsplit(answer["Location"]).path
        while time.monotonic() < deadline:
            status, _, body = self.request(index, "GET", f"{job}status.json")
            state = json.loads(body).get("state") if status == 200 else "failed"
            if state == "done":
                return f"{job}download"
            if state == "failed":
                return None
            time.sleep(1)
        return None


def drive(args) -> None:
    """The client process: every URL at every number of connections, then the export storm."""
    host, port = "127.0.0.1", args.port
    paths = urls(host, port)
    if args.only:
        paths = {name: path for name, path in paths.items() if any(word in name for word in args.only)}
    log = Path(args.log)
    rows = []

    def kills_since(offset: int) -> tuple[int, int]:
        text = log.read_text(errors="replace")
        return len(KILLED.findall(text[offset:])), len(text)

    _, offset = kills_since(0)
    for name, path in paths.items():
        for connections in args.connections:
            run = Run(host, port, [path], connections, args.duration).start().join()
            kills, offset = kills_since(offset)
            rows.append(run.row(name, kills))
            _print_row(rows[-1], file=sys.stderr)
    if args.storm_clients:
        # The storm's readers first without the exporters, then with them: the same clients, so the difference is
        # the storm's alone. Each kind of client runs in a process of its own, as they would on their own machines:
        # in one process, the exporters' threads took the readers' turns at the interpreter lock, and the client's
        # own waiting was counted as the server's.
        readers = [("home", ["/"], 16), ("figures", ["/figures/"], 8)]
        reader_groups = [(Run, paths_, n, args.duration, None) for _, paths_, n in readers]
        calm = _in_processes(reader_groups, port)
        kills, offset = kills_since(offset)
        for index, row in enumerate(calm):
            rows.append(dict(row, url=f"no storm: {readers[index][0]}", kills=kills if index == 0 else 0))
            _print_row(rows[-1], file=sys.stderr)
        storm_addresses = [f"127.0.0.{10 + i}" for i in range(args.storm_clients)]
        groups = [*reader_groups, (ExportStorm, ["/figures/?format=ods", "/figures/?format=xlsx"], args.storm_clients,
                                   args.duration, storm_addresses)]
        results = _in_processes(groups, port)
        kills, offset = kills_since(offset)
        rows.append(dict(results[0], url="storm: home"))
        rows.append(dict(results[1], url="storm: figures"))
        rows.append(dict(results[2], url="storm: ods/xlsx of every figure", kills=kills))
        for row in rows[-3:]:
            _print_row(row, file=sys.stderr)
    print(json.dumps(rows))


def _group(kind, paths, connections, duration, addresses, host, port) -> dict:
    """One kind of client, in its own process: its row of the table (with the files an export storm downloaded)."""
    run = kind(host, port, paths, connections, duration, source_addresses=addresses).start().join()
    return dict(run.row(kind.__name__, 0), files=getattr(run, "files", None))


def _in_processes(groups, port) -> list[dict]:
    """Run each (kind, paths, connections, duration, addresses) at the same time, each in a process of its own."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(len(groups), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_group, *group, "127.0.0.1", port) for group in groups]
        return [future.result() for future in futures]


HEADER = (f"| {'URL':<34} | conns | {'req/s':>7} | {'p50 ms':>8} | {'p99 ms':>8} | non-2xx | 429 | kills |\n"
          f"|{'-' * 36}|-------|---------|----------|----------|---------|-----|-------|")


def _print_row(row, file=sys.stdout):
    print(f"| {row['url']:<34} | {row['connections']:>5} | {row['rps']:>7.1f} | {row['p50']:>8.0f} | "
          f"{row['p99']:>8.0f} | {row['non_2xx']:>7} | {row['limited']:>3} | {row['kills']:>5} |", file=file)


def build(env: dict, figures: int) -> None:
    """Collect the static files; migrate, seed and generate the figures, once (the seed goes first: its aliases
    would clash with the generated entities' names on a second run)."""
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "call_command('createcachetable')\n"
        "from bench import corpus\n"
        "from claims.models import Figure\n"
        f"if Figure.objects.filter(source__slug__startswith='bench-').count() < {figures}:\n"
        "    import time; started = time.time()\n"
        "    corpus.empty_figures()\n"
        "    call_command('seed')\n"
        f"    corpus.create_figures({figures}, corpus.reference_data())\n"
        f"    print(f'built {figures:,} figures in {{time.time() - started:.0f}} s')\n"
        # Each run starts cold: no cached page, and no export prepared by an earlier run to reuse.
        "from django.core.cache import caches; caches['default'].clear(); caches['public'].clear()\n"
        "from jobs.models import Job; Job.objects.filter(kind='export').delete()\n"
    )
    subprocess.run([PYTHON, "-c", code], env=env, cwd=ROOT, check=True)


def ensure_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            sys.exit("gunicorn stopped; see its log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    sys.exit("gunicorn did not answer within 2 minutes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds per URL and number of connections")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--figures", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="factbase_bench_load")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--storm-clients", type=int, default=8, help="0: no export storm")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (1: sync workers)")
    parser.add_argument("--only", nargs="*", help="drive only the URLs whose name holds one of these words")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args)
        return
    ensure_database(args.server, args.database)
    env = dict(os.environ, DATABASE_URL=f"{args.server}/{args.database}", DEBUG="0", SECRET_KEY="bench-load-only",
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", CACHE_URL="db",
               STATIC_ROOT=str(ROOT / "bench" / "out" / "static"), MEDIA_ROOT=str(ROOT / "bench" / "out" / "media"),
               DJANGO_SETTINGS_MODULE="factbase.settings")
    build(env, args.figures)
    log = ROOT / "bench" / "out" / "gunicorn-load.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{args.port}", GUNICORN_ERROR_LOG=str(log),
                      WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads), WORKER_TIMEOUT="30")
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "-c", "factbase/gunicorn.conf.py", "factbase.wsgi"],
                              env=server_env, cwd=ROOT, start_new_session=True)
    # The background worker that prepares the large spreadsheets, as `make run` and docker compose run it.
    worker_log = (ROOT / "bench" / "out" / "db-worker-load.log").open("w")
    worker = subprocess.Popen([PYTHON, "manage.py", "db_worker", "--no-reload", "--interval", "1"], env=env, cwd=ROOT,
                              stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(args.port, server)
        load_before = os.getloadavg()
        command = [PYTHON, __file__, "--drive", "--log", str(log), "--port", str(args.port), "--duration",
                   str(args.duration), "--storm-clients", str(args.storm_clients), "--connections",
                   *map(str, args.connections), *(["--only", *args.only] if args.only else [])]
        client = subprocess.run(command, env=dict(env, DEBUG="1"), cwd=ROOT, capture_output=True, text=True)
        load_after = os.getloadavg()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        os.killpg(worker.pid, signal.SIGTERM)
        server.wait(timeout=30)
        worker.wait(timeout=60)
    if client.returncode:
        sys.exit(client.stderr[-3000:])
    rows = json.loads(client.stdout.strip().splitlines()[-1])
    kind = f"{args.threads} threads each" if args.threads > 1 else "sync"
    print(f"gunicorn: {args.workers} workers ({kind}), timeout 30 s, and one db_worker (niced); {args.figures:,} "
          f"generated figures + the seed corpus; {args.duration:g} s per row")
    print(f"load average (1, 5, 15 min) before: {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}; "
          f"after: {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f} (2 cores)")
    print(HEADER)
    for row in rows:
        _print_row(row)
    others = {status for row in rows for status in row["statuses"] if status not in ("200", "429")}
    if others:
        print("answers other than 200 and 429: " + "; ".join(
            f"{row['url']} ×{row['connections']}: {row['statuses']}" for row in rows
            if set(row["statuses"]) - {"200", "429"}))
    p99 = {row["url"]: row["p99"] for row in rows if row["connections"] == 16}
    if "storm: home" in p99:
        print(f"home p99 during the storm: {p99['storm: home']:.0f} ms, "
              f"{p99['storm: home'] / p99['no storm: home']:.1f}× its p99 with the same readers and no storm "
              f"({p99['no storm: home']:.0f} ms; target ≤ 2×)" + (
                  f"; {p99['storm: home'] / p99['home']:.1f}× the p99 of the home row above, whose 16 readers had the "
                  f"server to themselves ({p99['home']:.0f} ms)"
                  if "home" in p99 else ""))
    files = next((row.get("files") for row in rows if row["url"].startswith("storm: ods")), None)
    if files is not None:
        print(f"prepared files downloaded during the storm: {len(files)} "
              f"({', '.join(sorted({f'{fmt} {size / 1e6:.1f} MB' for fmt, size in files})) or 'none ready yet'})")
    figures = next((row["rps"] for row in rows if row["url"] == "figures" and row["connections"] == 16), None)
    if figures is not None:
        print(f"/figures/ at 16 connections: {figures:.0f} requests/s (target ≥ 150)")


if __name__ == "__main__":
    main()
