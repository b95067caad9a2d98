"""Bulk data for performance work: many articles and comments, via COPY.

    manage.py seed_bulk --articles 100000 --comments 1000000

Shapes: 10 sections, 50 authors, 200 tags; ~95 % of articles published (the
rest drafts or scheduled); a few stories with 2,000+ comments; about a third of
comments are replies (three levels); 10 % pending, ~5 % spam. Refuses to run on
a database that already has articles unless --add is given.

It lives in `comments` because it writes both apps' tables (comments may
import articles, never the reverse).
"""

import json
import random
import sys
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from articles.models import (
    Article,
    AuthorProfile,
    LibraryImage,
    Section,
    Tag,
    site_language,
)
from comments.counts import comment_counts_refresh
from comments.models import MAX_DEPTH

WORDS = (
    "phone camera chip launch review battery lens sensor satellite orbit studio "
    "console update network model research market price design screen leica "
    "xiaomi quantum rocket planet telescope software security privacy cloud"
).split()


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


class Progress:
    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.start = label, total, 0, time.time()
        self.interactive = sys.stderr.isatty()

    def step(self, n: int = 1) -> None:
        self.done += n
        steps = 50 if self.interactive else 10
        if self.done == self.total or self.done % max(1, self.total // steps) < n:
            width = 30
            filled = width * self.done // max(1, self.total)
            end = "\n" if self.done >= self.total or not self.interactive else ""
            sys.stderr.write(
                f"\r{self.label:<9} [{'#' * filled}{'-' * (width - filled)}] "
                f"{self.done}/{self.total} {time.time() - self.start:5.1f}s{end}"
            )
            sys.stderr.flush()


class Command(BaseCommand):
    help = "Fill the database with bulk articles and comments (COPY)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument(
            "--images",
            type=int,
            default=None,
            help="library pictures (default: as many as articles); every "
            "third article shows one",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--add", action="store_true", help="add to a database that has articles"
        )

    def handle(self, *args, articles, comments, seed, add, images=None, **options):
        if Article.objects.exists() and not add:
            raise CommandError(
                "The database already has articles; use --add to add bulk data."
            )
        rng = random.Random(seed)
        started = time.time()
        with transaction.atomic():
            sections, authors, tags = self.reference_data(rng)
            keys = self.copy_library(rng, articles if images is None else images)
            article_ids, published = self.copy_articles(
                rng, articles, sections, authors, tags, keys
            )
            self.copy_comments(rng, comments, published)
            self.reset_sequences()
            comment_counts_refresh(full=True)  # the cards' counts
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"Seeded {len(article_ids)} articles and {comments} comments in "
            f"{time.time() - started:.0f} s."
        )

    def reference_data(self, rng):
        sections = [
            Section.objects.get_or_create(
                slug=f"bulk-section-{i}",
                defaults={"name": f"Bulk section {i}", "position": 50 + i},
            )[0].pk
            for i in range(10)
        ]
        User = get_user_model()
        authors = []
        for i in range(50):
            user, _ = User.objects.get_or_create(username=f"bulk-author-{i}")
            profile, _ = AuthorProfile.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": f"Bulk Author {i}",
                    "slug": f"bulk-author-{i}",
                    "bio": words(rng, 20),
                },
            )
            authors.append(profile.pk)
        tags = [
            Tag.objects.get_or_create(
                slug=f"bulk-tag-{i}", defaults={"name": f"Bulk tag {i}"}
            )[0].pk
            for i in range(200)
        ]
        return sections, authors, tags

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
            return cursor.fetchone()[0]

    def copy_library(self, rng, count) -> list[str]:
        """Library pictures with their credit and rights (no files: their
        renditions' addresses lead nowhere; the grid and the search are
        what is measured)."""
        first = self.next_id("articles_libraryimage")
        now = timezone.now()
        keys = []
        licences = [c for c, _ in LibraryImage.Licence.choices]
        progress = Progress("pictures", count)
        columns = (
            "id, key, file, width, height, file_size, title, alt, caption, credit, "
            "source, licence, licence_expires_on, tags, language, created_at, "
            "focal_x, focal_y, renditions"
        )
        language = site_language()
        with connection.cursor() as cursor:
            with cursor.copy(
                f"COPY articles_libraryimage ({columns}) FROM STDIN"
            ) as copy:
                for n in range(count):
                    pk = first + n
                    key = f"{pk:020x}"
                    keys.append(key)
                    base = f"renditions/{key}"
                    renditions = {
                        "width": 1600,
                        "height": 1067,
                        "webp": [[f"{base}/{w}.webp", w] for w in (320, 640, 1600)],
                        "fallback": [[f"{base}/{w}.jpg", w] for w in (320, 640, 1600)],
                        "fallback_type": "image/jpeg",
                    }
                    expires = None
                    if n % 20 == 0:
                        expires = timezone.localdate() + timedelta(
                            days=rng.randint(-60, 365)
                        )
                    copy.write_row(
                        (
                            pk,
                            key,
                            f"library/bulk-{pk}.jpg",
                            4000,
                            2667,
                            rng.randint(800_000, 6_000_000),
                            f"Bulk picture {pk}: {words(rng, 5)}",
                            words(rng, 8),
                            words(rng, 12),
                            f"Photographer {n % 300}",
                            rng.choice(("Reuters", "AP", "AFP", "Staff", "")),
                            rng.choice(licences),
                            expires,
                            ", ".join(rng.sample(WORDS, 3)),
                            language,
                            now - timedelta(minutes=7 * (count - n)),
                            0.5,
                            0.5,
                            json.dumps(renditions),
                        )
                    )
                    progress.step()
        return keys

    def copy_articles(self, rng, count, sections, authors, tags, keys=()):
        now = timezone.now()
        first = self.next_id("articles_article")
        ids, published = [], []
        progress = Progress("articles", count)
        columns = (
            "id, title, slug, standfirst, body, body_text, featured_image, "
            "featured_image_renditions, featured_image_alt, featured_image_caption, "
            "featured_image_credit, section_id, source_name, source_url, status, "
            "published_at, pub_date, created_at, updated_at, "
            "comments_open, language, body_image, image_keys"
        )
        language = site_language()
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY articles_article ({columns}) FROM STDIN") as copy:
                for n in range(count):
                    pk = first + n
                    roll = rng.random()
                    at = now - timedelta(minutes=5 * (count - n))
                    status = "published"
                    if roll < 0.03:
                        status, at = "draft", None
                    elif roll < 0.05:
                        at = now + timedelta(days=rng.randint(1, 30))
                    paragraphs = [words(rng, 40) for _ in range(5)]
                    body = "".join(f"<p>{p}</p>" for p in paragraphs)
                    copy.write_row(
                        (
                            pk,
                            f"Bulk story {pk}: {words(rng, 6)}",
                            f"bulk-story-{pk}",
                            words(rng, 20),
                            body,
                            "\n".join(paragraphs),
                            "",
                            "{}",
                            "",
                            "",
                            "",
                            rng.choice(sections),
                            "Tec Mundo" if n % 4 == 0 else "",
                            "https://www.tecmundo.com.br/" if n % 4 == 0 else "",
                            status,
                            at,
                            timezone.localdate(at) if at else None,
                            now,
                            at or now,
                            True,
                            language,
                            "{}",  # no image in a bulk body
                            # "Used in": every third story names a picture.
                            [keys[n % len(keys)]] if keys and n % 3 == 0 else [],
                        )
                    )
                    ids.append(pk)
                    if status == "published" and at <= now:
                        published.append(pk)
                    progress.step()
            bylines = "articles_articleauthor (article_id, author_id, position)"
            with cursor.copy(f"COPY {bylines} FROM STDIN") as copy:
                for pk in ids:
                    for position, author in enumerate(
                        rng.sample(authors, rng.choice((1, 1, 2)))
                    ):
                        copy.write_row((pk, author, position))
            with cursor.copy(
                "COPY articles_article_tags (article_id, tag_id) FROM STDIN"
            ) as copy:
                for pk in ids:
                    for tag in rng.sample(tags, 3):
                        copy.write_row((pk, tag))
        return ids, published

    def copy_comments(self, rng, count, published):
        if not published or not count:
            return
        first = self.next_id("comments_comment")
        # A few big stories with 2,000+ comments; the rest spread out.
        big = published[-5:]
        big_share = min(count, 2_200 * len(big))
        plan = []
        for i in range(big_share):
            plan.append(big[i % len(big)])
        plan += [rng.choice(published) for _ in range(count - big_share)]
        plan.sort()
        now = timezone.now()
        progress = Progress("comments", count)
        columns = (
            "id, article_id, parent_id, thread_id, depth, name, email, body, status, "
            "rule, ip, user_agent, created_at"
        )
        recent: dict[int, list] = {}
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY comments_comment ({columns}) FROM STDIN") as copy:
                for n, article_id in enumerate(plan):
                    pk = first + n
                    roll = rng.random()
                    status = (
                        "pending"
                        if roll < 0.10
                        else "spam"
                        if roll < 0.15
                        else "approved"
                    )
                    parent = thread = None
                    depth = 0
                    candidates = recent.setdefault(article_id, [])
                    if candidates and rng.random() < 0.33:
                        parent, parent_thread, parent_depth, grand = rng.choice(
                            candidates
                        )
                        if parent_depth >= MAX_DEPTH:  # as Comment.reply_to
                            parent, parent_depth = grand, MAX_DEPTH - 1
                        thread = parent_thread or parent
                        depth = parent_depth + 1
                    if status == "approved":
                        candidates.append((pk, thread, depth, parent))
                        if len(candidates) > 50:
                            candidates.pop(0)
                    reader = rng.randint(1, 50_000)
                    copy.write_row(
                        (
                            pk,
                            article_id,
                            parent,
                            thread,
                            depth,
                            f"Reader {reader}",
                            f"reader{reader}@mail.example",
                            f"Comment {pk}: {words(rng, 18)}",
                            status,
                            "bulk",
                            f"198.51.{reader % 250}.{reader % 200 + 1}",
                            "bulk-seed",
                            now - timedelta(seconds=count - n),
                        )
                    )
                    progress.step()

    def reset_sequences(self):
        with connection.cursor() as cursor:
            for table in (
                "articles_article",
                "comments_comment",
                "articles_libraryimage",
                "articles_articleauthor",
            ):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
