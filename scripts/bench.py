#!/usr/bin/env python3
"""Benchmark the production server with wrk (`make bench`; not a test).

Starts the app server as `make serve` does (scripts/serve: DEBUG off,
whitenoise, the private Redis as shared cache), on the demo data or, with
BENCH_BULK=1, on a bulk database (100k articles / 1M comments made by
`manage.py seed_bulk`), and measures with wrk (16 connections, 2 threads):
a trivial view, the article page with 50 approved comments with the page cache
off (fragments on), with every cache off, and with the page cache on, the home
page, search, and comment POSTs (distinct bodies, many client IPs through a
proxy header enabled only here; every accepted post checked stored once, by
the id its 303 names) and comment reports (each from a new address);
then one client (wrk -c1) on the article, the busiest story, home, section,
author, search and the moderation queue. Prints a table and appends it, with
machine details, to docs/benchmarks.md.

Last, the edge (scripts/cluster: Varnish with xkey in front of two app
servers): the cached article page through Varnish, nginx serving the same
bytes as a static file (the ceiling of this machine, same wrk settings, no
compression on either side), and the article passed through the edge to the
two app servers uncached (a visitor cookie). Then the cluster's app servers
with the page cache off (article, home, section, search, a common word) and
the share of those pages' queries the replica ran, counted with
pg_stat_statements on the primary and on the replica.

Environment: BENCH_SECONDS (20), BENCH_RUNS (3, median kept), BENCH_BULK (0),
WEB_SERVER (granian or gunicorn), WEB_CONCURRENCY (2), WEB_THREADS (2),
BENCH_ONLY=edge (only the edge rows); BENCH_ONLY=posts (the trivial view,
comment posts and comment reports only); BENCH_ONLY=render (the trivial view
and the article page with every cache off); BENCH_ONLY=replica (only the replica rows);
BENCH_ONLY=layers (the article with each caching layer switched off in turn);
BENCH_ONLY=front (live-blog readers polling through the edge, and the
article page's edge hit ratio while the breaking-news banner changes);
BENCH_ONLY=audience (the edge with view counting off and on; "Now" over 30
days of per-minute counts); BENCH_ONLY=library (the media library's grid,
filters and searches for one editor, and a 12-megapixel JPEG's upload to
usable renditions and crops, as the worker makes them); BENCH_ONLY=api (a
story through the content API against the article page, uncached, and the
API list's first page against the page 60,000 stories in).
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
PGPORT = os.environ.get("NEWSROOM_PGPORT", "54329")
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
BULK = os.environ.get("BENCH_BULK", "0") == "1"
SERVER = os.environ.get("WEB_SERVER", "granian")
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
THREADS = os.environ.get("WEB_THREADS", "2")
PORT = int(os.environ.get("BENCH_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
DB_NAME = "newsroom_bulk" if BULK else "newsroom"
DB_URL = os.environ.get("BENCH_DATABASE_URL") or (
    f"postgres://newsroom@127.0.0.1:{PGPORT}/{DB_NAME}"
)
CACHE_URL = (
    os.environ.get("BENCH_CACHE_URL")
    or subprocess.check_output([ROOT / "scripts" / "redis", "start"], text=True).strip()
)
ENV = {
    **os.environ,
    "NEWSROOM_CACHE_URL": CACHE_URL,
    "DATABASE_URL": DB_URL,
    "DJANGO_DEBUG": "false",
    "NEWSROOM_ENV_FILE": "",  # not the checkout's development settings
    "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "b" * 50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "NEWSROOM_SERVE_MEDIA": "true",
    "NEWSROOM_TRUSTED_PROXIES": "127.0.0.1",  # wrk sends each client's X-Forwarded-For
    # Throughput, not the API's per-address limit (wrk is one address): a
    # limit no client reaches, still counted (BENCH_API_LIMIT=0: not counted).
    "NEWSROOM_API_ADDRESS_PER_MINUTE": os.environ.get("BENCH_API_LIMIT", "1000000000"),
    "DJANGO_LOG_LEVEL": "ERROR",
    # Moderation e-mails go nowhere here (no SMTP server on a bench machine).
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
}

# Each wrk thread knows its number (tid): the scripts below start with it.
LUA_THREAD_IDS = r"""
local threads_seen = 0
function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("tid", threads_seen)
end
"""

POST_LUA = (
    LUA_THREAD_IDS
    + r"""
counter = 0
request = function()
  counter = counter + 1
  local id = string.format("%d-%d-%d", tid or 0, counter, os.time())
  -- A distinct client address per post: 10.<thread>.<n / 254>.<n % 254 + 1>
  local ip = string.format("10.%d.%d.%d", tid or 0, math.floor(counter / 254) % 256,
                           counter % 254 + 1)
  local body = "ts=" .. ts ..
    "&name=Bench+reader&email=bench" .. id .. "%40example.com&body=Bench+comment+" .. id
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Referer"] = referer,
    ["Origin"] = origin,
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = ip,
  }, body)
end
-- Each accepted post's id (its 303 says where: #comment-<id>), one file per
-- thread, so the bench checks that exactly these posts were stored.
local accepted = nil
response = function(status, headers, body)
  if status ~= 303 then return end
  local location = headers["Location"] or headers["location"] or ""
  local id = string.match(location, "#comment%-(%d+)")
  if not accepted then accepted = io.open(ids_prefix .. (tid or 0), "a") end
  accepted:write((id or "none") .. "\n")
  accepted:flush()
end
"""
)


def manage(*args: str, env=None) -> str:
    return subprocess.check_output(
        [PY, "manage.py", *args], cwd=ROOT, env=env or ENV, text=True
    )


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=120", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return
    sys.exit("wrk is needed: apt-get install wrk (or brew install wrk)")


def bindir() -> str:
    return subprocess.check_output(
        [ROOT / "scripts" / "db", "bindir"], text=True
    ).strip()


def prepare() -> dict:
    """Database ready; an article with exactly 50 approved comments."""
    subprocess.run([ROOT / "scripts" / "db", "start"], check=True)
    if BULK:
        exists = subprocess.run(
            [
                subprocess.check_output(
                    [ROOT / "scripts" / "db", "bindir"], text=True
                ).strip()
                + "/psql",
                "-X",
                "-qtA",
                "-h",
                "127.0.0.1",
                "-p",
                PGPORT,
                "-U",
                "newsroom",
                "-d",
                "postgres",
                "-c",
                f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [
                    subprocess.check_output(
                        [ROOT / "scripts" / "db", "bindir"], text=True
                    ).strip()
                    + "/createdb",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    PGPORT,
                    "-U",
                    "newsroom",
                    DB_NAME,
                ],
                check=True,
            )
        manage("migrate", "--noinput", "-v0")
        if "has articles" not in manage(
            "shell",
            "-c",
            (
                "from articles.models import Article;"
                "print('has articles' if Article.objects.exists() else 'empty')"
            ),
        ):
            subprocess.run(
                [PY, "manage.py", "seed_bulk"], cwd=ROOT, env=ENV, check=True
            )
    else:
        manage("migrate", "--noinput", "-v0")
        manage("load_demo", "-v0")
        manage("load_demo_comments", "-v0")
    manage("collectstatic", "--noinput", "-v0")
    out = manage("shell", "-c", BENCH_ARTICLE)
    # Earlier runs' posts were just deleted: vacuum now rather than during
    # the measurements.
    manage(
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('VACUUM (ANALYZE) comments_comment')\n"
        "    c.execute('VACUUM (ANALYZE) comments_commentdecision')",
    )
    article_url, post_url, search, busiest, section, author, n = out.split()[-7:]
    return {
        "article": article_url,
        "post": post_url,
        "search": search,
        "busiest": busiest,
        "section": section,
        "author": author,
        "queue": "/admin/comments/comment/?status__exact=pending",
        "reported": "/admin/comments/comment/?reported=open",
        "busiest_comments": int(n),
    }


BENCH_ARTICLE = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from comments.models import Comment
section = Section.objects.order_by('position').first()
article, created = Article.objects.get_or_create(
    slug='bench-fifty-comments',
    defaults=dict(title='Bench: fifty approved comments', section=section,
                  standfirst='The article page measured by make bench.',
                  body='<p>' + 'Benchmark body text. ' * 80 + '</p>',
                  status='published', published_at=timezone.now() - timedelta(days=1)))
Comment.objects.filter(article=article).exclude(name='Bench seed').delete()
have = Comment.objects.filter(article=article, status='approved').count()
for i in range(have, 50):
    Comment.objects.create(
        article=article, name='Bench seed', email=f'seed{i}@example.com',
        body=f'Seeded comment {i} for the benchmark.', status='approved', rule='bench')
from django.db.models import Count
from articles.models import AuthorProfile
busiest = Article.objects.get(pk=Comment.objects.values('article').annotate(
    n=Count('pk')).order_by('-n').first()['article'])
author = AuthorProfile.objects.filter(bylines__isnull=False).first()
print(article.get_absolute_url(), f'/comments/post/{article.pk}/', 'fifty',
      busiest.get_absolute_url(), busiest.section.get_absolute_url(),
      author.get_absolute_url(), busiest.comments.count())
"""


def free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_server(
    page_cache: bool, fragments: bool = True, extra: dict | None = None
) -> subprocess.Popen:
    env = {
        **ENV,
        **(extra or {}),
        "NEWSROOM_PAGE_CACHE": "true" if page_cache else "false",
        "NEWSROOM_FRAGMENT_CACHE": "true" if fragments else "false",
        "WEB_SERVER": SERVER,
        "WEB_CONCURRENCY": WORKERS,
        "WEB_THREADS": THREADS,
        "WEB_LOG_LEVEL": "error",
    }
    # Each configuration starts from an empty cache.
    subprocess.run(
        [PY, "-c", f"import redis; redis.Redis.from_url({CACHE_URL!r}).flushdb()"],
        check=True,
    )
    process = subprocess.Popen(
        [ROOT / "scripts" / "serve", "127.0.0.1", str(PORT)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{SERVER} did not start")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def worker_rss_mb(process) -> float:
    """Largest resident set among the server's processes, in MB."""
    sizes = []
    for pid in [process.pid, *children(process.pid)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            pass
    return max(sizes) if sizes else 0.0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def to_ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", value)
    number, unit = float(match[1]), match[2]
    return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number


def wrk(url: str, script: str | None = None, cookie: str = "") -> dict:
    results = []
    for _ in range(RUNS):
        command = ["wrk", "-t2", "-c16", f"-d{SECONDS}s", "--latency", url]
        if script:
            command[1:1] = ["-s", script]
        if cookie:
            command[1:1] = ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(command, capture_output=True, text=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])
        p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])
        total = int(re.search(r"(\d+) requests in", out)[1])
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket_errors = re.search(r"Socket errors: (.*)", out)
        results.append(
            {
                "rps": rps,
                "p50": p50,
                "p99": p99,
                "requests": total,
                "non2xx": int(non2xx[1]) if non2xx else 0,
                "socket": socket_errors[1] if socket_errors else "",
            }
        )
    total = sum(r["requests"] for r in results)
    results.sort(key=lambda r: r["rps"])
    median = results[len(results) // 2]
    median["all_requests"] = total
    median["all_non2xx"] = sum(r["non2xx"] for r in results)
    return median


def queries_per_request(paths: dict, page_cache: bool, fragments: bool = True) -> dict:
    """{name: (cold, warm)} SQL queries per request: cold right after the
    cache is emptied, warm on the next request."""
    code = (
        "import json;from django.test import Client;from django.db import connection;"
        "from django.test.utils import CaptureQueriesContext;"
        "from django.core.cache import cache;c=Client();out={}\n"
        f"for name, url in {paths!r}.items():\n"
        "    cache.clear()\n"
        "    with CaptureQueriesContext(connection) as q: c.get(url)\n"
        "    with CaptureQueriesContext(connection) as q2: c.get(url)\n"
        "    out[name]=(len(q), len(q2))\n"
        "print(json.dumps(out))"
    )
    env = {
        **ENV,
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "NEWSROOM_CACHE_URL": "locmem://",
        "NEWSROOM_PAGE_CACHE": "true" if page_cache else "false",
        "NEWSROOM_FRAGMENT_CACHE": "true" if fragments else "false",
    }
    import json

    return json.loads(manage("shell", "-c", code, env=env).strip().splitlines()[-1])


def moderator_cookie() -> str:
    """A logged-in superuser's cookies, for the moderation queue."""
    out = manage(
        "shell",
        "-c",
        (
            "from django.contrib.auth import get_user_model\n"
            "from django.test import Client\n"
            "User=get_user_model()\n"
            "u=User.objects.filter(username='bench-moderator').first() or "
            "User.objects.create_superuser('bench-moderator','bench@example.com',None)\n"
            "c=Client();c.force_login(u);print('sessionid='+c.cookies['sessionid'].value)"
        ),
        env={**ENV, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"},
    )
    return out.strip().splitlines()[-1]


def one_client(url: str, cookie: str = "") -> dict:
    """One connection for 10 s: the latency a lone reader sees."""
    command = ["wrk", "-t1", "-c1", "-d10s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True).stdout
    return {
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
    }


def post_script(urls: dict, ids_prefix: str) -> str:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    opener.open(BASE + urls["article"]).read()
    # Posted as a browser posts the page's form: no token (the page is
    # shared), Origin and Sec-Fetch-Site; with the visitor's own form time,
    # as comments.js fetches it (the page's is a shared one, which the
    # policy holds for a moderator).
    own = json.loads(opener.open(BASE + "/comments/form-time/").read())
    ts = urllib.parse.quote(own["ts"])
    time.sleep(3.5)  # the form must be older than the too-fast rule's 3 s
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(
        f'ts = "{ts}"\norigin = "{BASE}"\nids_prefix = "{ids_prefix}"\n'
        f'path = "{urls["post"]}"\nreferer = "{BASE}{urls["article"]}"\n' + POST_LUA
    )
    script.close()
    return script.name


def check_bench_comments(ids_file: str) -> dict:
    """Of the posts wrk saw accepted (their ids in `ids_file`): how many are
    stored; and how many bench comments are stored more than once."""
    out = manage(
        "shell",
        "-c",
        (
            "from django.db.models import Count;from comments.models import Comment;"
            f"ids=[int(i) for i in open({ids_file!r}).read().split() if i.isdigit()];"
            "qs=Comment.objects.filter(body__startswith='Bench comment ');"
            "dup=qs.values('body').annotate(n=Count('pk')).filter(n__gt=1).count();"
            "print(qs.filter(pk__in=ids).count(), dup)"
        ),
    )
    found, duplicates = out.split()[-2:]
    return {"found": int(found), "duplicates": int(duplicates)}


EDGE_PORT, APP_PORTS, STATIC_PORT = PORT + 10, (PORT + 11, PORT + 12), PORT + 13


def cluster_env(**extra: str) -> dict:
    return {
        **ENV,
        "NEWSROOM_EDGE_PORT": str(EDGE_PORT),
        "NEWSROOM_EDGE_ADMIN_PORT": str(PORT + 14),
        "NEWSROOM_APP_PORTS": " ".join(map(str, APP_PORTS)),
        "NEWSROOM_CLUSTER_DIR": str(ROOT / "var" / "bench-cluster"),
        "WEB_LOG_LEVEL": "error",
        **extra,
    }


REPLICA_URL = re.sub(
    r":\d+/", f":{os.environ.get('NEWSROOM_REPLICA_PORT', '54330')}/", DB_URL, count=1
)
# The replica's own bookkeeping, not what a page reads.
BOOKKEEPING = ("pg_last_wal_replay_lsn", "pg_current_wal_lsn", "pg_stat_statements")


def statement_counts(url: str) -> tuple[int, int]:
    """(every statement, the page's own: bookkeeping left out) run on one
    server for this database since the last reset."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query, calls FROM pg_stat_statements WHERE dbid = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    own = sum(c for q, c in rows if not any(b in q for b in BOOKKEEPING))
    return sum(c for _, c in rows), own


def replica_rows(urls: dict) -> list:
    """The page-cache-off reader pages on the cluster's app servers, and how
    many of their queries the replica ran (pg_stat_statements on each)."""
    import psycopg

    env = cluster_env(NEWSROOM_PAGE_CACHE="false")
    subprocess.run([ROOT / "scripts" / "cluster", "start"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        with psycopg.connect(DB_URL, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        time.sleep(1)  # replayed on the replica
        for url in (DB_URL, REPLICA_URL):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_stat_statements_reset(0, (SELECT oid FROM "
                    "pg_database WHERE datname = current_database()), 0)"
                )
        rows = []
        app = f"http://127.0.0.1:{APP_PORTS[0]}"
        common = "/search/?q=" + ("market" if BULK else "phone")
        for name, path in [
            ("article, 50 comments", urls["article"]),
            ("home page", "/"),
            ("section page", urls["section"]),
            ("search", f"/search/?q={urls['search']}"),
            ("search, common word", common),
        ]:
            row = wrk(app + path)
            rows.append((f"cluster app server, page cache off: {name}", row))
            rows[-1][1]["queries"] = "-"
        primary, primary_own = statement_counts(DB_URL)
        standby, standby_own = statement_counts(REPLICA_URL)
        share = standby_own / max(1, standby_own + primary_own)
        rows[-1][1]["queries"] = (
            f"replica ran {share:.1%} of the pages' queries ({standby_own:,} of "
            f"{standby_own + primary_own:,}; with its replay-position checks "
            f"{standby:,} of {standby + primary:,})"
        )
        print(rows[-1][1]["queries"])
        return rows
    finally:
        subprocess.run([ROOT / "scripts" / "cluster", "stop"], cwd=ROOT, env=env)


def edge_rows(article: str) -> list:
    """The cluster's edge against nginx serving the same bytes."""
    edge = f"http://127.0.0.1:{EDGE_PORT}"
    env = cluster_env()
    subprocess.run([ROOT / "scripts" / "cluster", "start"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    static_dir = Path(tempfile.mkdtemp(prefix="newsroom-static-"))
    nginx = None
    try:
        urllib.request.urlopen(edge + article).read()  # fill the edge
        page = urllib.request.urlopen(edge + article).read()
        static_dir.chmod(0o755)
        (static_dir / "article.html").write_bytes(page)
        (static_dir / "article.html").chmod(0o644)
        conf = static_dir / "nginx.conf"
        conf.write_text(
            f"worker_processes {WORKERS};\npid {static_dir}/nginx.pid;\n"
            f"error_log {static_dir}/error.log;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off; gzip off; sendfile on; keepalive_requests 100000;\n"
            f"  server {{ listen 127.0.0.1:{STATIC_PORT}; root {static_dir}; }} }}\n"
        )
        nginx = subprocess.Popen([ensure_nginx(), "-c", str(conf), "-g", "daemon off;"])
        time.sleep(0.5)
        static = wrk(f"http://127.0.0.1:{STATIC_PORT}/article.html")
        cached = wrk(edge + article)
        ratio = cached["rps"] / static["rps"] if static["rps"] else 0
        cached["queries"] = f"0 ({ratio:.2f}× the static file)"
        static["queries"] = "0"
        uncached = wrk(edge + article, cookie="sessionid=bench")
        uncached["queries"] = "-"
        urllib.request.urlopen(edge + "/api/v1/stories").read()  # fill the edge
        api = wrk(edge + "/api/v1/stories")
        api["queries"] = "0"
        return [
            ("article, static file through nginx (ceiling)", static),
            ("article through the edge (Varnish hit)", cached),
            ("content API list through the edge (Varnish hit)", api),
            ("article through the edge to two app servers, uncached", uncached),
        ]
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        subprocess.run([ROOT / "scripts" / "cluster", "stop"], cwd=ROOT, env=env)
        shutil.rmtree(static_dir, ignore_errors=True)


def ensure_nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=120", "install",
                        "-y", "-qq", "nginx"], check=True)  # fmt: skip
    return found


def comment_posts(urls: dict) -> dict:
    """wrk posting comments; every post wrk saw accepted (303) must be stored,
    exactly once. (Posts still in flight when wrk stops are stored too but
    never counted as accepted: they are not counted as lost either.)"""
    folder = Path(tempfile.mkdtemp(prefix="bench-posts-"))
    script = post_script(urls, str(folder / "accepted-"))
    try:
        result = wrk(BASE + urls["post"], script)
        lines = [
            line for f in folder.glob("accepted-*") for line in f.read_text().split()
        ]
        ids_file = folder / "ids"
        ids_file.write_text("\n".join(lines))
        check = check_bench_comments(str(ids_file))
    finally:
        os.unlink(script)
        shutil.rmtree(folder)
    accepted = result["all_requests"] - result["all_non2xx"]
    result.update(
        accepted=accepted,
        # An accepted post whose id the answer lacked, or not stored.
        lost=len(lines) - check["found"] + max(0, accepted - len(lines)),
        duplicates=check["duplicates"],
        queries="-",
    )
    return result


REPORT_LUA = (
    LUA_THREAD_IDS
    + r"""
request = function()
  if not seeded then math.randomseed(os.time() * 7 + (tid or 0)); seeded = true end
  -- A new reader each time: their own address (the reporter cookie is not
  -- sent, as a first report carries none).
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                           math.random(1, 254))
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = ip,
  }, "reason=spam&note=Bench+report")
end
"""
)


def comment_reports(urls: dict) -> dict:
    """wrk reporting one comment, each request a new reader (address); the
    comment was kept by a moderator, so the reports are counted and never
    hold it (the path of a report flood on a kept comment). Reports stored
    are counted after the runs."""
    article_pk = int(urls["post"].strip("/").split("/")[-1])
    setup = manage(
        "shell",
        "-c",
        (
            "from comments.models import Comment, CommentDecision, CommentReport;"
            f"c=Comment.objects.filter(article_id={article_pk},"
            "status='approved').first();"
            "CommentReport.objects.filter(comment=c).delete();"
            "CommentDecision.objects.get_or_create(comment=c, rule='moderator:kept',"
            " defaults={'status': 'approved'});"
            "print(c.pk)"
        ),
    )
    pk = setup.split()[-1]
    path = f"/comments/{pk}/report/"
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(f'origin = "{BASE}"\npath = "{path}"\n' + REPORT_LUA)
    script.close()
    try:
        result = wrk(BASE + path, script.name)
    finally:
        os.unlink(script.name)
    stored = manage(
        "shell",
        "-c",
        f"from comments.models import CommentReport;"
        f"print(CommentReport.objects.filter(comment_id={pk}).count())",
    )
    result["queries"] = "-"
    result["socket"] = f"{stored.split()[-1]} reports stored " + (
        result["socket"] or ""
    )
    return result


def post_rows(urls: dict) -> list:
    """BENCH_ONLY=posts: the trivial view, comment posts and comment reports."""
    server = start_server(page_cache=False)
    try:
        trivial = wrk(BASE + "/robots.txt")
        trivial["queries"] = "-"
        return [
            ("trivial view (/robots.txt)", trivial),
            ("comment POST (303 = accepted)", comment_posts(urls)),
            ("comment report (303 = accepted)", comment_reports(urls)),
        ]
    finally:
        stop_server(server)


def render_rows(article: str):
    """BENCH_ONLY=render: the trivial view and the article page rendered whole
    on every request (every cache off), many clients and one."""
    queries = queries_per_request({"article": article}, False, fragments=False)
    server = start_server(page_cache=False, fragments=False)
    try:
        trivial = wrk(BASE + "/robots.txt")
        trivial["queries"] = "-"
        full = wrk(BASE + article)
        full["queries"] = str(queries["article"][1])
        rows = [
            ("trivial view (/robots.txt)", trivial),
            ("article, 50 comments, all caches off", full),
        ]
        return rows, [
            ("article, all caches off", one_client(BASE + article)),
            ("home page, all caches off", one_client(BASE + "/")),
        ]
    finally:
        stop_server(server)


# BENCH_ONLY=layers: what each caching layer earns, one switched off at a
# time, in one run (the simplify issue keeps a layer only if it earns 10 %).
LAYERS = [
    ("article, page cache on (every layer)", True, True, {}),
    (
        "  same, no per-process copies of pages",
        True,
        True,
        {"NEWSROOM_PAGE_CACHE_LOCAL_MB": "0"},
    ),
    (
        "  same, tag versions read from Redis every request",
        True,
        True,
        {"NEWSROOM_VERSION_SECONDS": "0"},
    ),
    ("article, page cache off (fragments on)", False, True, {}),
    (
        "  same, no per-process copies of fragments",
        False,
        True,
        {"NEWSROOM_PAGE_CACHE_LOCAL_MB": "0"},
    ),
    ("article, every cache off", False, False, {}),
]


def layer_rows(article: str) -> list:
    rows = []
    for name, page_cache, fragments, extra in LAYERS:
        server = start_server(page_cache, fragments, extra)
        try:
            if not rows:
                rows.append(("trivial view (/robots.txt)", wrk(BASE + "/robots.txt")))
                rows[-1][1]["queries"] = "-"
            rows.append((name, wrk(BASE + article)))
            rows[-1][1]["queries"] = "-"
        finally:
            stop_server(server)
    return rows


# BENCH_ONLY=front: the front page's live parts through the cluster's edge.
LIVE_POLL_LUA = r"""
-- One live-blog reader per connection, asking every second, as
-- static/js/live.js does (each response is read in full).
function delay()
  return 1000
end
"""


def varnish_counters(edge_dir: Path) -> dict:
    out = subprocess.run(
        ["varnishstat", "-n", str(edge_dir / "work"), "-1", "-f", "MAIN.cache_*",
         "-f", "MAIN.backend_req"],
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {m[1]: int(m[2]) for m in re.finditer(r"^MAIN\.(\S+)\s+(\d+)", out, re.M)}


def front_rows(article: str) -> None:
    """BENCH_ONLY=front: (1) 1,000 live-blog readers polling every second
    through the edge while entries are posted: what reaches the app servers
    per entry, and how soon a reader sees a new entry; (2) the article page
    under load through the edge while the breaking-news banner changes: its
    hit ratio. Prints the figures (docs/benchmarks.md keeps them)."""
    import threading

    env = cluster_env()
    edge = f"http://127.0.0.1:{EDGE_PORT}"
    shm = Path("/dev/shm")  # where scripts/cluster puts it when it can
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    base = base or Path(os.environ.get("TMPDIR", "/tmp"))
    edge_dir = base / f"newsroom-edge-{EDGE_PORT}"
    slug = article.rstrip("/").rsplit("/", 1)[-1]
    shell = (
        "from django.contrib.auth.models import User; "
        "from articles import front, live; from articles.models import Article; "
        f"a = Article.objects.get(slug={slug!r}); "
        "ed = User.objects.filter(is_superuser=True).first() or "
        "User.objects.create_superuser('bench-editor', 'ed@example.com', None); "
    )
    subprocess.run([ROOT / "scripts" / "cluster", "start"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    def cluster_shell(code: str) -> str:
        """manage.py shell with the cluster's settings (its edge purged)."""
        return subprocess.check_output(
            [ROOT / "scripts" / "cluster", "manage", "shell", "-v", "0", "-c", code],
            cwd=ROOT, env=env, text=True,
        )  # fmt: skip

    try:
        pk = cluster_shell(shell + "live.live_start(user=ed, article=a); "
                    "print(a.pk)").split()[-1]  # fmt: skip
        poll = f"{edge}/live/{pk}/"
        urllib.request.urlopen(poll).read()
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(LIVE_POLL_LUA)
        seen, posted = {}, {}
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                try:
                    body = urllib.request.urlopen(poll, timeout=5).read().decode()
                except OSError as error:  # under load: ask again
                    print("watcher:", error, file=sys.stderr)
                    continue
                for text in list(posted):
                    if text in body and text not in seen:
                        seen[text] = time.monotonic()
                time.sleep(0.05)

        def post_entries():
            time.sleep(3)
            for n in range(5):
                text = f"Bench entry {n} {time.time():.0f}"
                try:
                    cluster_shell(shell + f"live.live_post(user=ed, "
                           f"article=a, body='<p>{text}</p>')")  # fmt: skip
                except subprocess.CalledProcessError as error:
                    print("posting failed:", error, file=sys.stderr)
                    continue
                posted[text] = time.monotonic()  # the save has returned
                time.sleep(2)

        before = varnish_counters(edge_dir)
        watcher = threading.Thread(target=watch, daemon=True)
        poster = threading.Thread(target=post_entries)
        watcher.start(), poster.start()
        out = subprocess.run(
            ["wrk", "-t2", "-c1000", f"-d{max(SECONDS, 20)}s", "-s", str(script), poll],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        poster.join()
        time.sleep(1)
        stop.set()
        after = varnish_counters(edge_dir)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        fetches = after["backend_req"] - before["backend_req"]
        delays = [seen[t] - posted[t] for t in posted if t in seen] or [float("nan")]
        print(f"live blog, 1,000 readers polling every second: {rps:,.0f} requests/s "
              f"at the edge; {fetches} requests reached the app servers for "
              f"{len(posted)} entries ({fetches / max(len(posted), 1):.1f} per entry); "
              f"a new entry seen {min(delays):.2f}–{max(delays):.2f} s after its "
              f"save returned ({len(delays)}/{len(posted)} seen)")  # fmt: skip

        # The banner: article pages under load through the edge, a banner
        # marked after 3 s and ended after 6 s.
        urllib.request.urlopen(edge + article).read()

        def banner():
            time.sleep(3)
            cluster_shell(shell + "front.breaking_mark(user=ed, article=a)")
            time.sleep(3)
            cluster_shell(shell + "front.breaking_end(user=ed)")

        before = varnish_counters(edge_dir)
        changer = threading.Thread(target=banner)
        changer.start()
        out = subprocess.run(
            ["wrk", "-t2", "-c16", "-d10s", edge + article],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        changer.join()
        after = varnish_counters(edge_dir)
        hits = after["cache_hit"] - before["cache_hit"]
        misses = after["cache_miss"] - before["cache_miss"]
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        ratio = hits / (hits + misses)
        print(
            "article page through the edge while the banner goes up and down: "
            f"{rps:,.0f} requests/s, edge hit ratio {ratio:.4f} "
            f"({misses} misses of {hits + misses} lookups, banner included)"
        )
        script.unlink()
    finally:
        cluster_shell(shell + "live.live_end(user=ed, article=a); "
               "front.breaking_end(user=ed)")  # fmt: skip
        subprocess.run([ROOT / "scripts" / "cluster", "stop"], cwd=ROOT, env=env)


# BENCH_ONLY=audience: what counting views costs, and the editors' "Now".
READER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def edge_with_counting(edge: str, article: str, mode: str) -> tuple[float, float]:
    """(Requests/s of the article page through the edge, the counter
    worker's CPU seconds meanwhile) with NEWSROOM_AUDIENCE=`mode`."""
    env = cluster_env(NEWSROOM_AUDIENCE=mode)
    subprocess.run([ROOT / "scripts" / "cluster", "start"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        request = urllib.request.Request(edge + article, headers={
            "User-Agent": READER_UA})  # fmt: skip
        urllib.request.urlopen(request).read()
        command = ["wrk", "-t2", "-c16", "-H", f"User-Agent: {READER_UA}"]
        subprocess.run([*command, "-d3s", edge + article], capture_output=True)
        counter = int(subprocess.check_output(
            [ROOT / "scripts" / "cluster", "ctl", "pid", "counter"], env=env,
            text=True).strip() or 0)  # fmt: skip
        before = cpu_seconds(counter) if counter else 0.0
        out = subprocess.run(
            [*command, f"-d{SECONDS}s", edge + article], capture_output=True, text=True
        ).stdout
        after = cpu_seconds(counter) if counter else 0.0
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), after - before
    finally:
        subprocess.run([ROOT / "scripts" / "cluster", "stop"], cwd=ROOT, env=env)


def audience_rows(article: str) -> None:
    """BENCH_ONLY=audience: (1) the article page through the edge at full
    rate with counting off, then on (the edge's VCL logging each view and
    the counter worker reading its log), in one run: the drop, and the
    worker's CPU; (2) "Now" for an editor over 30 days of per-minute counts
    (seed_views) on the bulk database: its time, median of 5."""
    edge = f"http://127.0.0.1:{EDGE_PORT}"
    results = {"off": [], "edge": []}
    # Rounds alternate off and on (this machine's noise is larger than the
    # difference): the medians are compared.
    for _ in range(RUNS):
        for mode in ("off", "edge"):
            results[mode].append(edge_with_counting(edge, article, mode))
    off = sorted(rps for rps, _ in results["off"])[RUNS // 2]
    on = sorted(rps for rps, _ in results["edge"])[RUNS // 2]
    worker = sorted(cpu for _, cpu in results["edge"])[RUNS // 2]
    every = ", ".join(
        f"{a:,.0f}/{b:,.0f}"
        for (a, _), (b, _) in zip(results["off"], results["edge"], strict=True)
    )
    print(
        f"article page through the edge, counting off: {off:,.0f} requests/s; "
        f"on: {on:,.0f} requests/s ({(on - off) / off:+.1%}; medians of {RUNS} "
        f"alternating rounds, off/on: {every}); the counter worker used "
        f"{worker:.2f} CPU s in {SECONDS} s ({worker / SECONDS:.1%} of a core); "
        "the app servers: none"
    )
    # Seeded now, so that the last hour is full (as on a busy site).
    print(manage("seed_views", "--days", "30", "--replace").strip())
    timing = manage("shell", "-v", "0", "-c", (
        "import time, statistics; from django.contrib.auth.models import User; "
        "from audience.now import now_figures; "
        "ed = User.objects.filter(is_superuser=True).first(); "
        "now_figures(ed); runs = []\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); f = now_figures(ed); "
        "runs.append(time.perf_counter() - t)\n"
        "print(f'{statistics.median(runs) * 1000:.0f} ms, {len(f.rows)} stories')"
    ))  # fmt: skip
    count = manage("shell", "-v", "0", "-c", "from audience.models import ViewCount; "
                   "print(ViewCount.objects.count())").strip()  # fmt: skip
    rows = int(count.split()[-1])
    print(
        f'"Now" for an editor over {rows:,} per-minute rows: {timing.splitlines()[-1]}'
    )


# BENCH_ONLY=api: the content API (#33) against the article page.

API_POINTS = """
from api import cursor
from articles.models import Article
stories = Article.objects.published().order_by("-published_at", "-pk")
deep = stories.values_list("published_at", "pk")[60000 - 1]
print(stories.values_list("pk", flat=True).first(), cursor.make(*deep))
"""


def api_rows(article: str) -> tuple[list, list]:
    """BENCH_ONLY=api: a story through the API and the article page, both
    uncached (page cache off, fragments on: the page's own best uncached
    case), many clients; then, nothing kept (fragments off too), the story
    again and one client on the list's first page and on the page 60,000
    stories in (a cursor)."""
    story, deep = manage("shell", "-v", "0", "-c", API_POINTS).split()[-2:]
    server = start_server(page_cache=False)
    try:
        rows = [
            ("trivial view (/robots.txt)", wrk(BASE + "/robots.txt")),
            ("article page, page cache off", wrk(BASE + article)),
            ("API story, uncached", wrk(f"{BASE}/api/v1/stories/{story}")),
            ("API stories list, uncached", wrk(f"{BASE}/api/v1/stories")),
        ]
        for _, row in rows:
            row["queries"] = "-"
    finally:
        stop_server(server)
    # The database's own cost: nothing kept (fragments off too).
    server = start_server(page_cache=False, fragments=False)
    try:
        bare = wrk(f"{BASE}/api/v1/stories/{story}")
        bare["queries"] = "-"
        rows.append(("API story, nothing kept (fragments off)", bare))
        first = BASE + "/api/v1/stories"
        later = f"{BASE}/api/v1/stories?cursor={urllib.parse.quote(deep)}"
        one_client(first)
        one_client(later)  # warm
        lone = [
            ("API list, first page, nothing kept", one_client(first)),
            ("API list, 60,000 stories in (cursor), nothing kept", one_client(later)),
        ]
        return rows, lone
    finally:
        stop_server(server)


# BENCH_ONLY=library: the media library (#31) at bulk scale, and the cost
# of a photo's renditions.

LIBRARY_UPLOAD = """
import io, random, statistics, time
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from articles import library
from articles.models import LibraryImage
from articles.tasks import make_library_renditions
runs = []
for n in range(3):
    # A 12-megapixel photo as a camera writes it: detail everywhere (noise
    # over a gradient), quality 92, a few MB.
    rng = random.Random(n)
    noise = Image.effect_noise((4000, 3000), 60 + n).convert("RGB")
    tint = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    photo = Image.blend(noise, tint, 0.5)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=92)
    upload = SimpleUploadedFile(f"bench-{n}.jpg", buffer.getvalue(), "image/jpeg")
    started = time.perf_counter()
    item, _ = library.library_image_create(
        file=upload, user=None, queue=False, title=f"Bench upload {n}")
    stored = time.perf_counter()
    make_library_renditions.call(item.key)
    done = time.perf_counter()
    item.refresh_from_db()
    runs.append((done - started, stored - started, len(buffer.getvalue())))
    library.library_image_delete(item=item, user=None)
total, store, size = sorted(runs)[1]
print(f"{total * 1000:.0f} ms {store * 1000:.0f} ms {size / 1e6:.1f} MB")
"""


def library_rows(urls: dict) -> tuple[list, str]:
    """BENCH_ONLY=library: one editor (wrk -c1) on the library's grid, its
    filters and searches (the grid's and the pickers' JSON); then a
    12-megapixel JPEG from upload to usable renditions and crops (the
    worker's job run in this process: the time a worker spends on it, the
    queue's pickup aside), median of 3."""
    count = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from articles.models import LibraryImage; print(LibraryImage.objects.count())",
    ).split()[-1]
    cookie = moderator_cookie()
    server = start_server(page_cache=False)
    grid = "/admin/articles/libraryimage/"
    lone = []
    try:
        for name, path in (
            ("library grid, first page", grid),
            ("library grid, page 1000", grid + "?p=1000"),
            ("library grid, used nowhere", grid + "?use=unused"),
            ("library grid, licence expired", grid + "?use=expired"),
            ("library search: a word", grid + "?q=network"),
            ("library search: a photographer", grid + "?q=photographer+17"),
            ("library picker (JSON): a word", grid + "search.json?q=network"),
        ):
            one_client(BASE + path, cookie)  # warm
            lone.append(
                (f"{name} ({int(count):,} pictures)", one_client(BASE + path, cookie))
            )
    finally:
        stop_server(server)
    total, store, size = manage("shell", "-v", "0", "-c", LIBRARY_UPLOAD).split()[-6::2]
    upload = (
        f"\nA 12-megapixel JPEG ({size} MB) from upload to usable renditions "
        f"and crops: {total} ms (of which storing the original and its library "
        f"item: {store} ms; the rest is the worker's job), median of 3.\n"
    )
    return lone, upload


def main():
    ensure_wrk()
    if not free(PORT):
        sys.exit(f"port {PORT} is busy (set BENCH_PORT)")
    urls = prepare()
    if os.environ.get("BENCH_ONLY") == "edge":
        report(edge_rows(urls["article"]), [], 0.0)
        return
    if os.environ.get("BENCH_ONLY") == "posts":
        report(post_rows(urls), [], 0.0)
        return
    if os.environ.get("BENCH_ONLY") == "render":
        rows, lone = render_rows(urls["article"])
        report(rows, lone, 0.0)
        return
    if os.environ.get("BENCH_ONLY") == "layers":
        report(layer_rows(urls["article"]), [], 0.0)
        return
    if os.environ.get("BENCH_ONLY") == "audience":
        audience_rows(urls["article"])
        return
    if os.environ.get("BENCH_ONLY") == "front":
        front_rows(urls["article"])
        return
    if os.environ.get("BENCH_ONLY") == "api":
        rows, lone = api_rows(urls["article"])
        report(rows, lone, 0.0)
        return
    if os.environ.get("BENCH_ONLY") == "library":
        lone, upload = library_rows(urls)
        report([], lone, 0.0)
        print(upload)
        with (ROOT / "docs" / "benchmarks.md").open("a") as handle:
            handle.write(upload)
        return
    if os.environ.get("BENCH_ONLY") == "replica":
        report(replica_rows(urls), [], 0.0)
        return
    article, search = urls["article"], f"/search/?q={urls['search']}"
    paths = {"trivial view (/robots.txt)": "/robots.txt", "article": article}
    paths.update({"home page": "/", "search": search})
    queries_off = queries_per_request(paths, page_cache=False)
    queries_on = queries_per_request({"article": article}, page_cache=True)

    def q(name, table):
        cold, warm = table[name]
        return f"{warm} ({cold} cold)" if cold != warm else str(warm)

    rows, rss, lone = [], [], []
    busiest = f"busiest story ({urls['busiest_comments']:,} comments)"
    # 1. Page cache off, fragments on: what logged-in readers, pending
    #    commenters and every page-cache miss cost.
    server = start_server(page_cache=False)
    try:
        rows.append(("trivial view (/robots.txt)", wrk(BASE + "/robots.txt")))
        rows[-1][1]["queries"] = q("trivial view (/robots.txt)", queries_off)
        rows.append(("article, 50 comments, page cache off", wrk(BASE + article)))
        rows[-1][1]["queries"] = q("article", queries_off)
        rows.append(("home page, page cache off", wrk(BASE + "/")))
        rows[-1][1]["queries"] = q("home page", queries_off)
        rows.append(("search", wrk(BASE + search)))
        rows[-1][1]["queries"] = q("search", queries_off)
        # A word in nearly every story (bulk data: "market"; demo: "phone").
        common = "/search/?q=" + ("market" if BULK else "phone")
        rows.append(("search, common word", wrk(BASE + common)))
        rows[-1][1]["queries"] = "-"
        rows.append(("comment POST (303 = accepted)", comment_posts(urls)))
        rows.append(("comment report (303 = accepted)", comment_reports(urls)))
        cookie = moderator_cookie()
        for name, path, extra in [
            ("article, 50 comments", article, ""),
            (busiest, urls["busiest"], ""),
            ("home page", "/", ""),
            ("section page", urls["section"], ""),
            ("author page", urls["author"], ""),
            ("search", search, ""),
            ("moderation queue (pending)", urls["queue"], cookie),
            # After the report rows: one comment with every report they sent.
            ("moderation queue (reported)", urls["reported"], cookie),
        ]:
            lone.append((name, one_client(BASE + path, extra)))
        rss.append(worker_rss_mb(server))
    finally:
        stop_server(server)
    # 2. Every cache off: the page rendered whole on every request.
    queries_full = queries_per_request({"article": article}, False, fragments=False)
    server = start_server(page_cache=False, fragments=False)
    try:
        rows.append(("article, 50 comments, all caches off", wrk(BASE + article)))
        rows[-1][1]["queries"] = str(queries_full["article"][1])
        lone.append(("article, all caches off", one_client(BASE + article)))
        lone.append(
            ("busiest story, all caches off", one_client(BASE + urls["busiest"]))
        )
        lone.append(("home page, all caches off", one_client(BASE + "/")))
        rss.append(worker_rss_mb(server))
    finally:
        stop_server(server)
    # 3. Page cache on (the default for anonymous readers).
    server = start_server(page_cache=True)
    try:
        rows.append(("article, 50 comments, page cache on", wrk(BASE + article)))
        rows[-1][1]["queries"] = q("article", queries_on)
        rss.append(worker_rss_mb(server))
    finally:
        stop_server(server)
    # 4. The edge in front of two app servers, against the static ceiling.
    rows += edge_rows(article)
    # 5. The cluster's app servers with the page cache off: the replica's share.
    rows += replica_rows(urls)
    report(rows, lone, max(rss))


def report(rows, lone, rss_mb: float):
    cpu = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    header = (
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {SERVER}, "
        f"{WORKERS} workers × {THREADS} threads, Redis cache, "
        f"{'bulk data (100k articles, 1M comments)' if BULK else 'demo data'}\n\n"
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"wrk -t2 -c16 -d{SECONDS}s, median of {RUNS}."
        # (BENCH_ONLY runs do not measure it.)
        + (f" Largest server process RSS: {rss_mb:.0f} MB." if rss_mb else "")
        + "\n\n"
        "| target | requests/s | × trivial view | p50 ms | p99 ms | errors "
        "| SQL queries/request |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    # Each row's rate against the trivial view of the same run: what a
    # target means on a faster or slower machine (issue 17 judges by it).
    trivial = next((r["rps"] for name, r in rows if name.startswith("trivial")), 0)
    lines = []
    for name, r in rows:
        errors = r["socket"] or "0"
        if name.startswith("comment POST"):
            errors = (
                f"{r['accepted']} accepted, each checked by id: {r['lost']} lost, "
                f"{r['duplicates']} duplicated ({RUNS} run(s))"
            )
        elif r["non2xx"]:
            errors = f"{r['non2xx']} non-2xx; {errors}"
        share = f"{r['rps'] / trivial:.3f}" if trivial else "-"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {share} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {errors} | {r['queries']} |\n"
        )
    if lone:  # BENCH_ONLY=posts and =edge measure no lone client
        lines.append(
            "\nOne client (wrk -t1 -c1 -d10s), page cache off unless said:\n\n"
            "| page | p50 ms | p99 ms | requests/s |\n|---|---|---|---|\n"
        )
    for name, r in lone:
        lines.append(f"| {name} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} |\n")
    table = header + "".join(lines)
    print(table)
    docs = ROOT / "docs" / "benchmarks.md"
    docs.parent.mkdir(exist_ok=True)
    if not docs.exists():
        docs.write_text(
            "# Benchmarks\n\nFigures appended by `make bench` "
            "(scripts/bench.py). Compare rows of one run, not across "
            "machines: wrk and the server share the same 2 cores.\n"
        )
    with docs.open("a") as handle:
        handle.write(table)


if __name__ == "__main__":
    main()
