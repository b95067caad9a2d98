#!/usr/bin/env python3
"""Write a synthetic WordPress export (WXR 1.2) for import benchmarks.

    python scripts/make_wxr.py --posts 5000 --comments 50000 > big.xml

Posts alternate classic and block-editor bodies, carry categories, tags and
Newspaper source meta; comments form threads three levels deep with every
WordPress status. Written as a stream: memory stays flat at any size.
"""

import argparse
import random
import sys
from datetime import datetime, timedelta

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench Desk</title><link>https://bench.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example</wp:base_site_url>
<wp:base_blog_url>https://bench.example</wp:base_blog_url>
"""
WORDS = (
    "phone camera chip launch review battery lens sensor satellite orbit studio "
    "console update network model research market price design screen"
).split()


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    out.write(HEAD)
    for a in range(10):
        out.write(
            f"<wp:author><wp:author_id>{a + 2}</wp:author_id>"
            f"<wp:author_login>{cdata(f'author{a}')}</wp:author_login>"
            f"<wp:author_email>{cdata(f'author{a}@bench.example')}</wp:author_email>"
            f"<wp:author_display_name>{cdata(f'Author {a}')}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata('Author')}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(str(a))}</wp:author_last_name></wp:author>\n"
        )
    for c in range(10):
        out.write(
            f"<wp:category><wp:term_id>{c + 1}</wp:term_id>"
            f"<wp:category_nicename>{cdata(f'section-{c}')}</wp:category_nicename>"
            f"<wp:category_parent>{cdata('')}</wp:category_parent>"
            f"<wp:cat_name>{cdata(f'Section {c}')}</wp:cat_name></wp:category>\n"
        )
    for t in range(50):
        out.write(
            f"<wp:tag><wp:term_id>{100 + t}</wp:term_id>"
            f"<wp:tag_slug>{cdata(f'tag-{t}')}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(f'Tag {t}')}</wp:tag_name></wp:tag>\n"
        )
    start = datetime(2020, 1, 1, 8, 0)
    per_post = args.comments // max(1, args.posts)
    extra = args.comments - per_post * args.posts
    comment_id = 1
    statuses = ["1"] * 8 + ["0", "spam", "trash"]
    for p in range(args.posts):
        post_id = 1000 + p
        date = start + timedelta(hours=p * 3)
        slug = f"story-{p}"
        title = f"Story {p}: " + sentence(rng, 6)[:-1]
        if p % 2:
            body = "\n".join(
                f"<!-- wp:paragraph -->\n<p>{sentence(rng, 30)}</p>\n<!-- /wp:paragraph -->"
                for _ in range(6)
            )
        else:
            body = "\n\n".join(sentence(rng, 30) for _ in range(6))
        cats = f'<category domain="category" nicename="section-{p % 10}">{cdata(f"Section {p % 10}")}</category>'
        tags = "".join(
            f'<category domain="post_tag" nicename="tag-{t}">{cdata(f"Tag {t}")}</category>'
            for t in rng.sample(range(50), 3)
        )
        meta = ""
        if p % 3 == 0:
            value = 'a:2:{s:9:"td_source";s:9:"Tec Mundo";s:13:"td_source_url";s:28:"https://www.tecmundo.com.br/";}'
            meta = (
                f"<wp:postmeta><wp:meta_key>{cdata('td_post_theme_settings')}</wp:meta_key>"
                f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>"
            )
        out.write(
            f"<item><title>{cdata(title)}</title>"
            f"<link>https://bench.example/{date:%Y/%m/%d}/{slug}/</link>"
            f"<dc:creator>{cdata(f'author{p % 10}')}</dc:creator>"
            f'<guid isPermaLink="false">https://bench.example/?p={post_id}</guid>'
            f"<content:encoded>{cdata(body)}</content:encoded>"
            f"<excerpt:encoded>{cdata('')}</excerpt:encoded>"
            f"<wp:post_id>{post_id}</wp:post_id>"
            f"<wp:post_date>{cdata(f'{date:%Y-%m-%d %H:%M:%S}')}</wp:post_date>"
            f"<wp:post_date_gmt>{cdata(f'{date:%Y-%m-%d %H:%M:%S}')}</wp:post_date_gmt>"
            f"<wp:comment_status>{cdata('open')}</wp:comment_status>"
            f"<wp:post_name>{cdata(slug)}</wp:post_name>"
            f"<wp:status>{cdata('publish')}</wp:status>"
            f"<wp:post_type>{cdata('post')}</wp:post_type>"
            f"<wp:post_password>{cdata('')}</wp:post_password>"
            f"{cats}{tags}{meta}\n"
        )
        count = per_post + (1 if p < extra else 0)
        ids = []
        for c in range(count):
            parent = "0"
            if ids and c % 3:
                parent = str(ids[-1]) if c % 3 == 1 else str(ids[0])
            cdate = date + timedelta(minutes=5 * (c + 1))
            out.write(
                f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                f"<wp:comment_author>{cdata(f'Reader {comment_id % 997}')}</wp:comment_author>"
                f"<wp:comment_author_email>{cdata(f'r{comment_id % 997}@mail.example')}</wp:comment_author_email>"
                f"<wp:comment_author_IP>{cdata(f'198.51.100.{comment_id % 250 + 1}')}</wp:comment_author_IP>"
                f"<wp:comment_date>{cdata(f'{cdate:%Y-%m-%d %H:%M:%S}')}</wp:comment_date>"
                f"<wp:comment_date_gmt>{cdata(f'{cdate:%Y-%m-%d %H:%M:%S}')}</wp:comment_date_gmt>"
                f"<wp:comment_content>{cdata(f'Comment {comment_id}: ' + sentence(rng, 15))}</wp:comment_content>"
                f"<wp:comment_approved>{cdata(rng.choice(statuses))}</wp:comment_approved>"
                f"<wp:comment_type>{cdata('comment')}</wp:comment_type>"
                f"<wp:comment_parent>{parent}</wp:comment_parent>"
                f"<wp:comment_user_id>0</wp:comment_user_id></wp:comment>\n"
            )
            ids.append(comment_id)
            comment_id += 1
        out.write("</item>\n")
    out.write("</channel>\n</rss>\n")


if __name__ == "__main__":
    main()
