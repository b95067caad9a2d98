"""`manage.py count_views --edge-workdir DIR`: count the views of stories and
sections from the edge's log (NEWSROOM_AUDIENCE=edge; scripts/cluster
supervises it). `--stdin` reads the same lines from standard input;
`--vcl` prints the edge's counting rules (audience.vcl, beside newsroom.vcl)."""

import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audience import edge
from audience.counting import start_flusher, tally


class Command(BaseCommand):
    help = "Count story and section views from the edge's log (docs/audience.md)."

    def add_arguments(self, parser):
        parser.add_argument("--edge-workdir", help="Varnish's working directory (-n)")
        parser.add_argument("--stdin", action="store_true")
        parser.add_argument("--vcl", action="store_true")

    def handle(self, *args, **options):
        counting_here = settings.NEWSROOM_AUDIENCE == "edge"
        if options["vcl"]:
            self.stdout.write(
                edge.audience_vcl() if counting_here else edge.NO_COUNTING_VCL,
                ending="",
            )
            return
        if not counting_here and not options["stdin"]:
            # Supervised beside an edge that counts nothing: stay idle.
            self.stderr.write("Views are not counted at the edge (NEWSROOM_AUDIENCE).")
            threading.Event().wait()
        counter = tally()
        start_flusher()
        if options["stdin"]:
            edge.read(sys.stdin, counter)
            counter.flush()
            return
        if not options["edge_workdir"]:
            raise CommandError("Give --edge-workdir (Varnish's -n) or --stdin.")
        log = edge.edge_log(options["edge_workdir"])
        try:
            edge.read(log.stdout, counter)
        finally:
            counter.flush()
            log.terminate()
        # The edge went away (a restart): the supervisor starts this again.
        raise CommandError("The edge's log ended.")
