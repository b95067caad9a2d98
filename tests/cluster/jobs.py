"""A job for the worker tests: marks its start and end in a file, slowly
enough to be killed in between."""

import os
import time
from pathlib import Path

from django.tasks import task


@task
def slow_job(path: str, seconds: float = 4.0) -> str:
    marks = Path(path)
    with marks.open("a") as out:
        out.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with marks.open("a") as out:
        out.write(f"done {os.getpid()}\n")
    return "done"
