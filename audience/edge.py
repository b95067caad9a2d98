"""Counting at the edge (NEWSROOM_AUDIENCE=edge): most pages are served by
Varnish without reaching Django, so the edge decides what a view is and
its log carries it to a worker (`manage.py count_views`), which never
writes it anywhere but the database's per-minute counts.

The edge's part is VCL made here from the same rules the app uses
(`audience_vcl`, written by scripts/cluster beside newsroom.vcl): on a
counted page (its `X-Audience` mark) from a reader (not a bot, not staff),
it logs one record, "page source", to its shared-memory log (a ring in
memory, overwritten continuously; the worker reads it as it is written).
The raw Referer and User-Agent never reach that log: the source is decided
in the VCL. The client's address is the edge's own record of the request;
the worker holds it in memory for the repeat window only.
"""

import re
import subprocess
import sys

from .counting import BOTS, SEARCH, SOCIAL, View, own_hosts
from .models import Source

# What varnishncsa prints for a counted page: the VCL's record, then the
# client's address.
FORMAT = "%{VCL_Log:audience}x\t%h"
QUERY = "VCL_Log:audience"


# The edge's part when it counts nothing (NEWSROOM_AUDIENCE is not "edge").
NO_COUNTING_VCL = """# Written by scripts/cluster: views are not counted at this edge.
sub newsroom_audience {
    unset resp.http.X-Audience;
}
"""


def _host_pattern(names) -> str:
    parts = []
    for name in names:
        if name.endswith("."):  # any top-level domain
            parts.append(r"(^|\.)" + re.escape(name))
        else:
            parts.append(r"(^|\.)" + re.escape(name) + "$")
    return "|".join(parts)


def _vcl_string(pattern: str) -> str:
    return '{"' + pattern + '"}'


def audience_vcl(hosts=None) -> str:
    """`sub newsroom_audience`, called from vcl_deliver for every response."""
    hosts = sorted(hosts if hosts is not None else own_hosts())
    own = "|".join(r"(^|\.)" + re.escape(h) + "$" for h in hosts) or "^$"
    return f"""# Written by scripts/cluster from audience/edge.py: which responses are
# views to count (docs/audience.md). Only "page source" is logged.
sub newsroom_audience {{
    if (!resp.http.X-Audience) {{
        return;
    }}
    if (req.esi_level == 0 && req.method == "GET" && resp.status == 200
            && req.http.User-Agent
            && req.http.User-Agent !~ {_vcl_string("(?i)" + BOTS.pattern)}
            && req.http.Cookie !~ "(^|;\\s*)sessionid=") {{
        set req.http.X-Audience-Host = regsub(
            std.tolower(req.http.Referer),
            "^[a-z][a-z0-9+.-]*://(www\\.)?([^/:?#@]+).*$", "\\2");
        if (!req.http.Referer
                || req.http.X-Audience-Host == std.tolower(req.http.Referer)) {{
            set req.http.X-Audience-Source = "{Source.DIRECT}";
        }} elsif (req.http.X-Audience-Host ~ {_vcl_string(own)}) {{
            set req.http.X-Audience-Source = "{Source.INTERNAL}";
        }} elsif (req.http.X-Audience-Host ~ {_vcl_string(_host_pattern(SEARCH))}) {{
            set req.http.X-Audience-Source = "{Source.SEARCH}";
        }} elsif (req.http.X-Audience-Host ~ {_vcl_string(_host_pattern(SOCIAL))}) {{
            set req.http.X-Audience-Source = "{Source.SOCIAL}";
        }} else {{
            set req.http.X-Audience-Source = "{Source.OTHER}";
        }}
        std.log("audience:" + resp.http.X-Audience + " " + req.http.X-Audience-Source);
        unset req.http.X-Audience-Host;
        unset req.http.X-Audience-Source;
    }}
    unset resp.http.X-Audience;
}}
"""


def parse(line: str) -> View | None:
    """A varnishncsa line (FORMAT) as a view, or None."""
    record, _, client = line.rstrip("\n").partition("\t")
    page, _, source = record.partition(" ")
    if not page or source not in Source.values:
        return None
    return View(page=page, client=client, source=source)


def read(stream, tally, *, on_line=None) -> int:
    """Count the views in `stream` (lines of FORMAT) until it ends; how many
    lines were read."""
    lines = 0
    for line in stream:
        lines += 1
        view = parse(line)
        if view is not None:
            tally.add(view)
        if on_line is not None:
            on_line()
    return lines


def varnishncsa(workdir: str) -> subprocess.Popen:
    """The edge's log, as it is written, for counted pages only."""
    return subprocess.Popen(
        ["varnishncsa", "-n", workdir, "-q", QUERY, "-F", FORMAT],
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        bufsize=1,
    )
