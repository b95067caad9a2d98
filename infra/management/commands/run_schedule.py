"""`manage.py run_schedule`: the site's periodic jobs (NEWSROOM_SCHEDULE):
the moderation desk's tick, IP purging after the retention period, backups.

Run under a supervisor (scripts/cluster runs one), it stays up and runs each
job when due; `--job NAME` runs one job now (for a systemd timer or cron);
`--status` prints each job's last run and result, kept in
NEWSROOM_SCHEDULE_STATE (a JSON file)."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

ROOT = Path(settings.BASE_DIR)
OUTPUT_KEPT = 300  # characters of a run's last output kept in the state


def _now() -> float:
    return time.time()


def _stamp(at: float | None) -> str:
    if not at:
        return "never"
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (NEWSROOM_SCHEDULE) when due, forever; or one "
        "job now (--job), or print each job's last run and result (--status)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--job", help="run this job now, then exit")
        parser.add_argument(
            "--status", action="store_true", help="print each job's last run"
        )

    def handle(self, *args, job=None, status=False, **options):
        self.state_path = Path(settings.NEWSROOM_SCHEDULE_STATE)
        if status:
            self._print_status()
            return
        if job:
            if job not in settings.NEWSROOM_SCHEDULE:
                raise CommandError(
                    f"no job {job!r}; jobs: {', '.join(settings.NEWSROOM_SCHEDULE)}"
                )
            ok = self._run(job)
            if not ok:
                raise CommandError(f"{job} failed (see --status)")
            return
        self._forever()

    # The state: {job: {last_start, last_end, ok, output, runs, failures}}.

    def _load(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        os.replace(tmp, self.state_path)

    def _run(self, name: str) -> bool:
        """Run one job in a process of its own (a job that hangs or crashes
        costs the scheduler nothing), and record how it went."""
        spec = settings.NEWSROOM_SCHEDULE[name]
        if "command" in spec:
            argv = [sys.executable, str(ROOT / "manage.py"), *spec["command"]]
        else:
            argv = [str(ROOT / spec["script"][0]), *spec["script"][1:]]
        state = self._load()
        entry = state.setdefault(name, {"runs": 0, "failures": 0})
        entry["last_start"] = _now()
        self._save(state)
        try:
            done = subprocess.run(
                argv,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=spec.get("timeout", 3600),
            )
            ok, output = done.returncode == 0, (done.stdout + done.stderr).strip()
        except (OSError, subprocess.TimeoutExpired) as error:
            ok, output = False, str(error)
        state = self._load()
        entry = state.setdefault(name, {"runs": 0, "failures": 0})
        entry.update(
            last_end=_now(),
            ok=ok,
            output=output[-OUTPUT_KEPT:],
            runs=entry.get("runs", 0) + 1,
            failures=entry.get("failures", 0) + (0 if ok else 1),
        )
        self._save(state)
        self.stdout.write(f"{name}: {'ok' if ok else 'FAILED'} {output[-200:]}")
        self.stdout.flush()
        return ok

    def _due(self, name: str, state: dict) -> float:
        last = state.get(name, {}).get("last_start") or 0
        return last + settings.NEWSROOM_SCHEDULE[name]["every"]

    def _forever(self) -> None:
        stopping = []
        signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
        self.stdout.write(f"Scheduler: {', '.join(settings.NEWSROOM_SCHEDULE)}")
        self.stdout.flush()
        while not stopping:
            state = self._load()
            for name in settings.NEWSROOM_SCHEDULE:
                if stopping:
                    break
                if self._due(name, state) <= _now():
                    self._run(name)
                    state = self._load()
            nearest = min(self._due(n, state) for n in settings.NEWSROOM_SCHEDULE)
            time.sleep(max(0.5, min(5.0, nearest - _now())))

    def _print_status(self) -> None:
        state = self._load()
        for name, spec in settings.NEWSROOM_SCHEDULE.items():
            entry = state.get(name, {})
            result = (
                "never run"
                if "ok" not in entry
                else ("ok" if entry["ok"] else "FAILED")
            )
            self.stdout.write(
                f"job {name:<10} every {spec['every']} s, last run "
                f"{_stamp(entry.get('last_end'))}: {result}"
                + (
                    f" ({entry.get('failures')} failure(s) in {entry.get('runs')})"
                    if entry.get("failures")
                    else ""
                )
            )
            if entry and not entry.get("ok", True):
                self.stdout.write(f"    {entry.get('output', '')[-200:]}")
