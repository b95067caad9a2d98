#!/usr/bin/env python3
"""Which library for the content API (#33): Django REST framework or Django
Ninja, measured on the same job (not a test; figures in docs/benchmarks.md).

One GET answering 20 stories (id, title, slug, standfirst, address,
section, dates, language) as JSON, the stories already loaded (the database
costs both the same), called in-process without middleware: what each
library adds to a request. Needs both installed:

    .venv/bin/pip install djangorestframework django-ninja
    DATABASE_URL=postgres://… .venv/bin/python scripts/api_libraries.py
"""

import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "api-libraries-measure-only-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()
from django.test import RequestFactory  # noqa: E402

from articles.models import Article  # noqa: E402

STORIES = list(
    Article.objects.published()
    .select_related("section")
    .order_by("-published_at", "-pk")[:20]
)


def drf_view():
    from rest_framework import serializers
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class SectionOut(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        slug = serializers.CharField()

    class StoryOut(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        slug = serializers.CharField()
        standfirst = serializers.CharField()
        url = serializers.CharField(source="get_absolute_url")
        section = SectionOut()
        published_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()
        language = serializers.CharField()

    class Stories(APIView):
        authentication_classes = []
        permission_classes = []

        def get(self, request):
            return Response({"results": StoryOut(STORIES, many=True).data})

    view = Stories.as_view()

    def call(request):
        response = view(request)
        response.render()
        return response.content

    return call


def ninja_view():
    from ninja import NinjaAPI, Schema
    from ninja.testing import TestClient

    class SectionOut(Schema):
        id: int
        name: str
        slug: str

    class StoryOut(Schema):
        id: int
        title: str
        slug: str
        standfirst: str
        url: str
        section: SectionOut
        published_at: datetime
        updated_at: datetime
        language: str

        @staticmethod
        def resolve_url(story):
            return story.get_absolute_url()

    class Page(Schema):
        results: list[StoryOut]

    api = NinjaAPI(urls_namespace="measure")

    @api.get("/stories", response=Page)
    def stories(request):
        return {"results": STORIES}

    client = TestClient(api)

    def call(request):
        return client.get("/stories").content

    return call


def measure(call, runs=2000) -> tuple[float, int]:
    request = RequestFactory().get("/api/v1/stories")
    body = call(request)
    for _ in range(200):  # warm
        call(request)
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs // 5):
            call(request)
        rounds.append((time.perf_counter() - started) / (runs // 5))
    return statistics.median(rounds) * 1e6, len(body)


def main():
    print(f"{len(STORIES)} stories a response, in-process, median of 5 rounds")
    libraries = (("Django REST framework", drf_view), ("Django Ninja", ninja_view))
    for name, make in libraries:
        try:
            call = make()
        except ImportError as missing:
            print(f"{name}: not installed ({missing})")
            continue
        micros, size = measure(call)
        print(f"{name}: {micros:,.0f} µs a request ({size:,} bytes)")


if __name__ == "__main__":
    main()
