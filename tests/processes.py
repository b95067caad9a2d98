"""The environment for a child process a test starts (manage.py, a server)."""

import os
import socket

# Where the database is: `make test` exports these (NEWSROOM_PGPORT may be
# set to anything), so a child must get them too or it looks at the default.
DATABASE_VARIABLES = ("DATABASE_URL", "NEWSROOM_PGPORT", "NEWSROOM_PGDATA")


def child_env(**variables: str) -> dict:
    """A clean environment: PATH and HOME, this run's database location, no
    development settings file (var/dev.env), plus `variables`."""
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env.update({k: os.environ[k] for k in DATABASE_VARIABLES if k in os.environ})
    env["NEWSROOM_ENV_FILE"] = ""
    env.update(variables)
    return env


_given: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now (bound, then closed again): a server a
    test starts takes it, or a client finds it refusing (a server down).
    Never one this process was given before (the kernel may hand a freed
    port out again, and a cluster takes a dozen at once)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given:
            _given.add(port)
            return port


def stop(process, grace: float = 20) -> None:
    """Stop a server a test started: SIGTERM, and SIGKILL if it has not
    ended after `grace` seconds (a graceful stop on a loaded 2-core machine
    once took longer: the test's subject is what the server answered, not
    how fast it winds down). Either way it has ended when this returns, so
    its database connections are gone."""
    import subprocess
    import sys

    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        print(
            f"server {process.pid} still up {grace} s after SIGTERM: killed",
            file=sys.stderr,
        )
        process.kill()
        process.wait(timeout=grace)
