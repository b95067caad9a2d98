"""Demo accounts and content for `make run` / `make demo`, loaded only into an
empty database (see the load_demo command).

Images are drawn with Pillow at load time, so the repository carries no
binaries. The lead article is the model tech-news page (see
articles/demo_data/lead-article.txt).
"""

import io
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image, ImageDraw, ImageFont

from . import front, services
from .models import Article, AuthorProfile, Section, Tag

DATA_DIR = Path(__file__).resolve().parent / "demo_data"

DEMO_ACCOUNTS = {
    # username: (first name, last name, is_superuser, group)
    "admin": ("Ada", "Admin", True, None),
    "editor": ("Marcus", "Lee", False, "Editor"),
    "journalist": ("Julia", "Santos", False, "Journalist"),
    "moderator": ("Max", "Moderator", False, "Moderator"),
}

LEAD_BIO = (
    "I am a passionate and hardworking journalist with an eye for detail. I "
    "specialize in the field of news reporting, and have been writing for Gadget "
    "Onus, a renowned online news site, since 2019. As the author of their Hot News "
    "section, I’m proud to be at the forefront of today’s headlines and current "
    "affairs."
)

PROFILES = {
    "journalist": {
        "display_name": "Julia Santos",
        "slug": "julia-santos",
        "job_title": "Hot News reporter",
        "bio": LEAD_BIO,
        "website": "https://example.com/julia",
        "color": (192, 57, 43),
    },
    "editor": {
        "display_name": "Marcus Lee",
        "slug": "marcus-lee",
        "job_title": "Science and gaming editor",
        "bio": "Marcus edits the science and gaming desks. Before journalism he "
        "spent ten years building flight software.",
        "website": "",
        "color": (41, 128, 185),
    },
}

SECTIONS = [
    ("Hot News", "hot-news", "The stories everyone in tech is talking about.", 0),
    ("Mobile", "mobile", "Phones, tablets, wearables and the chips inside them.", 1),
    ("Science", "science", "Space, physics and research that shapes technology.", 2),
    ("Gaming", "gaming", "Consoles, studios and the business of play.", 3),
]

PARAS = {
    "planet": [
        "Astronomers have found a rocky exoplanet that completes a full rotation "
        "in under 24 hours, making its day shorter than Earth's.",
        "The planet orbits a red dwarf about 40 light-years away. Its fast spin "
        "was measured from tiny periodic changes in the star's light.",
        "The team says the discovery will help models of how young planets keep "
        "or lose their spin as they age.",
    ],
    "ryan": [
        "Former PlayStation chief Jim Ryan says the hardest part of his tenure was "
        "steering the PlayStation 5 launch through a global chip shortage.",
        "In a new interview he describes weekly calls with suppliers and the "
        "decision to prioritise steady shipments over a big launch-day stockpile.",
        "Ryan also reflected on the move to bring first-party games to PC, which "
        "he called a slow but necessary change.",
    ],
    "fab": [
        "Construction has begun on a new semiconductor plant in Europe, one of the "
        "largest industrial investments on the continent this decade.",
        "The fab will make chips for cars and industrial machines first, with "
        "more advanced processes planned for a second phase.",
    ],
    "foldable": [
        "The newest foldable phones shed weight thanks to a redesigned hinge with "
        "fewer moving parts.",
        "Early reviews say the crease is harder to see, while battery life stays "
        "about the same as last year's models.",
    ],
    "webb": [
        "The James Webb Space Telescope has produced a weather map of a distant gas "
        "giant, showing winds that carry clouds of silicate around the planet.",
        "Researchers combined several hours of observations to build the map, a "
        "first for a planet outside our solar system.",
    ],
    "cloud": [
        "Small game studios are turning to cloud streaming to reach players "
        "without expensive hardware.",
        "Developers say the model lowers the barrier to entry, although latency "
        "remains a concern for fast action games.",
    ],
    "mwc": [
        "Our preview of the phones, chips and wearables expected at MWC, updated "
        "as announcements arrive.",
    ],
}


def create_accounts(*, password: str) -> dict:
    """Create the demo users in their role groups, with `password` (the
    caller makes sure none exists yet)."""
    User = get_user_model()
    users = {}
    for username, (first, last, is_superuser, group) in DEMO_ACCOUNTS.items():
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.com",
            password=password,
            first_name=first,
            last_name=last,
            is_staff=True,
            is_superuser=is_superuser,
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        users[username] = user
    return users


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType
        return ImageFont.load_default()


def demo_image(text: str, color: tuple, size=(1200, 675), fmt="JPEG") -> bytes:
    """A simple gradient picture with a caption, drawn with Pillow."""
    width, height = size
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(c * (1 - 0.55 * shade)) for c in color),
        )
    for i in range(6):
        r = 60 + i * 45
        draw.ellipse(
            [width * 0.7 - r, height * 0.4 - r, width * 0.7 + r, height * 0.4 + r],
            outline=(255, 255, 255),
            width=2,
        )
    draw.text((60, height - 140), text, fill=(255, 255, 255), font=_font(56))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=80)
    return buffer.getvalue()


def _avatar(initials: str, color: tuple) -> bytes:
    image = Image.new("RGB", (192, 192), color)
    draw = ImageDraw.Draw(image)
    draw.text((96, 96), initials, fill=(255, 255, 255), font=_font(80), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _paragraphs(paras: list[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paras)


def lead_body() -> str:
    """The model page's text as HTML; its one short line is the subheading."""
    text = (DATA_DIR / "lead-article.txt").read_text(encoding="utf-8")
    parts = []
    for block in (b.strip() for b in text.split("\n\n")):
        if not block:
            continue
        if block == "Leica and Xiaomi already have long-standing partnerships":
            parts.append(f"<h2>{escape(block)}</h2>")
        else:
            parts.append(f"<p>{escape(block)}</p>")
    return "".join(parts)


def _articles(now):
    day = timedelta(days=1)
    P = Article.Status.PUBLISHED
    return [
        {
            "slug": "webb-maps-exoplanet-weather",
            "front": "top",
            "title": "Webb telescope maps the weather of a distant gas giant",
            "standfirst": "Silicate clouds race around a planet 280 light-years away.",
            "section": "science",
            "authors": ["journalist"],
            "tags": ["Space", "Research"],
            "body": _paragraphs(PARAS["webb"]),
            "status": P,
            "published_at": now - 6 * day,
            "color": (44, 62, 80),
        },
        {
            "slug": "foldables-lighter-hinge",
            "title": "This year's foldable phones get a lighter, simpler hinge",
            "standfirst": "Fewer parts, a fainter crease, the same battery life.",
            "section": "mobile",
            "authors": ["editor"],
            "tags": ["Smartphones"],
            "body": _paragraphs(PARAS["foldable"]),
            "status": P,
            "published_at": now - 5 * day,
            "color": (22, 160, 133),
        },
        {
            "slug": "europe-chip-fab-breaks-ground",
            "front": "top",
            "title": "Europe's largest new chip plant breaks ground",
            "standfirst": "Car and industrial chips first; advanced nodes later.",
            "section": "hot-news",
            "authors": ["editor", "journalist"],
            "tags": ["Chips"],
            "body": _paragraphs(PARAS["fab"]),
            "status": P,
            "published_at": now - 4 * day,
            "color": (142, 68, 173),
        },
        {
            "slug": "new-planet-day-under-24-hours",
            "title": "New planet detected has days lasting less than 24 hours, "
            "study says",
            "standfirst": "A rocky world around a red dwarf spins faster than Earth.",
            "section": "science",
            "authors": ["editor"],
            "tags": ["Space", "Research"],
            "body": _paragraphs(PARAS["planet"]),
            "status": P,
            "published_at": now - 3 * day,
            "color": (52, 73, 94),
        },
        {
            "slug": "xiaomi-leica-optical-institute",
            "title": "Xiaomi and Leica open a joint optical institute",
            "standfirst": "Three Beijing laboratories and 200 experts will work on "
            "the next generation of mobile cameras.",
            "section": "hot-news",
            "authors": ["journalist"],
            "tags": ["Xiaomi", "Leica", "Smartphones", "Cameras"],
            "body": lead_body(),
            "status": P,
            "published_at": now - 2 * day,
            "source_name": "Tec Mundo",
            "source_url": "https://www.tecmundo.com.br/",
            "front": "lead",
            "caption": "Xiaomi and Leica will share three laboratories in Beijing.",
            "credit": "Newsroom illustration",
            "color": (192, 57, 43),
        },
        {
            "slug": "jim-ryan-biggest-challenge-playstation",
            "title": "Jim Ryan reveals what was his biggest challenge as PlayStation "
            "boss",
            "standfirst": "The PS5 launch in a chip shortage, and the road to PC.",
            "section": "gaming",
            "authors": ["journalist", "editor"],
            "tags": ["PlayStation", "Consoles"],
            "body": _paragraphs(PARAS["ryan"]),
            "status": P,
            "published_at": now - 1 * day,
            "color": (39, 55, 140),
        },
        {
            "slug": "indie-studios-cloud-gaming",
            "title": "Indie studios turn to cloud gaming to find new players",
            "standfirst": "Streaming lowers the hardware bar; latency is the catch.",
            "section": "gaming",
            "authors": ["editor"],
            "tags": ["Consoles"],
            "body": _paragraphs(PARAS["cloud"]),
            "status": P,
            "published_at": now - 7 * day,
            "color": (211, 84, 0),
        },
        {
            "slug": "mwc-preview",
            "title": "MWC preview: what to expect (draft)",
            "standfirst": "Phones, chips and wearables.",
            "section": "mobile",
            "authors": ["journalist"],
            "tags": ["Smartphones"],
            "body": _paragraphs(PARAS["mwc"]),
            "status": Article.Status.DRAFT,
            "published_at": None,
            "color": (127, 140, 141),
        },
        {
            "slug": "xiaomi-14-ultra-announced",
            "title": "Xiaomi 14 Ultra: everything announced (scheduled)",
            "standfirst": "The first phone from the Xiaomi x Leica institute.",
            "section": "mobile",
            "authors": ["journalist"],
            "tags": ["Xiaomi", "Leica", "Smartphones"],
            "body": _paragraphs(PARAS["mwc"]),
            "status": P,
            "published_at": now + 3 * day,
            "color": (230, 126, 34),
        },
    ]


def ensure_content(*, users: dict) -> int:
    """Create sections, tags, author profiles and articles that are missing."""
    created = 0
    sections = {}
    for name, slug, description, position in SECTIONS:
        sections[slug], was_created = Section.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position},
        )
        created += was_created
    profiles = {}
    for username, spec in PROFILES.items():
        profile = AuthorProfile.objects.filter(user=users[username]).first()
        if profile is None:
            spec = dict(spec)
            color = spec.pop("color")
            profile = AuthorProfile(user=users[username], **spec)
            initials = "".join(w[0] for w in spec["display_name"].split())
            profile.photo.save(
                f"{spec['slug']}.jpg", ContentFile(_avatar(initials, color)), save=False
            )
            profile.save()
            services.author_refresh_photo(profile=profile)
            created += 1
        profiles[username] = profile

    now = timezone.now()
    for spec in _articles(now):
        if Article.objects.filter(slug=spec["slug"]).exists():
            continue
        article = Article(
            title=spec["title"],
            slug=spec["slug"],
            standfirst=spec["standfirst"],
            body=spec["body"],
            section=sections[spec["section"]],
            status=spec["status"],
            published_at=spec["published_at"],
            source_name=spec.get("source_name", ""),
            source_url=spec.get("source_url", ""),
            featured_image_alt=f"Illustration for: {spec['title']}",
            featured_image_caption=spec.get("caption", ""),
            featured_image_credit=spec.get("credit", "Newsroom illustration"),
            created_by=users[spec["authors"][0]],
        )
        article.featured_image.save(
            f"{spec['slug']}.jpg",
            ContentFile(
                demo_image(spec["section"].replace("-", " ").title(), spec["color"])
            ),
            save=False,
        )
        article.save()
        tags = [
            Tag.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]
            for name in spec["tags"]
        ]
        article.tags.set(tags)
        services.article_set_authors(
            article=article, authors=[profiles[u] for u in spec["authors"]]
        )
        services.article_refresh_renditions(article=article)
        services.article_record_revision(article=article, user=users["admin"])
        if spec.get("front"):
            front.front_place(user=users["admin"], kind=spec["front"], article=article)
        if article.published_at and article.published_at < now:
            # Demo stories were not edited after publication.
            Article.objects.filter(pk=article.pk).update(
                updated_at=article.published_at
            )
        created += 1
    return created
