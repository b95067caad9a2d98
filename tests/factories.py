"""factory_boy factories; traits give the publishing and moderation states."""

import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleAuthor, AuthorProfile, Section, Tag


def image_file(name="photo.jpg", size=(1600, 900), fmt="JPEG", color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return SimpleUploadedFile(
        name, buffer.getvalue(), content_type=f"image/{fmt.lower()}"
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")

    class Params:
        role = None

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        role = extracted
        if create and role:
            self.is_staff = True
            if role == "admin":
                self.is_superuser = True
            else:
                self.groups.add(role_group(role))
            self.save()


def set_moderation(**values) -> None:
    """Change the moderation settings (the admin's Moderation settings
    page) as a save would: the row, then its tag, so every cached copy
    follows (tests' transactions never commit, so the bump is direct)."""
    from caching.tagversions import bump
    from comments.models import ModerationSettings
    from comments.preferences import SETTINGS_TAG

    row = ModerationSettings.objects.filter(pk=1).first() or ModerationSettings(pk=1)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    bump(SETTINGS_TAG, "site")


def make_roles() -> None:
    """The role groups the migrations make, made again (a transactional
    test emptied the database)."""
    from django.contrib.auth.models import Permission

    from articles.roles import ROLES, ensure_roles
    from audience.roles import ROLES as AUDIENCE_ROLES
    from comments.roles import ROLES as COMMENT_ROLES

    ensure_roles(Group, Permission, ROLES)
    ensure_roles(Group, Permission, COMMENT_ROLES)
    ensure_roles(Group, Permission, AUDIENCE_ROLES)


def role_group(name: str) -> Group:
    """A role's group, the roles made again if a flush removed them."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        make_roles()
        group = Group.objects.get(name=name)
    return group


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class AuthorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Author {n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    bio = "Writes about technology."


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Story number {n}")
    slug = factory.Sequence(lambda n: f"story-{n}")
    standfirst = "A short standfirst."
    body = "<p>Body text about gadgets.</p>"
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.Sequence(
        lambda n: timezone.now() - timedelta(minutes=10000 - n)
    )

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        in_review = factory.Trait(status=Article.Status.IN_REVIEW, published_at=None)
        scheduled = factory.Trait(
            status=Article.Status.PUBLISHED,
            published_at=factory.LazyFunction(
                lambda: timezone.now() + timedelta(days=1)
            ),
        )

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        for position, author in enumerate(extracted or []):
            ArticleAuthor.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comments.Comment"

    article = factory.SubFactory(ArticleFactory)
    name = factory.Sequence(lambda n: f"Reader {n}")
    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    body = factory.Sequence(lambda n: f"Comment number {n}.")
    status = "approved"
    rule = "default"
    ip = "203.0.113.7"

    class Params:
        pending = factory.Trait(status="pending")
        approved = factory.Trait(status="approved")
        spam = factory.Trait(status="spam")
        rejected = factory.Trait(status="rejected")

    @factory.lazy_attribute
    def depth(self):
        return self.parent.depth + 1 if self.parent else 0

    @factory.lazy_attribute
    def thread(self):
        if self.parent is None:
            return None
        return self.parent.thread or self.parent

    parent = None
