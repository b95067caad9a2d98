"""Newsroom settings: one module, production differences from the environment.

Every variable is listed in README.md ("Configuration"). DEBUG is off unless
DJANGO_DEBUG says otherwise; outside DEBUG a missing secret key or host list is
an error rather than a silent insecure default.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def load_env_file(path: Path) -> None:
    """KEY=VALUE lines (blank lines and # comments skipped) into os.environ,
    never over a variable that is already set."""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise ImproperlyConfigured(f"{path}: expected NAME=value, got {line!r}")
        os.environ.setdefault(name.strip(), value.strip())


# A development checkout's settings: `make run` writes var/dev.env (DEBUG on,
# its database and Redis), so every manage.py command run in the checkout
# works without exporting anything. Production has no such file (or points
# NEWSROOM_ENV_FILE elsewhere); an empty NEWSROOM_ENV_FILE reads none (tests).
_ENV_FILE = os.environ.get("NEWSROOM_ENV_FILE", str(BASE_DIR / "var" / "dev.env"))
if _ENV_FILE and Path(_ENV_FILE).is_file():
    load_env_file(Path(_ENV_FILE))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def _env_number(name: str, default, cast, what: str):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return cast(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.") from None


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def cache_from_url(url: str) -> dict:
    """locmem:// (default), dummy://, redis://host:port/db or rediss://…"""
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss", "unix"}:
        return {
            # Django's Redis backend that answers a miss when Redis is down.
            "BACKEND": "caching.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "newsroom",
        }
    if parsed.scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parsed.netloc or "newsroom",
            # Pages, fragments and tag versions: more than the default 300.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    if parsed.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"NEWSROOM_CACHE_URL scheme {parsed.scheme!r} is not supported "
        "(use locmem://, dummy:// or redis://)."
    )


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(DJANGO_DEBUG is off, so there is no development default)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. Give the site's host names, "
            "comma-separated (e.g. news.example.com)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

NEWSROOM_SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "Newsroom")
# The publisher's logo in search engines' structured data (schema.org
# NewsArticle publisher.logo; Google asks for one at most 600x60): a static
# file's path or an absolute URL.
NEWSROOM_PUBLISHER_LOGO = os.environ.get(
    "NEWSROOM_PUBLISHER_LOGO", "img/publisher-logo.png"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_prose_editor",
    "django_tasks_db",
    "infra",
    "caching",
    "axes",
    "articles",
    "audience",
    "comments",
    "wpimport",
    "newsletters",
    "ninja",  # its documentation page's scripts, served from this site
    "api",
]

MIDDLEWARE = [
    # The probes' health check, before anything that checks the Host or
    # redirects to HTTPS.
    "infra.middleware.HealthzMiddleware",
    # Marks anonymous reads, which a replica may answer (infra/replica.py).
    "infra.replica.ReplicaMiddleware",
    # Text compressed for clients that accept it, then validated: an ETag
    # (the page cache stores one with each page; others get one made from
    # the body) and Last-Modified (feeds) answer conditional requests with
    # 304, page-cache hits included.
    "infra.middleware.CompressTextMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    # First: a hit is answered before the rest of the stack runs; the stored
    # page already carries the headers the middleware below adds, and holds
    # nothing per visitor (caching/pagecache.py).
    # Counts views of story and section pages, page-cache hits included
    # (audience/: without an edge; behind one, its log is read instead).
    "audience.middleware.CountViewsMiddleware",
    # The content API's keys and rate limits, before a page-cache hit:
    # a bad key or a client over its limit is refused even for cached
    # answers (api/middleware.py).
    "api.middleware.ApiKeyMiddleware",
    "caching.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "infra.middleware.PermissionsPolicyMiddleware",
    "infra.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "infra.middleware.InlineImportMapHashMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "infra.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wpimport.middleware.LegacyRedirectMiddleware",
    # A value past what the site can hold (in an address or a filter): 400.
    "infra.middleware.OddValueMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so a lockout answers before any view runs.
    "infra.middleware.LoginSprayMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "infra.context_processors.site",
                "articles.context_processors.navigation",
                "comments.context_processors.moderation",
                "articles.context_processors.desk_counts",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# PostgreSQL only. Without DATABASE_URL, the private cluster that `make run` /
# `make test` start for this checkout (scripts/db).
DATABASE_URL = os.environ.get("DATABASE_URL") or (
    f"postgres://newsroom@127.0.0.1:{env_int('NEWSROOM_PGPORT', 54329)}/newsroom"
)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
# Django's queries bind on the client and are never prepared; this lets the
# few fixed hot-path statements run through comments.sql.fetch_one_prepared be
# prepared once per connection (psycopg's default threshold).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)

# A connection pool per app process (psycopg_pool, Django's "pool" option):
# NEWSROOM_DB_POOL="MIN,MAX" connections per process (e.g. "2,4" for two
# threads); empty: no pool, a connection kept DJANGO_CONN_MAX_AGE seconds.
# The pool checks a connection when it hands it out (one round trip, what
# Django's health check cost), so one restarted PostgreSQL is survived by
# every request; see README, "Database connections".
NEWSROOM_DB_POOL = os.environ.get("NEWSROOM_DB_POOL", "")
if NEWSROOM_DB_POOL:
    try:
        _pool_min, _pool_max = (int(n) for n in NEWSROOM_DB_POOL.split(","))
        if not 0 <= _pool_min <= _pool_max or _pool_max < 1:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            f"NEWSROOM_DB_POOL must be MIN,MAX (e.g. 2,4), not {NEWSROOM_DB_POOL!r}."
        ) from None
    from psycopg_pool import ConnectionPool

    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": _pool_min,
        "max_size": _pool_max,
        # How long a request waits for a connection: short, so a database
        # outage answers the 503 page at once instead of piling up threads.
        "timeout": env_float("NEWSROOM_DB_POOL_TIMEOUT", 2.0),
        "check": (
            ConnectionPool.check_connection
            if env_bool("NEWSROOM_DB_POOL_CHECK", True)
            else None
        ),
    }

# A hot standby that serves anonymous readers (infra/replica.py has the
# rule: who reads it and when, read-your-writes, the fence that keeps cache
# fills current). Empty: every read goes to DATABASE_URL.
NEWSROOM_REPLICA_URL = os.environ.get("NEWSROOM_REPLICA_URL", "")
NEWSROOM_REPLICA_RETRY_SECONDS = env_float("NEWSROOM_REPLICA_RETRY_SECONDS", 2.0)
if NEWSROOM_REPLICA_URL:
    _replica = dj_database_url.parse(NEWSROOM_REPLICA_URL)
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("NEWSROOM_REPLICA_URL must point at PostgreSQL.")
    DATABASES["replica"] = {
        **DATABASES["default"],
        **{k: _replica[k] for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "connect_timeout": 2},
        # Tests that make their own database use the primary's under this name.
        "TEST": {"MIRROR": "default"},
    }
    # Kept open per thread, not pooled: after an outage the pool would
    # reconnect with a growing backoff (1, 2, 4… s), while a request asks the
    # replica (infra/replica.py) at once when its retry time is up. That
    # first question on each request is the health check.
    DATABASES["replica"]["OPTIONS"].pop("pool", None)
    DATABASES["replica"]["CONN_MAX_AGE"] = env_int("NEWSROOM_REPLICA_CONN_MAX_AGE", 300)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = False
    DATABASE_ROUTERS = ["infra.replica.ReplicaRouter"]

CACHES = {"default": cache_from_url(os.environ.get("NEWSROOM_CACHE_URL", "locmem://"))}
# For each tag whose pages change with the clock, the function giving the
# latest and the next such moment (caching/tagversions.py): cached pages and
# edge lifetimes end when a scheduled story goes live ("lists") and when a
# front-page place starts or ends ("front"), a breaking-news banner starts or
# ends ("breaking").
CACHING_SCHEDULES = {
    "lists": "articles.invalidation.schedule",
    "front": "articles.invalidation.front_schedule",
    "breaking": "articles.invalidation.breaking_schedule",
    "most-read": "audience.views.most_read_schedule",  # remade every 5 minutes
}
# Parts of a page that change on their own, as edge includes (caching/
# includes.py): the path of each, and the function that renders it when the
# page cache assembles the page itself (no ESI-capable edge in front).
CACHING_INCLUDES = {
    "/breaking/": "articles.views.breaking_banner_html",
    "/most-read/": "audience.views.most_read_html",
}
# A Redis call waits at most this long; after a failure Redis is left alone
# for NEWSROOM_CACHE_RETRY_SECONDS (pages are served uncached meanwhile).
NEWSROOM_CACHE_TIMEOUT = env_float("NEWSROOM_CACHE_TIMEOUT", 0.25)
NEWSROOM_CACHE_RETRY_SECONDS = env_float("NEWSROOM_CACHE_RETRY_SECONDS", 1.0)

# Everything that makes a page differ from one visitor to another, in one
# place: the page cache (caching/pagecache.py) never serves or stores a page
# for a request carrying one of these cookies, and keys pages on the listed
# query parameters only (any other parameter, `?utm_source=…`, shares the
# page). An edge cache in front must follow the same lists.
SESSION_COOKIE_NAME = "sessionid"
COMMENTS_PENDING_COOKIE = "newsroom_pending_comments"  # own comments awaiting review
COMMENTS_AUTHOR_COOKIE = "newsroom_comment_author"  # "Save my name and email"
NEWSROOM_VISITOR_COOKIES = [
    SESSION_COOKIE_NAME,
    "messages",  # django.contrib.messages' cookie storage
    COMMENTS_PENDING_COOKIE,
    COMMENTS_AUTHOR_COOKIE,
]
# Reader pages set no CSRF cookie and carry no token: the public comment
# endpoint is protected by fetch metadata and Origin (infra/crossorigin.py);
# the admin and signed-in users keep Django's token.
NEWSROOM_PAGE_QUERY_PARAMS = [
    "page",  # listing pages
    "cpage",  # comment-thread pages
    "csort",  # their order (comments.templatetags.comments.SORTS)
    "replytocom",  # the reply form without JavaScript
    "p",  # WordPress's ?p=<id> links, redirected by wpimport
    "before",  # a live blog's older updates
    # The content API's lists (api/v1.py); `cursor` is signed, so each
    # page has one copy, not one per made-up value.
    "cursor",
    "section",
    "tag",
    "author",
    "language",
    "updated_since",
    "since",
]
# Page cache for anonymous readers (caching/pagecache.py).
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", True)
# A reader's search runs at most this long in PostgreSQL (its ranking
# statement); past it the page asks for other words. Bounds the worst case, a
# phrase of common words that is itself rare (every story checked).
NEWSROOM_SEARCH_TIMEOUT_MS = env_int("NEWSROOM_SEARCH_TIMEOUT_MS", 2000)
NEWSROOM_PAGE_CACHE_SECONDS = env_int("NEWSROOM_PAGE_CACHE_SECONDS", 300)
# Rendered fragments keyed by tag versions (caching/fragments.py), and the
# budget of each process's local copies of pages and fragments.
NEWSROOM_FRAGMENT_CACHE = env_bool("NEWSROOM_FRAGMENT_CACHE", True)
NEWSROOM_FRAGMENT_CACHE_SECONDS = env_int("NEWSROOM_FRAGMENT_CACHE_SECONDS", 3600)
NEWSROOM_PAGE_CACHE_LOCAL_MB = env_int("NEWSROOM_PAGE_CACHE_LOCAL_MB", 32)
# How long a process trusts its copy of a tag version: another server's
# invalidation reaches it within this bound (caching/tagversions.py).
NEWSROOM_VERSION_SECONDS = env_float("NEWSROOM_VERSION_SECONDS", 0.5)
NEWSROOM_CDN_MAX_AGE = env_int("NEWSROOM_CDN_MAX_AGE", 60)
# The article edit lock: an open form renews it every 20 s (admin JS); one
# not renewed for this long has lapsed (a closed laptop, a crashed browser).
NEWSROOM_EDIT_LOCK_SECONDS = env_int("NEWSROOM_EDIT_LOCK_SECONDS", 60)
# How often an open article form autosaves its unsaved changes (admin JS).
NEWSROOM_AUTOSAVE_SECONDS = env_int("NEWSROOM_AUTOSAVE_SECONDS", 5)
# Edge caches (Varnish with xkey) to purge by tag on every change, e.g.
# http://127.0.0.1:8080/ (caching/edge.py; make cluster sets it).
NEWSROOM_EDGE_PURGE_URLS = env_list("NEWSROOM_EDGE_PURGE_URLS")

# Argon2 first; older hashes are upgraded on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login lockout: 5 failures for one username from one IP → 15 minutes.
# And one address trying passwords across usernames (spraying): 30 failures
# from it, whatever the usernames, pause its logins for the same time
# (infra.middleware.LoginSprayMiddleware). Higher than the first, so five
# typos behind an office's shared address lock nobody else out.
AXES_FAILURE_LIMIT = env_int("NEWSROOM_LOGIN_FAILURE_LIMIT", 5)
NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT = env_int(
    "NEWSROOM_LOGIN_ADDRESS_FAILURE_LIMIT", 30
)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NEWSROOM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# The same client address as comments and rate limits (trusted proxies).
AXES_CLIENT_IP_CALLABLE = "infra.clientip.client_ip"

_PV = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_PV}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_PV}.MinimumLengthValidator"},
    {"NAME": f"{_PV}.CommonPasswordValidator"},
    {"NAME": f"{_PV}.NumericPasswordValidator"},
]

# The site's language (NEWSROOM_LANGUAGE): its words, its dates, and the
# default language of a new story. Readers may get their browser's language
# among LANGUAGES instead when NEWSROOM_LANGUAGE_FROM_BROWSER is on (the page
# cache then keeps one copy per language).
LANGUAGES = [
    ("en", "English"),
    ("pt-br", "Português (Brasil)"),
    ("es", "Español"),
]
LANGUAGE_CODE = os.environ.get("NEWSROOM_LANGUAGE", "en").strip().lower()
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"NEWSROOM_LANGUAGE={LANGUAGE_CODE!r} is not one of the site's languages: "
        + ", ".join(code for code, _ in LANGUAGES)
    )
NEWSROOM_LANGUAGE_FROM_BROWSER = env_bool("NEWSROOM_LANGUAGE_FROM_BROWSER", False)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
# A bare domain in a comment ("example.com") links to https://, not http://
# (Django 2028's default, chosen now).
URLIZE_ASSUME_HTTPS = True
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The body editor's own extension (static/admin/js/prose_image_guard.js,
# enabled in articles/html.py): images survive typing. It makes no HTML of
# its own, so it adds nothing to the sanitizer's allow-list.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("admin/js/prose_image_guard.js")],
        "extensions": {"ImageGuard": lambda config, allowlist: None},
    }
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Serve MEDIA_ROOT from Django: the dev runner and `make serve` turn it on; in
# production the reverse proxy or object storage serves media instead.
NEWSROOM_SERVE_MEDIA = env_bool("NEWSROOM_SERVE_MEDIA", DEBUG)

STORAGES = {
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Media. Two storages: "default" holds what is uploaded (originals keep their
# EXIF and GPS data; WordPress exports hold commenters' e-mails and IPs) and
# must never be public; "public" holds what readers load: the re-encoded
# renditions of images (articles/images.py). Locally both are MEDIA_ROOT.
# With NEWSROOM_S3_ENDPOINT_URL they are two buckets of an S3-compatible
# object store (`make cluster` starts SeaweedFS: scripts/objectstore): the
# private one reachable only with the keys (staff links are signed and
# expire), the public one readable by anyone, served to readers at
# NEWSROOM_MEDIA_PUBLIC_URL (the edge's /media/ in `make cluster`).
NEWSROOM_S3_ENDPOINT_URL = os.environ.get("NEWSROOM_S3_ENDPOINT_URL", "")
NEWSROOM_MEDIA_PUBLIC_URL = os.environ.get("NEWSROOM_MEDIA_PUBLIC_URL", "")
if NEWSROOM_S3_ENDPOINT_URL:
    _s3 = {
        "endpoint_url": NEWSROOM_S3_ENDPOINT_URL,
        "access_key": os.environ.get("NEWSROOM_S3_ACCESS_KEY_ID", ""),
        "secret_key": os.environ.get("NEWSROOM_S3_SECRET_ACCESS_KEY", ""),
        "region_name": os.environ.get("NEWSROOM_S3_REGION", "us-east-1"),
        "signature_version": "s3v4",
        "addressing_style": "path",
        "default_acl": None,  # the buckets' own rules decide who reads
    }
    if not _s3["access_key"] or not _s3["secret_key"]:
        raise ImproperlyConfigured(
            "NEWSROOM_S3_ENDPOINT_URL needs NEWSROOM_S3_ACCESS_KEY_ID and "
            "NEWSROOM_S3_SECRET_ACCESS_KEY."
        )
    _public = {
        **_s3,
        "bucket_name": os.environ.get("NEWSROOM_S3_PUBLIC_BUCKET", "newsroom-public"),
        "querystring_auth": False,
        "file_overwrite": True,  # a rendition made twice is the same file
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    if NEWSROOM_MEDIA_PUBLIC_URL:
        _media = urlsplit(NEWSROOM_MEDIA_PUBLIC_URL)
        _public["custom_domain"] = (_media.netloc + _media.path).rstrip("/")
        _public["url_protocol"] = f"{_media.scheme}:"
    _media_storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **_s3,
                "bucket_name": os.environ.get(
                    "NEWSROOM_S3_PRIVATE_BUCKET", "newsroom-private"
                ),
                "querystring_auth": True,
                "querystring_expire": 600,
                "file_overwrite": False,
            },
        },
        "public": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _public},
    }
else:
    # One folder on disk; only the public folders are served at MEDIA_URL
    # (newsroom.urls), and uploads' own addresses are the staff-only view's.
    _media_storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"base_url": "/admin/private-media/"},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"allow_overwrite": True},
        },
    }
STORAGES.update(_media_storages)
# A media job that met the storage unreachable runs again this much later.
NEWSROOM_MEDIA_RETRY_SECONDS = env_float("NEWSROOM_MEDIA_RETRY_SECONDS", 30)

# Audience (audience/, docs/audience.md): who counts views of stories and
# sections: "app" (this server's middleware; no edge in front), "edge" (the
# edge's log, read by `manage.py count_views`; `make cluster` sets it) or
# "off". Nothing about a reader is stored; see docs/audience.md.
NEWSROOM_AUDIENCE = os.environ.get("NEWSROOM_AUDIENCE", "app")
if NEWSROOM_AUDIENCE not in ("app", "edge", "off"):
    raise ImproperlyConfigured("NEWSROOM_AUDIENCE is app, edge or off.")
NEWSROOM_AUDIENCE_FLUSH_SECONDS = 10
NEWSROOM_AUDIENCE_REPEAT_SECONDS = 30 * 60  # one client's repeats count once
NEWSROOM_AUDIENCE_REPEAT_MEMORY = 1_000_000  # (address, page) pairs held at most
NEWSROOM_AUDIENCE_MINUTE_DAYS = 30  # per-minute counts kept, then per day
NEWSROOM_AUDIENCE_DAY_DAYS = 400  # per-day counts kept

# Periodic jobs, run by `manage.py run_schedule` (scripts/cluster supervises
# one; or a systemd timer per job: `run_schedule --job NAME`). Each job's last
# run and result are kept in NEWSROOM_SCHEDULE_STATE.
NEWSROOM_SCHEDULE = {
    # Decision e-mails due after the undo window; surges gone quiet.
    "desk-tick": {"every": 60, "command": ["comments_desk_tick"]},
    # Commenters' IP addresses blanked after COMMENTS_IP_RETENTION_DAYS.
    "purge-ips": {"every": 24 * 3600, "command": ["comments_purge_ips"]},
    # Per-minute view counts older than NEWSROOM_AUDIENCE_MINUTE_DAYS become
    # per-day counts; those older than NEWSROOM_AUDIENCE_DAY_DAYS go.
    "audience-rollup": {"every": 3600, "command": ["audience_rollup"]},
    # The media library's rights: published stories still showing a picture
    # whose licence has run out, e-mailed to the editors.
    "rights-report": {"every": 24 * 3600, "command": ["rights_report", "--mail"]},
    # Webhook deliveries due again after a failure (new events are sent at
    # once by a worker); old delivery rows deleted.
    "webhooks": {"every": 60, "command": ["deliver_webhooks"]},
    # Newsletter sign-ups never confirmed, forgotten after a week.
    "newsletter-tidy": {"every": 24 * 3600, "command": ["newsletter_tidy"]},
    # Deliveries a stopped worker left half-done (newsletters/sending.py).
    "newsletter-reconcile": {"every": 60, "command": ["newsletter_reconcile"]},
    # The morning briefing's draft at NEWSROOM_BRIEFING_TIME; scheduled sends.
    "newsletter-briefing": {"every": 300, "command": ["newsletter_briefing"]},
}
# A backup (scripts/backup: database and media) every N hours, the newest
# NEWSROOM_BACKUP_KEEP kept in var/backups; 0: none scheduled.
NEWSROOM_BACKUP_EVERY_HOURS = env_int("NEWSROOM_BACKUP_EVERY_HOURS", 0)
if NEWSROOM_BACKUP_EVERY_HOURS > 0:
    NEWSROOM_SCHEDULE["backup"] = {
        "every": NEWSROOM_BACKUP_EVERY_HOURS * 3600,
        "script": ["scripts/backup", "--keep", str(env_int("NEWSROOM_BACKUP_KEEP", 7))],
        "timeout": 6 * 3600,
    }
NEWSROOM_SCHEDULE_STATE = os.environ.get(
    "NEWSROOM_SCHEDULE_STATE", str(BASE_DIR / "var" / "schedule.json")
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail (Django 6.1 MAILERS). Tests swap in the locmem backend automatically.
_EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_EMAIL_OPTIONS = {}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": env_int("DJANGO_EMAIL_PORT", 25),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS. Off by default so plain-HTTP local runs work; production turns it on.
NEWSROOM_HTTPS = env_bool("NEWSROOM_HTTPS", False)
SECURE_SSL_REDIRECT = NEWSROOM_HTTPS
SESSION_COOKIE_SECURE = NEWSROOM_HTTPS
CSRF_COOKIE_SECURE = NEWSROOM_HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if NEWSROOM_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = NEWSROOM_HTTPS
SECURE_HSTS_PRELOAD = NEWSROOM_HTTPS
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of ours uses, off for every page (and for any
# script or frame that would reach one): infra.middleware. Only features
# Chromium knows (an unknown one is logged as an error in every page's
# console; tests/browser/test_page_checks.py checks there is none).
NEWSROOM_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera",
        "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
        "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip
# Staff password resets (articles/accounts.py): Django's one-use tokens, a
# day long; at most 3 e-mails an hour to one address, 10 requests an hour
# from one client address.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
NEWSROOM_PASSWORD_RESETS_PER_EMAIL = 3
NEWSROOM_PASSWORD_RESETS_PER_IP = 10
# Where a signed-in user lands when a login names no (or an unsafe) next page.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"


# Content-Security-Policy (Django 6): scripts only from our origin or with the
# per-request nonce; no inline scripts, no third-party anything.
def _media_origin() -> list[str]:
    """Where readers load media from, when it is not this site."""
    parts = urlsplit(NEWSROOM_MEDIA_PUBLIC_URL or NEWSROOM_S3_ENDPOINT_URL)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.netloc else []


SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", *_media_origin()],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Request size: bodies over these get 413 before they are read. Readers' posts
# (comments) are small; the admin uploads images; the WordPress import upload
# has its own, larger limit.
NEWSROOM_MAX_PUBLIC_REQUEST_BYTES = env_int(
    "NEWSROOM_MAX_PUBLIC_REQUEST_BYTES", 1024 * 1024
)
# The content API (api/middleware.py): requests a minute that reach the app
# (edge hits do not count), per key and, without a key, per client address;
# over it, 429 with Retry-After. Bodies sent to it are bounded by
# NEWSROOM_MAX_PUBLIC_REQUEST_BYTES.
NEWSROOM_API_KEY_PER_MINUTE = env_int("NEWSROOM_API_KEY_PER_MINUTE", 1200)
NEWSROOM_API_ADDRESS_PER_MINUTE = env_int("NEWSROOM_API_ADDRESS_PER_MINUTE", 300)
# Webhooks (api/webhooks.py): hosts a hook may target even though they
# resolve to a loopback, private or link-local address (none by default:
# the edge's purge port, the object store and Redis live there).
NEWSROOM_WEBHOOK_ALLOWED_HOSTS = [
    h.lower() for h in env_list("NEWSROOM_WEBHOOK_ALLOWED_HOSTS")
]
# The keys that encrypt stored secrets (webhooks'), comma-separated Fernet
# keys, the first one encrypting; unset: one derived from DJANGO_SECRET_KEY
# (set this to be free to rotate that one). api/secrets.py.
NEWSROOM_SECRETS_KEYS = env_list("NEWSROOM_SECRETS_KEYS")
# DKIM signing of newsletter and comment mail (infra/mail.py): a selector
# and a PEM private key file; both empty: unsigned.
NEWSROOM_DKIM_SELECTOR = os.environ.get("NEWSROOM_DKIM_SELECTOR", "")
NEWSROOM_DKIM_KEY_FILE = os.environ.get("NEWSROOM_DKIM_KEY_FILE", "")
# The MTA's log (Postfix's), read to settle a newsletter delivery whose
# worker stopped between the MTA's acceptance and the row's update
# (newsletters/sending.py); make cluster sets it.
NEWSROOM_MTA_LOG = os.environ.get("NEWSROOM_MTA_LOG", "")
# A delivery claimed longer ago than this is no longer being sent by a live
# worker (one message takes at most the SMTP timeout).
NEWSROOM_NEWSLETTER_CLAIM_SECONDS = env_int("NEWSROOM_NEWSLETTER_CLAIM_SECONDS", 120)
# The morning briefing's draft is composed at this local time (HH:MM), for
# an editor to send or schedule; breaking alerts a list may get a day.
NEWSROOM_BRIEFING_TIME = os.environ.get("NEWSROOM_BRIEFING_TIME", "06:30")
NEWSROOM_ALERTS_PER_DAY = env_int("NEWSROOM_ALERTS_PER_DAY", 3)
# Newsletter sign-ups a client address may make in an hour (newsletters/).
NEWSROOM_SIGNUPS_PER_HOUR = env_int("NEWSROOM_SIGNUPS_PER_HOUR", 10)
NEWSROOM_MAX_REQUEST_BYTES = env_int("NEWSROOM_MAX_REQUEST_BYTES", 12 * 1024 * 1024)
NEWSROOM_MAX_IMPORT_BYTES = env_int("NEWSROOM_MAX_IMPORT_BYTES", 1024**3)
# Uploaded images: size and pixel limits (decompression bombs).
NEWSROOM_MAX_IMAGE_BYTES = env_int("NEWSROOM_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
NEWSROOM_MAX_IMAGE_PIXELS = env_int("NEWSROOM_MAX_IMAGE_PIXELS", 40_000_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}

# Background tasks (django.tasks). "immediate" runs them in the web process
# right after the transaction commits; "database" queues them in PostgreSQL
# for `manage.py db_worker` (production).
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = os.environ.get("NEWSROOM_TASKS_BACKEND", "immediate")
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        "NEWSROOM_TASKS_BACKEND must be 'immediate' or 'database', "
        f"not {_tasks_backend!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

# Comments and moderation (see README, "Comment moderation").
NEWSROOM_BASE_URL = os.environ.get("NEWSROOM_BASE_URL", "")
NEWSROOM_MODERATOR_EMAILS = env_list("NEWSROOM_MODERATOR_EMAILS")
# At most one moderation e-mail per this many seconds (a digest of the rest).
COMMENTS_NOTIFY_SECONDS = env_int("COMMENTS_NOTIFY_SECONDS", 300)
# Only behind a proxy you control: e.g. HTTP_X_FORWARDED_FOR.
# Networks of the proxies in front of the app (the edge, load balancers):
# the client is the right-most X-Forwarded-For address outside them
# (infra.clientip). Empty: REMOTE_ADDR is the client.
NEWSROOM_TRUSTED_PROXIES = env_list("NEWSROOM_TRUSTED_PROXIES")
for _network in NEWSROOM_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"NEWSROOM_TRUSTED_PROXIES: {_network!r} is not an address or a "
            "network (e.g. 10.0.0.0/8)"
        ) from None
# The moderation policy (flood window, rate, links, words, surge guard,
# quiet hours, auto-close, undo) is set in the admin: Comments › Moderation
# settings (comments.ModerationSettings). Its migration copied the
# COMMENTS_* variables a site ran with; start-up warns if one is still set
# (comments/checks.py: MOVED_TO_ADMIN).
# A form sent back sooner than this after it was rendered waits for a
# moderator (maybe a bot); 0 for load tests and drills.
COMMENTS_MIN_SUBMIT_SECONDS = env_int("COMMENTS_MIN_SUBMIT_SECONDS", 3)
COMMENTS_IP_STORAGE = os.environ.get("COMMENTS_IP_STORAGE", "full")
if COMMENTS_IP_STORAGE not in {"full", "truncated", "none"}:
    raise ImproperlyConfigured(
        "COMMENTS_IP_STORAGE must be 'full', 'truncated' or 'none'."
    )
COMMENTS_IP_RETENTION_DAYS = env_int("COMMENTS_IP_RETENTION_DAYS", 30)
COMMENTS_PER_PAGE = env_int("COMMENTS_PER_PAGE", 50)
# A moderator's claim on the comments of the queue page they opened.
COMMENTS_CLAIM_SECONDS = 300
# How long a rendered comment thread is kept (it is dropped on moderation anyway).
COMMENTS_THREAD_CACHE_SECONDS = env_int("COMMENTS_THREAD_CACHE_SECONDS", 600)
