import pytest

from wpimport.content import captions_to_figures, comment_text, post_body, wpautop
from wpimport.phpserial import PHPSerializeError, loads


def test_php_strings_count_bytes_not_characters():
    assert loads('a:1:{s:9:"td_source";s:8:"Estadão";}') == {"td_source": "Estadão"}


def test_php_scalars_and_nesting():
    assert loads("a:4:{i:0;i:5;i:1;d:1.5;i:2;b:1;i:3;N;}") == {
        0: 5,
        1: 1.5,
        2: True,
        3: None,
    }
    assert loads('a:1:{s:1:"a";a:1:{s:1:"b";s:0:"";}}') == {"a": {"b": ""}}


@pytest.mark.parametrize(
    "bad", ['s:5:"abc";', "a:1:{i:0;}", 'O:8:"stdClass":0:{}', "x", "i:1;junk"]
)
def test_php_malformed_is_an_error(bad):
    with pytest.raises(PHPSerializeError):
        loads(bad)


def test_wpautop():
    assert wpautop("One\ntwo\n\nThree") == "<p>One<br />\ntwo</p>\n<p>Three</p>"
    assert (
        wpautop("Text\n\n<h2>Sub</h2>\nMore")
        == "<p>Text</p>\n<h2>Sub</h2>\n<p>More</p>"
    )
    assert wpautop("") == ""


def test_caption_shortcode_becomes_figure():
    html = captions_to_figures(
        '[caption id="attachment_27" align="alignnone" width="300"]'
        '<img src="a.jpg" alt="A" width="300" /> Mirror segments[/caption]'
    )
    assert html == (
        '<figure><img src="a.jpg" alt="A" width="300" />'
        "<figcaption>Mirror segments</figcaption></figure>"
    )


def test_block_editor_comments_are_stripped():
    body = post_body("<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->")
    assert body == "<p>Hi</p>"


def test_comment_text():
    assert comment_text('See <a href="https://x.example">this</a>.<p>Two</p>') == (
        "See this (https://x.example).\n\nTwo"
    )
    assert comment_text("[&#8230;] a &raquo; b") == "[…] a » b"
