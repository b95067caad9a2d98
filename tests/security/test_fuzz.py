"""No 500 on odd addresses or filters: every URL pattern's converters and
every admin list filter are fed odd values; each answer is a 2xx-4xx."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

ODD = {
    "int": ["0", "9999999999", "99999999999999999999", "9223372036854775808"],
    "dd": ["00", "13", "99"],
    "uslug": ["x", "a" * 600, "ñandú-日本", "-"],
    "slug": ["x", "a" * 600, "-"],
    "str": ["x", "%00", "%ff%fe", "a" * 600, "..%2f..%2fetc"],
    "path": [
        "x",
        "0",
        "../../etc/passwd",
        "%00",
        "a/" * 40,
        "%2e%2e/x",
        "99999999999999999999",
    ],
    None: ["x", "%00", "9" * 30],  # <name> without a converter: str
}
SEGMENT = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def routes(patterns=None, prefix=""):
    """Every route of the site as written (`<int:pk>` and all)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def odd_addresses():
    addresses = set()
    for route in routes():
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<path>\.\*\)", "<path:path>", route)  # media
        if "(?P" in route:
            continue  # the admin's app index and catch-all: no converter
        converters = [m["converter"] for m in SEGMENT.finditer(route)]
        if not converters:
            continue
        for i in range(max(len(ODD[c]) for c in converters)):

            def odd(match, i=i):
                values = ODD[match["converter"]]
                return values[i % len(values)]

            addresses.add("/" + SEGMENT.sub(odd, route))
    return sorted(addresses)


@pytest.fixture
def site(roles):
    article = ArticleFactory()
    CommentFactory(article=article, pending=True)
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def assert_no_server_error(client, method, url, **data):
    response = getattr(client, method)(url, data or None)
    assert response.status_code < 500, (method, url, data, response.status_code)


def test_odd_values_in_every_url_pattern_are_never_a_500(site):
    addresses = odd_addresses()
    assert len(addresses) > 150  # the walk found the site's patterns
    assert "/9999999999/13/13/x/" in addresses or any(
        a.startswith("/9999999999/") for a in addresses
    )
    anonymous, staff = Client(), Client()
    staff.force_login(site)
    for url in addresses:
        assert_no_server_error(anonymous, "get", url)
        assert_no_server_error(anonymous, "post", url)
        assert_no_server_error(staff, "get", url)


def test_the_article_address_with_a_year_past_any_calendar_is_404(client):
    assert client.get("/9999999999/12/04/x/").status_code == 404


ODD_FILTER_VALUES = ["xyz", "", "-1", "9" * 30, "%00", "2026-13-45", "1,2,x"]
LOOKUPS = ["", "__exact", "__gte", "__lt", "__in", "__isnull", "__id__exact"]


def changelists():
    for model in apps.get_models():
        model_admin = (
            admin.site.get_model_admin(model)
            if admin.site.is_registered(model)
            else None
        )
        if model_admin is None:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        names = set()
        for spec in model_admin.list_filter:
            field = spec[0] if isinstance(spec, tuple) else spec
            if isinstance(field, str):
                names.add(field)
            else:  # a SimpleListFilter: its own parameter
                names.add(field.parameter_name)
        if model_admin.date_hierarchy:
            hierarchy = model_admin.date_hierarchy
            names |= {f"{hierarchy}__year", f"{hierarchy}__month", f"{hierarchy}__day"}
        yield url, sorted(names)


def test_odd_admin_filter_values_are_never_a_500(site):
    client = Client()
    client.force_login(site)
    seen = 0
    for url, names in changelists():
        for general in ({"o": "x.y"}, {"p": "-1"}, {"q": "\x00"}, {"all": "x"}):
            assert_no_server_error(client, "get", url, **general)
        for name in names:
            for lookup in LOOKUPS if "__" not in name else [""]:
                for value in ODD_FILTER_VALUES:
                    assert_no_server_error(client, "get", url, **{name + lookup: value})
                    seen += 1
        if url == "/admin/articles/auditentry/":
            export = url + "export.csv"
            for name in names:
                for value in ODD_FILTER_VALUES:
                    assert_no_server_error(client, "get", export, **{name: value})
    assert seen > 100
