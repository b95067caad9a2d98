"""Two editors on one article in two real browsers: the lock notice says who
and since when, taking over moves it (and the first learns it from the
heartbeat), and a save from the older form is refused with a comparison."""

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from articles.images import public_storage, public_url
from articles.models import Article
from tests.factories import ArticleFactory, UserFactory, image_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_edit_lock_and_the_stale_save(
    live_server, browser, login, roles, settings, screenshot_dir
):
    settings.NEWSROOM_EDIT_LOCK_SECONDS = 15  # heartbeat every 5 s
    UserFactory(username="ana", first_name="Ana", last_name="Souza", groups="Editor")
    UserFactory(username="ben", first_name="Ben", last_name="Ito", groups="Editor")
    article = ArticleFactory(draft=True, title="Chip plant", standfirst="First")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    pages, contexts = {}, []
    for name in ("ana", "ben"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        pages[name] = context.new_page()
        login(pages[name], name)
        pages[name].goto(url)
    ana, ben = pages["ana"], pages["ben"]
    expect(ana.locator(".edit-lock-notice")).to_be_hidden()
    notice = ben.locator(".edit-lock-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Ana Souza is editing this article (since")
    ben.screenshot(path=screenshot_dir / "edit-lock-notice.png")
    # Ben takes over; Ana's page learns it from its next heartbeat.
    ben.get_by_role("button", name="Take over").click()
    expect(ben.locator(".edit-lock-notice")).to_be_hidden()
    expect(ana.locator(".edit-lock-notice")).to_contain_text(
        "Ben Ito is editing", timeout=12_000
    )
    # Ben saves a new standfirst; Ana saves hers from the older form.
    ben.fill("#id_standfirst", "Ben's standfirst")
    ben.locator("input[name=_continue]").click()
    expect(ben.locator(".messagelist")).to_contain_text("was changed successfully")
    ana.fill("#id_standfirst", "Ana's standfirst")
    ana.locator("input[name=_continue]").click()
    comparison = ana.locator(".stale-save")
    expect(comparison).to_contain_text(
        "Ben Ito changed this article after you opened it"
    )
    expect(comparison).to_contain_text("Ben's standfirst")
    expect(comparison).to_contain_text("Ana's standfirst")
    ana.screenshot(path=screenshot_dir / "stale-save-comparison.png", full_page=True)
    article.refresh_from_db()
    assert article.standfirst == "Ben's standfirst"
    # Saving again, having read it, keeps Ana's on purpose.
    ana.locator("input[name=_continue]").click()
    expect(ana.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Article.objects.get(pk=article.pk).standfirst == "Ana's standfirst"
    for context in contexts:  # no heartbeat may outlive the test's database
        context.close()


def test_the_desk_dashboard(live_server, page, login, roles, screenshot_dir):
    from datetime import timedelta

    from django.utils import timezone

    UserFactory(username="ed", first_name="Edna", groups="Editor")
    jo = UserFactory(username="jo", first_name="Jo", groups="Journalist")
    ArticleFactory(title="Chip plant breaks ground", in_review=True, created_by=jo)
    ArticleFactory(title="Foldable phones, reviewed", draft=True, created_by=jo)
    ArticleFactory(
        title="MWC preview", published_at=timezone.now() + timedelta(hours=5)
    )
    ArticleFactory(title="Leica and Xiaomi open a lab")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "ed")
    page.goto(live_server.url + "/admin/")
    desk = page.locator(".desk")
    expect(desk).to_contain_text("Chip plant breaks ground")
    expect(desk).to_contain_text("MWC preview")
    expect(page.locator(".model-article .pending-count")).to_have_text(
        "(1 in review, 1 scheduled)"
    )
    page.screenshot(path=screenshot_dir / "desk-dashboard.png")


def _open_article(live_server, browser, login, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, username)
    return context, page


def test_autosave_and_restore(
    live_server, browser, login, roles, settings, screenshot_dir
):
    settings.NEWSROOM_AUTOSAVE_SECONDS = 2
    UserFactory(username="ana", first_name="Ana", groups="Editor")
    article = ArticleFactory(draft=True, title="Chip plant")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    context, page = _open_article(live_server, browser, login, "ana")
    page.goto(url)
    page.fill("#id_title", "Chip plant breaks ground in Dresden")
    page.locator(".ProseMirror[contenteditable=true]").first.click()
    page.keyboard.type(" A sentence typed but never saved.")
    expect(page.locator("#autosave-status")).to_contain_text(
        "changes kept at", timeout=10_000
    )
    page.close()  # the laptop lid closes: nothing was saved
    assert Article.objects.get(pk=article.pk).title == "Chip plant"
    page = context.new_page()
    page.goto(url)
    offer = page.locator(".autosave-offer")
    expect(offer).to_contain_text("You have unsaved changes to this article")
    page.screenshot(path=screenshot_dir / "autosave-offer.png")
    offer.get_by_role("link", name="Restore them").click()
    expect(page.locator("#id_title")).to_have_value(
        "Chip plant breaks ground in Dresden"
    )
    expect(page.locator(".ProseMirror[contenteditable=true]").first).to_contain_text(
        "never saved"
    )
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = Article.objects.get(pk=article.pk)
    assert saved.title == "Chip plant breaks ground in Dresden"
    assert "never saved" in saved.body
    context.close()


def test_leaving_with_unsaved_changes_asks_first(live_server, browser, login, roles):
    UserFactory(username="ana", groups="Editor")
    article = ArticleFactory(draft=True, title="Chip plant")
    context, page = _open_article(live_server, browser, login, "ana")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.wait_for_timeout(1500)  # the form's starting state is taken
    page.fill("#id_title", "Changed but not saved")
    seen = []

    def stay(dialog):
        seen.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator(".breadcrumbs a").first.click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert seen == ["beforeunload"]
    assert "/change/" in page.url
    expect(page.locator("#id_title")).to_have_value("Changed but not saved")
    context.close()


def test_an_expired_session_on_save_loses_nothing(
    live_server, browser, login, roles, media_root
):
    from django.contrib.sessions.models import Session

    from tests.browser.test_publishing import jpeg_bytes

    UserFactory(username="ana", groups="Editor")
    article = ArticleFactory(draft=True, title="Chip plant", standfirst="Old")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    context, page = _open_article(live_server, browser, login, "ana")
    page.goto(url)
    page.fill("#id_standfirst", "Written while the session ran out")
    page.set_input_files(
        "#id_featured_image",
        files=[{"name": "lab.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.fill("#id_featured_image_alt", "The lab")
    Session.objects.all().delete()  # signed out meanwhile (expiry, logout)
    page.locator("input[name=_continue]").click()
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", "ana")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    # Back on the article, the form comes back filled, the image attached.
    expect(page.locator("#id_standfirst")).to_have_value(
        "Written while the session ran out"
    )
    expect(page.locator(".kept-image")).to_contain_text("(lab.jpg) is attached again")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = Article.objects.get(pk=article.pk)
    assert saved.standfirst == "Written while the session ran out"
    assert saved.featured_image and saved.featured_image_alt == "The lab"
    context.close()


def test_a_word_diff_and_a_corrected_article(
    live_server, browser, login, roles, screenshot_dir
):
    from articles.models import ArticleRevision
    from articles.services import article_correct, article_record_revision

    editor = UserFactory(username="ed", first_name="Edna", groups="Editor")
    article = ArticleFactory(
        title="Chip plant opens", body="<p>The plant opens in May with 2,000 jobs.</p>"
    )
    article_record_revision(article=article, user=editor)
    article.body = "<p>The plant opens in June with 3,000 jobs, the company said.</p>"
    article.save()
    newer = article_record_revision(article=article, user=editor)
    article_correct(
        revision=newer,
        note="An earlier version said the plant opens in May with 2,000 jobs.",
        user=editor,
    )
    older = ArticleRevision.objects.filter(article=article).exclude(pk=newer.pk).get()
    context, page = _open_article(live_server, browser, login, "ed")
    page.goto(
        f"{live_server.url}/admin/articles/article/{article.pk}/revisions/"
        f"?a={older.pk}&b={newer.pk}"
    )
    diff = page.locator(".word-diff").first
    expect(diff.locator("del").first).to_have_text("May")
    expect(diff.locator("ins").first).to_have_text("June")
    page.screenshot(path=screenshot_dir / "revision-word-diff.png")
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator(".corrections")).to_contain_text("An earlier version said")
    page.locator(".corrections").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "corrected-article.png")
    context.close()


def test_an_image_placed_in_the_body_with_a_caption(
    live_server, browser, login, roles, media_root, screenshot_dir
):
    from tests.browser.test_publishing import jpeg_bytes

    UserFactory(username="jo", groups="Journalist")
    jo = UserFactory._meta.model.objects.get(username="jo")
    imported = (
        '<p>Intro.</p><figure class="wp-block-image"><img src="/media/old.jpg" '
        'alt="An imported photo" width="640" height="360"><figcaption>Imported '
        "caption</figcaption></figure>"
    )
    article = ArticleFactory(draft=True, created_by=jo, title="Lab", body=imported)
    context, page = _open_article(live_server, browser, login, "jo")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator(".ProseMirror[contenteditable=true] p").first.click()
    page.keyboard.press("End")  # after "Intro.", not inside the old figure
    page.set_input_files(
        "#body-image-file",
        files=[{"name": "lab.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("input[name=imageUrl]")).to_have_value(
        re.compile(r"^/media/renditions/[0-9a-f]{20}/.+\.jpg$")
    )
    dialog.locator("input[name=altText]").fill("The optical lab in Beijing")
    dialog.locator("input[name=caption]").fill("The new lab. Photo: Leica")
    dialog.get_by_role("button", name="Insert").click()
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    body = Article.objects.get(pk=article.pk).body
    assert "<figcaption>Imported caption</figcaption>" in body  # survived the save
    assert 'alt="The optical lab in Beijing"' in body
    assert "<figcaption>The new lab. Photo: Leica</figcaption>" in body
    page.goto(f"{live_server.url}/preview/{article.pk}/")
    figure = page.locator(".article-body figure", has_text="The new lab")
    expect(figure.locator("figcaption")).to_have_text("The new lab. Photo: Leica")
    assert figure.locator("img").evaluate("img => img.naturalWidth") > 0
    figure.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "body-image.png")
    context.close()


def test_typing_over_a_body_image_keeps_it(
    live_server, browser, login, roles, media_root, screenshot_dir
):
    """#28 item 1: a clicked image takes no keystroke; the typing goes into
    a paragraph after it, and Enter at the end of a caption leaves it."""
    jo = UserFactory(username="jo", groups="Journalist")
    name = public_storage().save("body/lab.jpg", ContentFile(image_file().read()))
    src = public_url(name)
    figure = (
        f'<figure class="figure"><img src="{src}" alt="The optical lab"'
        ' width="1600" height="900"><figcaption>The lab. Photo: Leica'
        "</figcaption></figure>"
    )
    article = ArticleFactory(
        draft=True, created_by=jo, body=f"<p>Before.</p>{figure}<p>After.</p>"
    )
    context, page = _open_article(live_server, browser, login, "jo")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.locator("img").click()
    page.keyboard.type("Twenty characters ok")  # 20 characters
    editor.locator("figcaption").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("A new paragraph")
    editor.locator("img").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "body-image-typed-over.png")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".messagelist")).not_to_contain_text("empty image")
    body = Article.objects.get(pk=article.pk).body
    assert body.count("<img") == 1 and body.count("<figure") == 1
    assert f'src="{src}"' in body and 'alt="The optical lab"' in body
    assert "<figcaption>The lab. Photo: Leica</figcaption>" in body
    assert body.endswith(
        "</figure><p>A new paragraph</p><p>Twenty characters ok</p><p>After.</p>"
    )
    context.close()


def test_the_workflow_buttons_per_role(
    live_server, browser, login, roles, screenshot_dir
):
    jo = UserFactory(username="jo", groups="Journalist")
    UserFactory(username="ed", groups="Editor")
    article = ArticleFactory(draft=True, created_by=jo, title="Chip plant")
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    buttons = "button[name=_workflow]"
    context, page = _open_article(live_server, browser, login, "jo")
    page.goto(url)
    expect(page.locator(buttons)).to_have_text(["Save draft", "Submit for review"])
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "“Chip plant” is submitted for review"
    )
    assert Article.objects.get(pk=article.pk).status == Article.Status.IN_REVIEW
    context.close()
    context, page = _open_article(live_server, browser, login, "ed")
    page.goto(url)
    expect(page.locator("#workflow-state")).to_have_text("In review")
    expect(page.locator(buttons)).to_have_text(
        ["Save draft", "Submit for review", "Schedule", "Publish now"]
    )
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("“Chip plant” is published")
    assert Article.objects.get(pk=article.pk).is_published
    page.get_by_role("link", name="view it on the site").click()
    expect(page.locator("h1")).to_have_text("Chip plant")
    # A live story: the main button keeps it live; taking it down is asked.
    page.goto(url)
    expect(page.locator("#workflow-state")).to_contain_text("Published")
    expect(page.locator(buttons)).to_have_text(["Update"])
    page.locator(".submit-row").screenshot(
        path=screenshot_dir / "live-story-buttons.png"
    )
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".messagelist")).to_contain_text("“Chip plant” is updated")
    assert Article.objects.get(pk=article.pk).is_published
    page.goto(url)
    page.get_by_role("link", name="Unpublish…").click()
    expect(page.locator("#content-main")).to_contain_text("takes it off the site")
    page.screenshot(path=screenshot_dir / "unpublish-confirm.png")
    assert Article.objects.get(pk=article.pk).is_published  # only asked so far
    page.get_by_role("button", name="Yes, unpublish").click()
    expect(page.locator(".messagelist")).to_contain_text("is now offline")
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    context.close()
    # The journalist, on the story once it is live, gets a read-only page
    # with no buttons (never one that answers 403).
    ArticleFactory(created_by=jo, title="Live one")
    context, page = _open_article(live_server, browser, login, "jo")
    live = Article.objects.get(title="Live one")
    page.goto(f"{live_server.url}/admin/articles/article/{live.pk}/change/")
    expect(page.locator("#workflow-state")).to_contain_text("Published")
    expect(page.locator(buttons)).to_have_count(0)
    expect(page.locator(".workflow-confirm")).to_have_count(0)
    context.close()


def test_an_arabic_story_is_edited_right_to_left(
    live_server, page, login, roles, screenshot_dir
):
    """#28 item 5: the title, standfirst and each body paragraph take the
    direction of their own text; a Latin paragraph beside stays left to
    right; the submit row is one row."""
    UserFactory(username="ed-rtl", groups="Editor")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "ed-rtl", "correct-horse-battery")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title", "افتتاح مختبر جديد للرقائق.")
    page.fill("#id_standfirst", "خبر قصير عن المصنع.")
    assert page.locator("#id_title").evaluate("el => el.matches(':dir(rtl)')")
    assert page.locator("#id_standfirst").evaluate("el => el.matches(':dir(rtl)')")
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("يفتتح المصنع في مايو.")
    page.keyboard.press("Enter")
    page.keyboard.type("Leica and Xiaomi.")
    sides = editor.evaluate(
        """root => [...root.querySelectorAll('p')].map(p => {
            const range = document.createRange();
            range.selectNodeContents(p);
            const text = range.getBoundingClientRect();
            const box = p.getBoundingClientRect();
            // Which side the line of text sits against.
            return box.right - text.right < text.left - box.left ? 'right' : 'left';
        })"""
    )
    page.locator("#article_form").screenshot(path=screenshot_dir / "article-rtl.png")
    assert sides == ["right", "left"]
    assert page.locator(".submit-row").count() == 1


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_article_list_clips_no_column(
    live_server, page, login, roles, screenshot_dir, width
):
    """#28 item 4: at 1280 px titles were squeezed to ~80 px over 5-6 lines
    and "Updated at" was cut off (a 952 px table in a 631 px box)."""
    UserFactory(username="ed-list", groups="Editor")
    for n in range(6):
        ArticleFactory(
            title=f"Jim Ryan reveals what was his biggest challenge, part {n}"
        )
    page.set_viewport_size({"width": width, "height": 800})
    login(page, "ed-list", "correct-horse-battery")
    page.goto(live_server.url + "/admin/articles/article/")
    table = page.locator("#result_list")
    overflow, title = table.evaluate(
        """t => [
            t.scrollWidth - t.parentElement.clientWidth,
            t.querySelector('thead .column-title').getBoundingClientRect().width,
        ]"""
    )
    assert overflow <= 0, overflow
    assert title >= 200, title
    assert page.locator(".column-published_column").is_visible()
    page.screenshot(path=screenshot_dir / f"article-list-{width}.png")
