"""The WordPress import, first part: authors, categories and tags."""

import html

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from articles.models import (
    AuthorProfile,
    Section,
    Tag,
    unique_slug,
)

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
            user = User.objects.filter(username=login[:150]).first()
            created = user is None
            if created:
                user = User(username=login[:150])
                user.set_unusable_password()
            user.email = data.get("wp:author_email", "")[:254]
            user.first_name = html.unescape(data.get("wp:author_first_name", ""))[:150]
            user.last_name = html.unescape(data.get("wp:author_last_name", ""))[:150]
            user.save()
            profile = AuthorProfile.objects.filter(user=user).first()
            if profile is None:
                profile = AuthorProfile(
                    user=user,
                    slug=unique_slug(AuthorProfile, login or display, max_length=120),
                )
            profile.display_name = display[:120]
            if data.get("wp:author_description"):
                profile.bio = html.unescape(data["wp:author_description"])
            profile.save()
            self.authors[login] = profile
            self._remember(Kind.AUTHOR, login, profile.pk, digest)
            self.report.count("authors", "created" if created else "updated")

    def _import_categories(self, categories):
        for position, data in enumerate(categories):
            slug = data.get("wp:category_nicename", "")
            name = html.unescape(data.get("wp:cat_name", "") or slug)
            parent = data.get("wp:category_parent", "")
            digest = checksum(data)
            known = self._known(Kind.CATEGORY, slug)
            section = (
                Section.objects.filter(pk=known.object_id).first() if known else None
            )
            if section and known.checksum == digest:
                self.report.count("sections", "unchanged")
            else:
                section = section or Section.objects.filter(slug=slug[:80]).first()
                created = section is None
                section = section or Section(slug=slug[:80] or slugify(name)[:80])
                section.name = self._free_section_name(name, section)
                section.position = section.position or 100 + position
                section.save()
                # Nested categories are flattened: each is a section of its own;
                # the WordPress parent is recorded on the import mapping.
                self._remember(
                    Kind.CATEGORY, slug, section.pk, digest, {"parent": parent}
                )
                self.report.count("sections", "created" if created else "updated")
            self.sections[slug] = section
            self.sections[f"name:{name}"] = section

    @staticmethod
    def _free_section_name(name, section):
        others = Section.objects.exclude(pk=section.pk)
        candidate, n = name[:80], 2
        while others.filter(name=candidate).exists():
            candidate = f"{name[:75]} ({n})"
            n += 1
        return candidate

    def _import_tags(self, tags):
        for data in tags:
            slug = data.get("wp:tag_slug", "")
            name = html.unescape(data.get("wp:tag_name", "") or slug)[:80]
            digest = checksum(data)
            known = self._known(Kind.TAG, slug)
            tag = Tag.objects.filter(pk=known.object_id).first() if known else None
            if tag and known.checksum == digest:
                self.report.count("tags", "unchanged")
            else:
                tag = tag or Tag.objects.filter(slug=slug[:80]).first()
                created = tag is None
                tag = tag or Tag(slug=slug[:80] or slugify(name)[:80])
                if not Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
                    tag.name = name
                elif created:
                    tag.name = f"{name} ({slug})"[:80]
                tag.save()
                self._remember(Kind.TAG, slug, tag.pk, digest)
                self.report.count("tags", "created" if created else "updated")
            self.tags[slug] = tag
