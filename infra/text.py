"""Text as a reader sees it: one home for the characters that draw nothing.

Used by the duplicate-comment rule (which compares texts as they look, so a
zero-width space does not make a repeat new) and by the checks on names and
e-mail addresses (which refuse what could hide or fake text).
"""

import re
import unicodedata

# Characters that draw nothing: Unicode's format characters (category Cf:
# soft hyphen, zero-width space and joiners, direction marks, embeddings,
# overrides and isolates, word joiner, byte-order mark, tags...), plus the
# variation selectors, the combining grapheme joiner and the Hangul fillers.
# Kept as ranges here rather than read from unicodedata, so the database
# index built from them does not change with the Python version
# (tests/infra/test_text.py checks every Cf character is covered).
INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    (0xE0100, 0xE01EF),
)
# The two joiners that some writing systems need inside words (Persian,
# Hindi, Malayalam...) and emoji sequences use: allowed there in names.
JOINERS = {"\u200c", "\u200d"}
# Scripts that never need a joiner: one between their letters only hides.
_NO_JOINER_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "DIGIT")


def _regex_class(ranges) -> str:
    def char(code):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return (
        "["
        + "".join(char(a) if a == b else f"{char(a)}-{char(b)}" for a, b in ranges)
        + "]"
    )


# One pattern for PostgreSQL's regular expressions and Python's `re` alike.
INVISIBLE_PATTERN = _regex_class(INVISIBLE_RANGES)
# Whitespace after NFKC (which makes every other space a plain one).
SPACE_PATTERN = "[ \\t\\n\\r\\f\\v]+"


def is_invisible(char: str) -> bool:
    code = ord(char)
    return any(a <= code <= b for a, b in INVISIBLE_RANGES)


def is_control(char: str) -> bool:
    """C0/C1 controls: line breaks, tabs, escapes, NUL..."""
    return unicodedata.category(char) == "Cc"


def _script_needs_joiner(char: str) -> bool:
    if unicodedata.category(char) == "So":  # emoji: 👩‍💻
        return True
    if not unicodedata.category(char).startswith(("L", "M")):
        return False
    return not unicodedata.name(char, "").startswith(_NO_JOINER_SCRIPTS)


def _allowed_in_words(value: str, i: int) -> bool:
    """Whether the invisible character at `i` does a visible job there: a
    joiner inside a word of a script (or an emoji sequence) that uses one, a
    variation selector after the character it styles (❤️), a tag character
    in a flag's sequence."""
    char, code = value[i], ord(value[i])
    before = value[i - 1] if i else ""
    if char in JOINERS:
        return (
            0 < i < len(value) - 1
            and _script_needs_joiner(before)
            and _script_needs_joiner(value[i + 1])
        )
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return bool(before) and not (before.isspace() or is_invisible(before))
    if 0xE0020 <= code <= 0xE007F:
        return bool(before) and (
            unicodedata.category(before) == "So" or 0xE0020 <= ord(before) <= 0xE007F
        )
    return False


def hidden_characters(value: str, *, in_words: bool = False) -> list[str]:
    """The control and invisible characters in `value` (as U+XXXX), none
    when it has none. With `in_words`, those doing a visible job (see
    _allowed_in_words) are not counted."""
    found = []
    for i, char in enumerate(value):
        if not (is_control(char) or is_invisible(char)):
            continue
        if in_words and _allowed_in_words(value, i):
            continue
        found.append(f"U+{ord(char):04X}")
    return found


def one_line(value: str) -> str:
    """`value` on one line, without invisible characters: for names written
    into plain-text e-mails, where a line break would fake a header line."""
    cleaned = "".join(" " if is_control(c) else c for c in value if not is_invisible(c))
    return " ".join(cleaned.split())


# A dot between a word and a letter ("example.com", "evil.xn--p1ai") and a
# scheme's "://": what mail clients turn into links in plain text.
_LINKABLE = re.compile(r"(?<=\w)\.(?=[^\W\d_])|:(?=//)")


def unlinked(value: str) -> str:
    """A stranger's text for a plain-text e-mail sent under the site's name,
    so that no mail client makes a link of it: "example[.]com",
    "https[:]//…" (as security advisories write addresses), and no
    invisible character left to split a word the reader sees whole. Line
    breaks are kept (quote the lines where they could fake the e-mail's)."""
    kept = "".join(c for c in value if c in JOINERS or not is_invisible(c))
    return _LINKABLE.sub(lambda m: f"[{m.group()}]", kept)
