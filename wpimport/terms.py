"""The WordPress import, first part: authors, categories and tags."""

import html
import re

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
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def author_profile(user, display: str) -> AuthorProfile:
    """`user`'s author profile, as it is; a new one only if they have none
    (an existing profile is never changed by an import)."""
    profile = AuthorProfile.objects.filter(user=user).first()
    if profile is None:
        profile = AuthorProfile.objects.create(
            user=user,
            display_name=display or user.get_full_name() or user.username,
            slug=unique_slug(AuthorProfile, user.username, max_length=120),
        )
    return profile


def _new_account(data: dict, wanted: str):
    """A new account for an exported author: active, no staff rights, no
    usable password (an editor may send it a set-password link), under
    `wanted` or, when that username is taken, a free variant of it."""
    User = get_user_model()
    # What Django's username rules allow (a WordPress login may hold spaces).
    base = fit(User, "username", _USERNAME_UNSAFE.sub("-", wanted)) or "author"
    limit = User._meta.get_field("username").max_length
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        suffix = "-wp" if n == 1 else f"-wp{n}"
        username = base[: limit - len(suffix)] + suffix
        n += 1
    user = User(
        username=username,
        email=fit(User, "email", data.get("wp:author_email", "")),
        first_name=fit(
            User, "first_name", html.unescape(data.get("wp:author_first_name", ""))
        ),
        last_name=fit(
            User, "last_name", html.unescape(data.get("wp:author_last_name", ""))
        ),
        is_staff=False,
        is_superuser=False,
    )
    user.set_unusable_password()
    user.save()
    return user


class TermImport:
    """Authors, categories (flattened into sections) and tags; mixed into
    the Importer (wpimport.services), whose state it shares."""

    def _import_authors(self, authors):
        """Each author of the export becomes a byline. An import never
        changes an existing account (its e-mail, names, password, rights or
        profile): an author is credited to an existing account only when the
        person importing named it (`author_map`), to the account an earlier
        import of this site made for it, or else to a new account with no
        staff rights and no usable password, whose username is never one
        already taken. The report lists every match."""
        for data in authors:
            login = data.get("wp:author_login", "")
            display = html.unescape(data.get("wp:author_display_name", "") or login)
            display = fit(AuthorProfile, "display_name", display or "Author")
            mapped = self.author_map.get(login)
            if mapped is not None:
                self.authors[login] = author_profile(mapped, display)
                self._author_match(login, f"existing account {mapped.username!r}")
                self.report.count("authors", "mapped")
                continue
            known = self._known(Kind.AUTHOR, login)
            profile = (
                AuthorProfile.objects.select_related("user")
                .filter(pk=known.object_id)
                .first()
                if known
                else None
            )
            if profile is not None:
                self.authors[login] = profile
                self._author_match(
                    login,
                    f"account {profile.user.username!r} made by an earlier "
                    "import of this site (not changed)",
                )
                self.report.count("authors", "unchanged")
                continue
            user = _new_account(data, login or display)
            profile = AuthorProfile.objects.create(
                user=user,
                display_name=display,
                slug=unique_slug(AuthorProfile, login or display, max_length=120),
                bio=html.unescape(data.get("wp:author_description", "")),
            )
            self.authors[login] = profile
            self._remember(Kind.AUTHOR, login, profile.pk, checksum(data))
            taken = (
                ""
                if user.username == login
                else (f" (the username {login!r} is taken)")
            )
            self._author_match(
                login,
                f"new account {user.username!r}{taken}: no staff rights, no password",
            )
            self.report.count("authors", "created")

    def _author_match(self, login: str, outcome: str) -> None:
        self.report.warn(f"author {login!r}", f"credited to {outcome}")

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
