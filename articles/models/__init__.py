"""The articles app's models, one module per concern; everything is
importable from `articles.models` as before."""

from .article import (
    CARD_FIELDS,
    SECTION_TO_PUBLISH,
    Article,
    ArticleAuthor,
    ArticleQuerySet,
)
from .common import (
    IMAGE_EXTENSIONS,
    LANGUAGE_CHOICES,
    PUBLISH_CODENAME,
    PUBLISH_PERMISSION,
    StoredDimensionsImageField,
    can_publish,
    fit,
    language_code,
    make_slug,
    person_name,
    site_language,
    unique_slug,
)
from .editorial import (
    ArticleDraftCopy,
    ArticleLock,
    ArticleRevision,
    AuditEntry,
    AuditEntryQuerySet,
    Correction,
)
from .front import BreakingNews, FrontSlot, FrontSlotQuerySet
from .library import LibraryImage, LibraryImageQuerySet
from .live import LiveEntry, LiveEntryQuerySet
from .search import (
    SEARCH_CANDIDATES,
    SEARCH_CONFIG,
    LanguageMark,
    ReadQuery,
    SearchTooSlow,
    every_language_reading,
    rank_query,
)
from .taxonomy import AuthorProfile, AuthorProfileQuerySet, Section, Tag

__all__ = [
    "CARD_FIELDS",
    "SECTION_TO_PUBLISH",
    "IMAGE_EXTENSIONS",
    "LANGUAGE_CHOICES",
    "PUBLISH_CODENAME",
    "PUBLISH_PERMISSION",
    "SEARCH_CANDIDATES",
    "SEARCH_CONFIG",
    "Article",
    "ArticleAuthor",
    "ArticleDraftCopy",
    "ArticleLock",
    "ArticleQuerySet",
    "ArticleRevision",
    "AuditEntry",
    "AuditEntryQuerySet",
    "AuthorProfile",
    "AuthorProfileQuerySet",
    "BreakingNews",
    "Correction",
    "FrontSlot",
    "FrontSlotQuerySet",
    "LanguageMark",
    "LibraryImage",
    "LibraryImageQuerySet",
    "LiveEntry",
    "LiveEntryQuerySet",
    "ReadQuery",
    "SearchTooSlow",
    "Section",
    "StoredDimensionsImageField",
    "Tag",
    "can_publish",
    "every_language_reading",
    "fit",
    "language_code",
    "make_slug",
    "person_name",
    "rank_query",
    "site_language",
    "unique_slug",
]
