"""Counting at the edge (NEWSROOM_AUDIENCE=edge): most pages are served by
Varnish without reaching Django, so the edge decides what a view is and
its log carries it to a worker (`manage.py count_views`), which never
writes it anywhere but the database's per-minute counts.

The edge's part is VCL made here from the same rules the app uses
(`audience_vcl`, written by scripts/cluster beside newsroom.vcl): on a
counted page (its `X-Audience` mark) from a reader (not a bot, not staff),
it logs one record, "page source address", to its shared-memory log (a
ring in memory, overwritten continuously; the worker reads it as it is
written).
The raw Referer and User-Agent never reach that log: the source is decided
in the VCL. The worker holds the address in memory for the repeat window
only.
"""

import re
import subprocess
import sys

from .counting import BOTS, SEARCH, SOCIAL, View, own_hosts
from .models import Source

# The VCL's one record per counted view, as varnishlog prints it raw:
# "<vxid> VCL_Log <c> audience:<page> <source> <client address>". Raw records
# filtered by tag cost the edge's machine least (no transaction grouping).
RECORD = re.compile(r"^\s*\d+\s+VCL_Log\s+\S\s+audience:(\S+) (\S+) (\S+)\s*$")


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
        std.log("audience:" + resp.http.X-Audience + " " + req.http.X-Audience-Source
            + " " + client.ip);
        unset req.http.X-Audience-Host;
        unset req.http.X-Audience-Source;
    }}
    unset resp.http.X-Audience;
}}
"""


def parse(line: str) -> View | None:
    """A raw VCL_Log line (RECORD) as a view, or None."""
    found = RECORD.match(line)
    if found is None or found[2] not in Source.values:
        return None
    return View(page=found[1], client=found[3], source=found[2])


def read(stream, tally) -> int:
    """Count the views in `stream` (lines of FORMAT) until it ends; how many
    lines were read."""
    lines = 0
    for line in stream:
        lines += 1
        view = parse(line)
        if view is not None:
            tally.add(view)
    return lines


def edge_log(workdir: str) -> subprocess.Popen:
    """The edge's log as it is written: the VCL's records only."""
    return subprocess.Popen(
        ["varnishlog", "-n", workdir, "-g", "raw", "-i", "VCL_Log"],
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        bufsize=1,
    )
