"""The environment for a child process a test starts (manage.py, a server)."""

import os

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
