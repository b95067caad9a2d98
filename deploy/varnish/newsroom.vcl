# Newsroom's edge: Varnish 7 with the xkey module (Debian: varnish,
# varnish-modules). Started by `make cluster` (scripts/cluster), which writes
# backends.vcl: the app servers, their /healthz probes, the round-robin
# director "apps", the purgers ACL, the error page, and where /media/ comes
# from (the object store's public bucket, read-only: GET and HEAD, no
# cookies, no query; a private object cannot be named through it).
#
# What it keeps: pages the app marks cacheable (they carry an `xkey` header
# with their cache tags and `Cache-Control: public, s-maxage=N`), static
# files and media. What it passes to the app untouched: the admin, previews,
# comment posts and every other non-GET, search, and any request carrying a
# per-visitor cookie (newsroom/settings.py NEWSROOM_VISITOR_COOKIES: a
# session, messages, a reader's pending comments or remembered name). Host,
# Origin and Sec-Fetch-* reach the app unchanged (the comment endpoint
# checks them). PURGE with an `xkey-purge: tag tag…` header, from the
# purgers ACL only, drops every page carrying one of the tags; with
# `xkey-purge: *` it drops every object, tagged or not (a restore: media
# and cached 404s carry no tag).
vcl 4.1;

import std;
import xkey;
import directors;

include "backends.vcl";
# Which responses are views to count, and the one record logged for each
# (`manage.py count_views --vcl` writes it; docs/audience.md).
include "audience.vcl";

sub vcl_recv {
    set req.backend_hint = apps.backend();
    # A page past its lifetime is fetched again before it is served while an
    # app server is up: its lifetime may end at the moment what it shows
    # changes by the clock (a scheduled story goes live, a front-page place
    # ends), and a stale copy would still show what must be gone. With every
    # app server down, the day of grace (vcl_backend_response) serves it.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    # Pages include parts that change on their own (the breaking-news
    # banner: caching/includes.py); this edge fills the includes in from its
    # own copies of the parts, so a banner change purges the banner alone.
    # Set here, never taken from the client.
    set req.http.Surrogate-Capability = {"newsroom="ESI/1.0""};

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        if (req.http.xkey-purge == "*") {
            ban("obj.status != 0");
            return (synth(200, "Banned every object"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }

    # Media: from the object store's public bucket when there is one
    # (backends.vcl's newsroom_media), else from the app servers below.
    if (req.url ~ "^/media/") {
        call newsroom_media;
    }

    # The client's address for the app (NEWSROOM_TRUSTED_PROXIES): Varnish
    # appends client.ip to X-Forwarded-For itself.

    if (req.method == "POST" && req.url ~ "^/comments/post/[0-9]+/$") {
        # Kept so a comment can be sent again to the other app server when
        # the first could not take it (vcl_backend_error).
        std.cache_req_body(512KB);
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview|comments|healthz|search)(/|\?|$)") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages|newsroom_pending_comments|newsroom_comment_author)=") {
        return (pass);
    }
    # Other cookies (analytics, a stale csrftoken) shape no page.
    unset req.http.Cookie;
    if (req.url ~ "\?") {
        # Tracking parameters share the page (the app keys on the same few).
        set req.url = regsuball(req.url, "([?&])(utm_[a-z]+|fbclid|gclid|mc_[a-z]+)=[^&]*", "\1");
        set req.url = regsub(req.url, "[?&]+$", "");
        set req.url = std.querysort(req.url);
    }
    return (hash);
}

sub vcl_backend_fetch {
    # A retry (below) goes to another app server than the one that failed:
    # the round robin's next pick, or the one after if that is the same.
    if (bereq.retries > 0 && !bereq.http.x-media) {
        set bereq.backend = apps.backend().resolve();
        if ("" + bereq.backend == bereq.http.x-failed-backend) {
            set bereq.backend = apps.backend().resolve();
        }
        unset bereq.http.x-failed-backend;
    }
}

sub vcl_backend_response {
    # When every app server is down, serve what we have for a day.
    set beresp.grace = 24h;
    if (beresp.http.Surrogate-Control ~ "ESI/1.0") {
        unset beresp.http.Surrogate-Control;
        unset beresp.http.X-Include-Tags;
        set beresp.do_esi = true;
        # Its parts change without it: the page as a whole has no validator
        # here (a browser's copy must not be "not modified" after a banner).
        unset beresp.http.ETag;
        unset beresp.http.Last-Modified;
    }
    if (beresp.status >= 500 && bereq.retries < 1 && bereq.method ~ "^(GET|HEAD)$") {
        return (retry);
    }
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Pages: only those the app tagged; static files and media by their
    # own Cache-Control. Anything else (404s, redirects) is not kept.
    if (!beresp.http.xkey && bereq.url !~ "^/(static|media)/" && !bereq.http.x-media) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    return (deliver);
}

sub vcl_backend_error {
    # A safe request, or a comment, goes once more to another app server.
    # Other POSTs never: they may have reached the app. A comment may too
    # (the server died after storing it, before answering); sent again it is
    # refused, never stored twice: the duplicate index and the flood rule
    # see the first (the reader is told so at the form).
    if (bereq.retries < 1 && (bereq.method ~ "^(GET|HEAD)$"
            || (bereq.method == "POST" && bereq.url ~ "^/comments/post/[0-9]+/$"))) {
        set bereq.http.x-failed-backend = "" + beresp.backend;
        return (retry);
    }
    call newsroom_error_page;
    return (deliver);
}

sub vcl_deliver {
    call newsroom_audience;
    unset resp.http.xkey;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    if (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
}
