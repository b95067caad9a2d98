"""Newsletters in the admin: the lists offered (editors), and who is
subscribed (counts; addresses for those who may see them)."""

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles.models import Article, can_publish

from . import editions, sending
from .models import Delivery, Newsletter, Send, Subscriber, Subscription


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "section", "active", "confirmed", "position")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count(
                    "subscriptions",
                    filter=Q(subscriptions__confirmed_at__isnull=False),
                )
            )
        )

    @admin.display(description="Confirmed subscribers", ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ("newsletter", "asked_at", "confirmed_at", "consent")
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # readers subscribe themselves (or an import does)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at")
    search_fields = ("email",)
    list_filter = ("subscriptions__newsletter",)
    readonly_fields = ("email", "created_at", "confirm_sent_at")
    inlines = [SubscriptionInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


class SendForm(forms.ModelForm):
    stories = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        help_text="One story a line, in the order they show: its number first "
        "(what follows it is only a reminder). Move lines to reorder, delete "
        "one to leave it out, add a line with a story's number to add it.",
    )

    class Meta:
        model = Send
        fields = ["newsletter", "subject", "intro", "scheduled_for", "text", "html"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.story_ids:
            titles = dict(
                Article.objects.filter(pk__in=self.instance.story_ids).values_list(
                    "pk", "title"
                )
            )
            self.initial["stories"] = "\n".join(
                f"{pk} · {titles.get(pk, '(no longer published)')}"
                for pk in self.instance.story_ids
            )
        for name in ("text", "html"):
            if name in self.fields:  # made from the stories when there are some
                self.fields[name].required = False

    def clean_stories(self):
        ids = []
        for line in self.cleaned_data["stories"].splitlines():
            number = re.match(r"\s*(\d+)", line)
            if line.strip() and not number:
                raise ValidationError(f"“{line.strip()}” does not start with a number.")
            if number and int(number[1]) not in ids:
                ids.append(int(number[1]))
        published = set(
            Article.objects.published().filter(pk__in=ids).values_list("pk", flat=True)
        )
        missing = [pk for pk in ids if pk not in published]
        if missing:
            raise ValidationError(
                f"No published story has the number {', '.join(map(str, missing))}."
            )
        return ids


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    """An edition: composed (the morning briefing, an alert) or written by
    hand; reordered, given an intro, previewed, tested, sent or scheduled;
    its progress while it goes."""

    form = SendForm
    list_display = ("subject", "newsletter", "status", "scheduled_for", "started_at")
    list_filter = ("newsletter", "status")
    readonly_fields = ("status", "progress", "preview")
    actions = ["send_test", "send_now"]

    def get_fields(self, request, obj=None):
        fields = ["newsletter", "subject", "intro", "stories", "scheduled_for"]
        if obj is None or not obj.story_ids:
            fields += ["text", "html"]
        return [*fields, "status", "progress", "preview"]

    @admin.display(description="Progress")
    def progress(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        counts = sending.progress(obj)
        total = sum(counts.values())
        return format_html_join(
            ", ",
            "{}: {}",
            [(Delivery.Status(k).label, v) for k, v in counts.items() if v]
            + [("Recipients", total)],
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "Saved editions can be previewed."
        url = reverse("admin:newsletters_send_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">Open the HTML part</a>', url)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Send.Status.DRAFT:
            fields += [
                "newsletter",
                "subject",
                "intro",
                "scheduled_for",
                "text",
                "html",
            ]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        stories = form.cleaned_data.get("stories")
        if stories or obj.story_ids:
            obj.story_ids = stories
            editions.render(obj)
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="newsletters_send_preview",
            ),
            path(
                "alert/<int:article_pk>/",
                self.admin_site.admin_view(self.alert_view),
                name="newsletters_send_alert",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk):
        send = get_object_or_404(Send, pk=pk)
        if not self.has_view_permission(request, send):
            raise PermissionDenied
        response = HttpResponse(send.html)
        # The edition's own HTML, shown as mail clients show it: no script.
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src *; style-src 'unsafe-inline'"
        )
        return response

    def alert_view(self, request, article_pk):
        article = get_object_or_404(Article.objects.published(), pk=article_pk)
        if not (self.has_add_permission(request) and can_publish(request.user)):
            raise PermissionDenied
        lists = list(
            Newsletter.objects.filter(active=True, kind=Newsletter.Kind.ALERTS)
        )
        choices = [
            (n, editions.alert_recipients(n), editions.alerts_today(n)) for n in lists
        ]
        if request.method == "POST":
            chosen = next(
                (n for n in lists if str(n.pk) == request.POST.get("newsletter")), None
            )
            if chosen is None:
                self.message_user(request, "Choose a list.", messages.ERROR)
            else:
                try:
                    send = editions.alert_send(
                        article=article,
                        newsletter=chosen,
                        user=request.user,
                        note=request.POST.get("note", "")[:500],
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                else:
                    count = send.deliveries.count()
                    self.message_user(
                        request,
                        f"Alert “{article.title}” is going to {count} "
                        f"subscriber(s) of {chosen.name}.",
                        messages.SUCCESS,
                    )
                    return redirect("admin:newsletters_send_change", send.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "choices": choices,
            "limit": settings.NEWSROOM_ALERTS_PER_DAY,
            "title": f"Breaking alert: {article.title}",
        }
        return TemplateResponse(request, "admin/newsletters/send/alert.html", context)

    @admin.action(description="Send a test to me", permissions=["change"])
    def send_test(self, request, queryset):
        if not request.user.email:
            self.message_user(
                request, "Your account has no e-mail address.", messages.ERROR
            )
            return
        for send in queryset:
            sending.send_test(send=send, email=request.user.email)
        self.message_user(request, f"Sent to {request.user.email}.", messages.SUCCESS)

    @admin.action(
        description="Send now to every confirmed subscriber", permissions=["change"]
    )
    def send_now(self, request, queryset):
        for send in queryset.filter(status=Send.Status.DRAFT):
            count = sending.send_start(send=send, by=request.user)
            self.message_user(
                request,
                f"“{send.subject}”: sending to {count} subscriber(s).",
                messages.SUCCESS,
            )
