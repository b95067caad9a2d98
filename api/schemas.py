"""The shapes the API answers (its OpenAPI document is made from them)."""

from datetime import datetime

from ninja import Schema


class Problem(Schema):
    """An error (RFC 9457 problem document)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[dict] | None = None


class SectionOut(Schema):
    id: int
    name: str
    slug: str
    url: str
    description: str


class TagOut(Schema):
    id: int
    name: str
    slug: str
    url: str


class AuthorRef(Schema):
    id: int
    name: str
    slug: str
    url: str


class AuthorOut(AuthorRef):
    job_title: str
    bio: str
    photo: str | None
    website: str | None
    twitter: str | None
    linkedin: str | None


class ImageFile(Schema):
    url: str
    width: int
    type: str


class Crop(Schema):
    url: str
    width: int
    height: int
    sizes: list[ImageFile]


class ImageOut(Schema):
    """The featured picture: public renditions only (no EXIF or GPS data),
    in WebP and the original's format, and its crops around the focal point
    (`card` 3:2, `social` 1200×630)."""

    url: str
    width: int
    height: int
    type: str
    alt: str
    caption: str
    credit: str
    sizes: list[ImageFile]
    crops: dict[str, Crop]


class StorySummary(Schema):
    id: int
    url: str
    title: str
    standfirst: str
    section: SectionOut | None
    authors: list[AuthorRef]
    language: str
    published_at: datetime
    updated_at: datetime
    image: ImageOut | None


class Source(Schema):
    name: str
    url: str | None


class CorrectionOut(Schema):
    note: str
    created_at: datetime


class StoryOut(StorySummary):
    authors: list[AuthorOut]
    body_html: str
    tags: list[TagOut]
    source: Source | None
    corrections: list[CorrectionOut]
    comments_open: bool
    comment_count: int


class StoryPage(Schema):
    results: list[StorySummary]
    next: str | None


class SearchPage(StoryPage):
    count: int


class CommentOut(Schema):
    id: int
    parent_id: int | None
    name: str
    body: str
    created_at: datetime
    editors_pick: bool


class CommentPage(Schema):
    results: list[CommentOut]
    count: int


class RemovedStory(Schema):
    id: int
    removed_at: datetime


class RemovedComment(Schema):
    id: int
    story_id: int
    removed_at: datetime


class RemovedPage(Schema):
    stories: list[RemovedStory]
    comments: list[RemovedComment]


class DeskStory(Schema):
    """A story as the desk's tools see it (with a key): any state."""

    id: int
    status: str
    public: bool
    url: str
    admin_url: str
    title: str
    slug: str
    standfirst: str
    body_html: str
    section: str | None
    tags: list[str]
    authors: list[str]
    language: str
    source: Source | None
    external_id: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DeskPage(Schema):
    results: list[DeskStory]
    next: str | None
