"""The WordPress import, first part: authors, categories and tags."""

import html

from django.contrib.auth import get_user_model

from articles.models import (
    AuthorProfile,
    Section,
    Tag,
    fit,
    make_slug,
    unique_slug,
)

from .content import wordpress_slug
from .models import ImportedObject
from .wxr import checksum

Kind = ImportedObject.Kind


class TermImport:
    """Authors, categories (flattened into sections) and tags; mixed into
    the Importer (wpimport.services), whose state it shares."""

    def _import_authors(self, authors):
        User = get_user_model()
        for data in authors:
            login = data.get("wp:author_login", "")
            display = html.unescape(data.get("wp:author_display_name", "") or login)
            digest = checksum(data)
            known = self._known(Kind.AUTHOR, login)
            if known and known.checksum == digest:
                profile = (
                    AuthorProfile.objects.select_related("user")
                    .filter(pk=known.object_id)
                    .first()
                )
                if profile:
                    self.authors[login] = profile
                    self.report.count("authors", "unchanged")
                    continue
            user = User.objects.filter(username=fit(User, "username", login)).first()
            created = user is None
            if created:
                user = User(username=fit(User, "username", login))
                user.set_unusable_password()
            user.email = fit(User, "email", data.get("wp:author_email", ""))
            first = html.unescape(data.get("wp:author_first_name", ""))
            user.first_name = fit(User, "first_name", first)
            last = html.unescape(data.get("wp:author_last_name", ""))
            user.last_name = fit(User, "last_name", last)
            user.save()
            profile = AuthorProfile.objects.filter(user=user).first()
            if profile is None:
                profile = AuthorProfile(
                    user=user,
                    slug=unique_slug(AuthorProfile, login or display, max_length=120),
                )
            profile.display_name = fit(AuthorProfile, "display_name", display)
            if data.get("wp:author_description"):
                profile.bio = html.unescape(data["wp:author_description"])
            profile.save()
            self.authors[login] = profile
            self._remember(Kind.AUTHOR, login, profile.pk, digest)
            self.report.count("authors", "created" if created else "updated")

    def _import_categories(self, categories):
        for position, data in enumerate(categories):
            slug = wordpress_slug(data.get("wp:category_nicename"), 80)
            name = html.unescape(data.get("wp:cat_name", "") or slug)
            parent = data.get("wp:category_parent", "")
            digest = checksum(data)
            section, outcome = self._term(Kind.CATEGORY, Section, slug, name, digest)
            if outcome != "unchanged":
                section.name = self._free_section_name(name, section)
                section.position = section.position or 100 + position
                section.save()
                # Nested categories are flattened: each is a section of its own;
                # the WordPress parent is recorded on the import mapping.
                self._remember(
                    Kind.CATEGORY, slug, section.pk, digest, {"parent": parent}
                )
            self.report.count("sections", outcome)
            self.sections[slug] = section
            self.sections[f"name:{name}"] = section

    def _term(self, kind, model, slug: str, name: str, digest: str):
        """(object, outcome) for a WordPress category or tag: the one an
        earlier import made ("unchanged" while its checksum matches), else the
        one already using its slug ("updated"), else a new, unsaved one
        ("created")."""
        known = self._known(kind, slug)
        found = model.objects.filter(pk=known.object_id).first() if known else None
        if found is not None and known.checksum == digest:
            return found, "unchanged"
        found = found or model.objects.filter(slug=slug).first()
        if found is not None:
            return found, "updated"
        return model(slug=_slug(model, slug, name)), "created"

    @staticmethod
    def _free_section_name(name, section):
        others = Section.objects.exclude(pk=section.pk)
        candidate, n = fit(Section, "name", name), 2
        while others.filter(name=candidate).exists():
            suffix = f" ({n})"
            candidate = fit(Section, "name", name)[: -len(suffix)] + suffix
            n += 1
        return candidate

    def _import_tags(self, tags):
        for data in tags:
            slug = wordpress_slug(data.get("wp:tag_slug"), 80)
            name = fit(Tag, "name", html.unescape(data.get("wp:tag_name", "") or slug))
            digest = checksum(data)
            tag, outcome = self._term(Kind.TAG, Tag, slug, name, digest)
            if outcome != "unchanged":
                if not Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
                    tag.name = name
                elif outcome == "created":
                    tag.name = fit(Tag, "name", f"{name} ({slug})")
                tag.save()
                self._remember(Kind.TAG, slug, tag.pk, digest)
            self.report.count("tags", outcome)
            self.tags[slug] = tag


def _slug(model, slug: str, name: str) -> str:
    """WordPress's slug (already made by wordpress_slug), or one made from
    the name when WordPress gave none."""
    return slug or make_slug(name, model._meta.get_field("slug").max_length)
