"""A reader posting comments over real HTTP (cookies kept, redirects not
followed), for the tests that hit a live server or gunicorn."""

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class CommentClient:
    def __init__(self, base_url: str):
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect
        )

    def post_comment(
        self, article_url: str, post_url: str, *, ip: str, name, email, body
    ) -> tuple[int, str]:
        """Open the article page as a reader at `ip` (X-Forwarded-For), fill
        its form and post it as a browser does (Origin, Sec-Fetch-Site; the
        page carries no CSRF token); returns (status, response text)."""
        headers = {"X-Forwarded-For": ip}
        request = urllib.request.Request(self.base + article_url, headers=headers)
        page = self.opener.open(request).read().decode()
        ts = re.search(r'name="ts" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode(
            {
                "ts": ts,
                "name": name,
                "email": email,
                "body": body,
            }
        ).encode()
        request = urllib.request.Request(
            self.base + post_url,
            data=data,
            headers={
                **headers,
                "Referer": self.base + article_url,
                "Origin": self.base,
                "Sec-Fetch-Site": "same-origin",
            },
        )
        try:
            response = self.opener.open(request)
            return response.status, ""
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def oversized_post_then_get(base_url: str, post_path: str, size: int, get_path: str):
    """On one kept-alive connection: POST `size` bytes to `post_path`, then GET
    `get_path`. Returns (first status, first headers, second status), the
    second None when the server closed the connection after the first (also
    correct). A server that left the body unread would parse it as the next
    request and answer garbage (400) or nothing."""
    import http.client

    host, port = urllib.parse.urlsplit(base_url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(
            "POST",
            post_path,
            body=b"x" * size,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        first = connection.getresponse()
        first.read()
        headers = {k.lower(): v for k, v in first.getheaders()}
        if first.will_close:
            return first.status, headers, None
        connection.request("GET", get_path)
        second = connection.getresponse()
        second.read()
        return first.status, headers, second.status
    finally:
        connection.close()
