import sys
import unicodedata

import pytest

from infra.text import hidden_characters, is_invisible, one_line, unlinked


def test_every_format_character_of_this_python_is_invisible():
    """The ranges are written out (the database index is built from them):
    a Unicode update that adds a format character fails here."""
    missing = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf" and not is_invisible(chr(code))
    ]
    assert missing == []


@pytest.mark.parametrize(
    "name",
    [
        "Ana Souza",
        "علی‌رضا",  # Persian: a zero-width non-joiner inside the word
        "क्‍ष",  # Devanagari with a zero-width joiner
        "👩‍💻 Ana",  # an emoji sequence
        "Ana ❤️",  # a variation selector after its emoji
        "José Ñúñez-Łukasz",
        "李小龙",
    ],
)
def test_names_in_real_scripts_have_nothing_hidden(name):
    assert hidden_characters(name, in_words=True) == []


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("\u200bad\u200dmin", ["U+200B", "U+200D"]),  # shows as "admin"
        ("Ana\r\nRule: trusted", ["U+000D", "U+000A"]),
        ("Ana \u202egnp.exe", ["U+202E"]),
        ("\u2066Ana\u2069", ["U+2066", "U+2069"]),
        ("Ana\u00ad", ["U+00AD"]),
        ("Ana\x00", ["U+0000"]),
        ("\u200dعلی", ["U+200D"]),  # a joiner joins nothing at the start
    ],
)
def test_hidden_and_control_characters_are_found(name, found):
    assert hidden_characters(name, in_words=True) == found


def test_one_line_keeps_a_name_on_its_line():
    assert one_line("Ana\r\nAuthor: admin\u200b") == "Ana Author: admin"


def test_unlinked_leaves_no_address_a_mail_client_would_link():
    text = (
        "Go to https://evil.example.com/x, www.ex\u200bample.org or "
        "bob@mail.ru; пример.рф too. Version 3.5 is fine.\nNext line"
    )
    assert unlinked(text) == (
        "Go to https[:]//evil[.]example[.]com/x, www[.]example[.]org or "
        "bob@mail[.]ru; пример[.]рф too. Version 3.5 is fine.\nNext line"
    )
    # The joiners some scripts need inside words are kept.
    assert unlinked("می\u200cخواهم") == "می\u200cخواهم"
