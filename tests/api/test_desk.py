"""API keys and the desk's writes (/api/v1/desk/): keys issued in the admin
(shown once, kept as a digest, revocable, last use noted), the permission
grid of roles and story states, each write endpoint going through the
admin's services (sanitizer, workflow, versions, audit entries naming the
key, invalidation), keyed answers kept private, rate limits and bounded
bodies."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api import services as api_services
from api.models import ApiKey
from articles.models import Article, ArticleRevision, AuditEntry, Correction
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def keys(roles):
    admin = UserFactory(is_staff=True, is_superuser=True)
    made = {}
    for role in ApiKey.Role.values:
        key, token = api_services.api_key_issue(
            name=f"{role} tool", role=role, by=admin
        )
        made[role] = (key, token)
    return made


def call(method, path, token=None, body=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = Client()
    kwargs = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(path, **kwargs)


# -- keys -------------------------------------------------------------------


def test_a_key_is_kept_as_a_digest_and_works_until_revoked(keys):
    key, token = keys["editor"]
    assert token not in json.dumps(
        list(ApiKey.objects.values("name", "prefix", "digest"))
    )
    assert key.digest == ApiKey.digest_of(token) and len(key.digest) == 64
    assert call("get", "/api/v1/desk/stories", token).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_from == "127.0.0.1"

    api_services.api_key_revoke(key=key, by=None)
    refused = call("get", "/api/v1/desk/stories", token)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert not key.user.groups.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nr_0123456789_wrong",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "nr_0123456789_nothing",
    ],
)
def test_a_bad_authorization_is_refused_even_on_public_routes(keys, header):
    response = Client().get("/api/v1/stories", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_the_key_only_travels_in_the_authorization_header(keys):
    _, token = keys["editor"]
    assert call("get", f"/api/v1/desk/stories?key={token}").status_code == 401
    cookie = Client()
    cookie.cookies["Authorization"] = f"Bearer {token}"
    assert cookie.get("/api/v1/desk/stories").status_code == 401


def test_issuing_in_the_admin_shows_the_key_once(client, roles):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/api/apikey/add/", {"name": "AFP wire ingest", "role": "journalist"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    token = page.split("Authorization: Bearer ")[1].split("<")[0].strip()
    key = ApiKey.objects.get(name="AFP wire ingest")
    assert key.digest == ApiKey.digest_of(token)
    assert key.user.groups.get().name == "Journalist"
    assert not key.user.has_usable_password() and not key.user.is_staff
    # The key's page never shows it again.
    again = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert token not in again and key.prefix in again
    assert AuditEntry.objects.filter(action="issue API key").exists()

    # Revoked from the list; the key stops working.
    client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert call("get", "/api/v1/desk/stories", token).status_code == 401


def test_only_someone_who_publishes_issues_an_editors_key(client, roles):
    staff = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_apikey", "view_apikey"])
    )
    client.force_login(staff)
    response = client.post("/admin/api/apikey/add/", {"name": "x", "role": "editor"})
    assert "Only someone who may publish" in response.content.decode()
    assert not ApiKey.objects.exists()


# -- the permission grid ----------------------------------------------------


@pytest.fixture
def grid(keys):
    journalist_key = keys["journalist"][0]
    colleague = UserFactory(is_staff=True)
    return {
        "published": ArticleFactory(
            title="Out", published_at=NOW - datetime.timedelta(hours=1)
        ),
        "embargoed": ArticleFactory(
            title="Embargoed", published_at=NOW + datetime.timedelta(hours=3)
        ),
        "colleague's draft": ArticleFactory(
            title="Their draft", draft=True, created_by=colleague
        ),
        "own draft": ArticleFactory(
            title="Own draft", draft=True, created_by=journalist_key.user
        ),
    }


# (role, state) -> status of GET /desk/stories/{id}; None: no key.
READ_GRID = {
    None: {"published": 401, "embargoed": 401, "colleague's draft": 401},
    "partner": {"published": 403, "embargoed": 403, "own draft": 403},
    "journalist": {
        "published": 200,
        "embargoed": 404,
        "colleague's draft": 404,
        "own draft": 200,
    },
    "editor": {
        "published": 200,
        "embargoed": 200,
        "colleague's draft": 200,
        "own draft": 200,
    },
}


@pytest.mark.parametrize("role", list(READ_GRID))
def test_who_reads_which_story(grid, keys, role):
    token = keys[role][1] if role else None
    for state, expected in READ_GRID[role].items():
        article = grid[state]
        response = call("get", f"/api/v1/desk/stories/{article.pk}", token)
        assert response.status_code == expected, (role, state)
        if expected != 200:
            assert article.title not in response.content.decode()
    if role in ("journalist", "editor"):
        listed = {
            s["title"]
            for s in call("get", "/api/v1/desk/stories", token).json()["results"]
        }
        expected_titles = {
            grid[s].title for s, code in READ_GRID[role].items() if code == 200
        }
        assert listed == expected_titles


@pytest.mark.parametrize("role", ["partner", "journalist", "editor"])
def test_a_key_on_the_public_routes_sees_what_readers_see(grid, keys, role):
    token = keys[role][1]
    listed = call("get", "/api/v1/stories", token)
    assert [s["title"] for s in listed.json()["results"]] == ["Out"]
    assert "private" in listed["Cache-Control"]
    assert "Authorization" in listed["Vary"]
    assert (
        call("get", f"/api/v1/stories/{grid['own draft'].pk}", token).status_code == 404
    )


def test_keyed_answers_are_never_kept_by_the_page_cache(grid, keys, settings):
    settings.NEWSROOM_PAGE_CACHE = True
    token = keys["editor"][1]
    first = call("get", "/api/v1/stories", token)
    assert "X-Page-Cache" not in first
    public = call("get", "/api/v1/stories")
    assert "private" not in public.get("Cache-Control", "")


# -- writes -----------------------------------------------------------------


STORY = {
    "title": "Chip maker opens a plant <b>today</b>",
    "standfirst": "Two thousand jobs.",
    "body_html": '<p>Hello <script>alert(1)</script><a href="javascript:x">x</a></p>',
    "tags": ["Chips", "chips", "Économie"],
    "source": {"name": "AFP", "url": "https://www.afp.com/"},
}


def test_a_journalists_key_creates_and_edits_its_own_draft(keys, roles):
    key, token = keys["journalist"]
    section = SectionFactory(slug="tech")
    response = call("post", "/api/v1/desk/stories", token, {**STORY, "section": "tech"})
    assert response.status_code == 201, response.content
    story = response.json()
    assert story["status"] == "draft" and not story["public"]
    assert response["Location"].endswith(f"/api/v1/desk/stories/{story['id']}")
    article = Article.objects.get(pk=story["id"])
    # The sanitizer ran: no script, no javascript: link.
    assert "<script" not in article.body and "javascript:" not in article.body
    assert article.section == section and article.created_by == key.user
    assert sorted(t.name for t in article.tags.all()) == ["Chips", "Économie"]
    assert article.source_name == "AFP"
    assert ArticleRevision.objects.filter(article=article).count() == 1
    entry = AuditEntry.objects.get(action="create", object_id=str(article.pk))
    assert entry.actor == key.user and key.name in entry.detail["via"]

    etag = response["ETag"]
    changed = call(
        "patch",
        f"/api/v1/desk/stories/{article.pk}",
        token,
        {"standfirst": "Three thousand jobs."},
        **{"If-Match": etag},
    )
    assert changed.status_code == 200
    assert changed.json()["standfirst"] == "Three thousand jobs."
    assert changed.json()["title"] == STORY["title"]  # unsent fields stay
    # The old ETag is stale now: a second write with it is refused.
    stale = call(
        "patch",
        f"/api/v1/desk/stories/{article.pk}",
        token,
        {"standfirst": "Lost"},
        **{"If-Match": etag},
    )
    assert stale.status_code == 412
    assert Article.objects.get(pk=article.pk).standfirst == "Three thousand jobs."
    assert ArticleRevision.objects.filter(article=article).count() == 2
    # Submitted for review: allowed; published: never.
    review = call(
        "patch", f"/api/v1/desk/stories/{article.pk}", token, {"status": "in_review"}
    )
    assert review.json()["status"] == "in_review"
    for attempt in (
        ("patch", f"/api/v1/desk/stories/{article.pk}", {"status": "published"}),
        ("post", f"/api/v1/desk/stories/{article.pk}/publish", {}),
    ):
        refused = call(attempt[0], attempt[1], token, attempt[2])
        assert refused.status_code == 403, attempt
    assert Article.objects.get(pk=article.pk).status == "in_review"


def test_a_journalists_key_cannot_touch_others_or_published_stories(grid, keys):
    token = keys["journalist"][1]
    theirs = grid["colleague's draft"]
    assert (
        call(
            "patch", f"/api/v1/desk/stories/{theirs.pk}", token, {"title": "x"}
        ).status_code
        == 404
    )
    out = grid["published"]
    assert (
        call(
            "patch", f"/api/v1/desk/stories/{out.pk}", token, {"title": "x"}
        ).status_code
        == 403
    )
    own_published = ArticleFactory(created_by=keys["journalist"][0].user)
    refused = call(
        "patch", f"/api/v1/desk/stories/{own_published.pk}", token, {"title": "x"}
    )
    assert refused.status_code == 403
    assert (
        call("post", f"/api/v1/desk/stories/{out.pk}/unpublish", token).status_code
        == 403
    )
    assert Article.objects.get(pk=out.pk).title == "Out"


def test_an_editors_key_publishes_schedules_unpublishes_and_corrects(
    keys, django_capture_on_commit_callbacks
):
    key, token = keys["editor"]
    SectionFactory(slug="tech")
    AuthorProfileFactory(slug="ana", display_name="Ana")

    def committed(*args):
        # Each request's transaction commits: its invalidation is sent.
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args)

    made = committed(
        "post",
        "/api/v1/desk/stories",
        token,
        {**STORY, "section": "tech", "authors": ["ana"]},
    ).json()
    pk = made["id"]
    assert made["authors"] == ["ana"]
    assert call("get", f"/api/v1/stories/{pk}").status_code == 404
    published = committed("post", f"/api/v1/desk/stories/{pk}/publish", token, {})
    assert published.status_code == 200 and published.json()["public"]
    assert call("get", f"/api/v1/stories/{pk}").json()["title"] == STORY["title"]
    assert AuditEntry.objects.filter(action="publish", actor=key.user).exists()

    corrected = committed(
        "post",
        f"/api/v1/desk/stories/{pk}/corrections",
        token,
        {"note": "Jobs: 3,000."},
    )
    assert corrected.status_code == 201
    assert Correction.objects.get(article_id=pk).note == "Jobs: 3,000."
    # The public API shows it on the next request (the invalidation point).
    public = call("get", f"/api/v1/stories/{pk}").json()
    assert public["corrections"][0]["note"] == "Jobs: 3,000."

    unpublished = committed("post", f"/api/v1/desk/stories/{pk}/unpublish", token)
    assert unpublished.status_code == 200
    assert call("get", f"/api/v1/stories/{pk}").status_code == 410

    later = (NOW + datetime.timedelta(days=1)).isoformat()
    scheduled = committed(
        "post", f"/api/v1/desk/stories/{pk}/publish", token, {"at": later}
    )
    assert scheduled.status_code == 200
    assert AuditEntry.objects.filter(action="schedule", object_id=str(pk)).exists()
    assert call("get", f"/api/v1/stories/{pk}").status_code == 404


def test_bad_writes_answer_problems_and_save_nothing(keys):
    token = keys["editor"][1]
    cases = [
        ({"standfirst": "no title"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "section": "nowhere"}, "section"),
        ({"title": "ok", "authors": ["nobody"]}, "authors"),
        ({"title": "ok", "status": "gone"}, "status"),
        (
            {"title": "ok", "source": {"name": "A", "url": "javascript:alert(1)"}},
            "source_url",
        ),
        ({"title": "ok", "language": "xx-nope"}, "language"),
        ({"title": "ok", "status": "published"}, "section"),  # needs a section
    ]
    for body, field in cases:
        response = call("post", "/api/v1/desk/stories", token, body)
        assert response.status_code == 422, (body, response.content)
        problem = response.json()
        assert response["Content-Type"] == "application/problem+json"
        assert any(field in json.dumps(e["loc"]) for e in problem["errors"]), (
            body,
            problem,
        )
    not_json = Client().post(
        "/api/v1/desk/stories",
        data="{oops",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert not_json.status_code in (400, 422)
    assert not_json["Content-Type"] == "application/problem+json"
    assert not Article.objects.exists()
    assert not ArticleRevision.objects.exists()


def test_the_same_agency_item_makes_one_story(keys):
    token = keys["journalist"][1]
    body = {**STORY, "external_id": "afp:urn:newsml:afp.com:20261206:abc"}
    first = call("post", "/api/v1/desk/stories", token, body)
    second = call("post", "/api/v1/desk/stories", token, {**body, "title": "Other"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Article.objects.get().title == STORY["title"]


# -- limits -----------------------------------------------------------------


def test_rate_limits_per_key_and_per_address(keys, settings):
    settings.NEWSROOM_API_KEY_PER_MINUTE = 3
    settings.NEWSROOM_API_ADDRESS_PER_MINUTE = 2
    cache.clear()
    token = keys["partner"][1]
    answers = [call("get", "/api/v1/sections", token).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    anonymous = [call("get", "/api/v1/sections").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]
    refused = call("get", "/api/v1/sections")
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert refused.json()["status"] == 429
    # Another key has its own count; guessing keys uses the address's.
    assert call("get", "/api/v1/sections", keys["editor"][1]).status_code == 200
    assert call("get", "/api/v1/sections", "nr_0123456789_guess").status_code == 429


def test_client_address_behind_a_trusted_proxy(keys, settings):
    settings.NEWSROOM_API_ADDRESS_PER_MINUTE = 1
    settings.NEWSROOM_TRUSTED_PROXIES = ["127.0.0.1/32"]
    cache.clear()

    def from_(address):
        return (
            Client()
            .get("/api/v1/sections", headers={"X-Forwarded-For": address})
            .status_code
        )

    assert [from_("203.0.113.5"), from_("203.0.113.5")] == [200, 429]
    assert from_("198.51.100.7") == 200  # another reader, its own count
    # A forged left-most entry does not make a new client.
    assert from_("1.2.3.4, 203.0.113.5") == 429


def test_request_bodies_are_bounded(keys, settings):
    settings.NEWSROOM_MAX_PUBLIC_REQUEST_BYTES = 1000
    token = keys["editor"][1]
    response = call(
        "post", "/api/v1/desk/stories", token, {"title": "x", "body_html": "y" * 2000}
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert not Article.objects.exists()


def test_a_key_issued_from_the_command_line(roles):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "issue_api_key",
        "Wire desk",
        "--role",
        "journalist",
        stdout=out,
        stderr=StringIO(),
    )
    token = out.getvalue().strip()
    key = ApiKey.objects.get(name="Wire desk")
    assert key.digest == ApiKey.digest_of(token) and key.role == "journalist"
    assert call("get", "/api/v1/desk/stories", token).status_code == 200
    with pytest.raises(CommandError, match="exists"):
        call_command("issue_api_key", "Wire desk", stdout=StringIO(), stderr=StringIO())


def test_every_error_is_a_problem_document(keys, monkeypatch, caplog):
    wrong_method = Client().delete("/api/v1/stories")
    assert wrong_method.status_code == 405
    assert wrong_method["Content-Type"] == "application/problem+json"
    assert "GET" in wrong_method["Allow"] and wrong_method.json()["status"] == 405

    from api import present

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(present, "story_summary", broken)
    ArticleFactory()
    crashed = Client().get("/api/v1/stories")
    assert crashed.status_code == 500
    assert crashed["Content-Type"] == "application/problem+json"
    assert "secret detail" not in crashed.content.decode()
    assert "secret detail of a bug" in caplog.text  # logged for us


def test_a_limit_of_zero_counts_nothing(keys, settings):
    settings.NEWSROOM_API_ADDRESS_PER_MINUTE = 0
    cache.clear()
    assert {call("get", "/api/v1/sections").status_code for _ in range(5)} == {200}


def test_rate_limits_count_in_redis_too(keys, settings, redis_cache):
    """With the site's Redis backend: one round trip a request."""
    settings.NEWSROOM_API_ADDRESS_PER_MINUTE = 2
    answers = [call("get", "/api/v1/sections").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
