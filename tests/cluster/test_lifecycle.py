"""`make cluster` and `make cluster-stop` as an operator uses them: every
process runs under the supervisor; status and stop find the cluster by its
folder alone (it recorded the rest); stop leaves no process and no port."""

import secrets
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.processes import child_env, free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.cluster

PROGRAMS = {"db", "replica", "redis", "objectstore", "edge", "scheduler",
            "worker-1", "worker-2", "mta", "mailsink"}  # fmt: skip


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
        return True
    except OSError:
        return False


def processes_mentioning(*words: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(word in text for word in words):
            found.append(f"{cmdline.parent.name}: {text[:160]}")
    return found


def test_stop_stops_everything_start_started(tmp_path):
    token = secrets.token_hex(4)
    folder = tmp_path / "cluster"
    pgdata = f"/tmp/newsroom-lifecycle-{token}"
    ports = {
        name: free_port()
        for name in (
            "pg", "replica", "redis", "edge", "admin", "s3", "app1", "app2",
            "mta", "sink",
        )
    }  # fmt: skip
    env = child_env(
        DATABASE_URL="",
        NEWSROOM_PGPORT=str(ports["pg"]),
        NEWSROOM_PGDATA=pgdata,
        NEWSROOM_REPLICA_DATA=f"{pgdata}-replica",
        NEWSROOM_REPLICA_PORT=str(ports["replica"]),
        NEWSROOM_CLUSTER_DIR=str(folder),
        NEWSROOM_EDGE_PORT=str(ports["edge"]),
        NEWSROOM_EDGE_ADMIN_PORT=str(ports["admin"]),
        NEWSROOM_APP_PORTS=f"{ports['app1']} {ports['app2']}",
        NEWSROOM_REDIS_PORT=str(ports["redis"]),
        NEWSROOM_S3_PORT=str(ports["s3"]),
        NEWSROOM_MTA_PORT=str(ports["mta"]),
        NEWSROOM_MAILSINK_PORT=str(ports["sink"]),
        NEWSROOM_OBJECTSTORE_DIR=str(folder / "objectstore"),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_STATIC_ROOT=str(folder / "static"),
    )
    # Later commands get the cluster's folder and nothing else.
    bare = child_env(NEWSROOM_CLUSTER_DIR=str(folder))
    for name in ("DATABASE_URL", "NEWSROOM_PGPORT", "NEWSROOM_PGDATA"):
        bare.pop(name, None)

    def cluster(*args, environment=bare):
        return subprocess.run(
            ["scripts/cluster", *args], cwd=ROOT, env=environment,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    mta_dir = f"/tmp/newsroom-lifecycle-mta-{token}"
    env["NEWSROOM_MTA_DIR"] = mta_dir
    try:
        started = cluster("start", environment=env)
        assert started.returncode == 0, started.stdout + started.stderr
        status = cluster("status")
        assert status.returncode == 0, status.stdout + status.stderr
        running = {
            line.split()[0]
            for line in status.stdout.splitlines()
            if " RUNNING " in f" {line} "
        }
        assert PROGRAMS | {f"app-{ports['app1']}", f"app-{ports['app2']}"} <= running
        assert all(listening(port) for key, port in ports.items() if key != "admin")
        stopped = cluster("stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert cluster("status").returncode == 3
        open_ports = [key for key, port in ports.items() if listening(port)]
        assert open_ports == []
        assert processes_mentioning(str(folder), pgdata, mta_dir) == []
        # Varnish's folder outside the checkout (in memory where there is
        # /dev/shm) goes with it.
        for base in ("/tmp", "/dev/shm"):
            assert not Path(f"{base}/newsroom-edge-{ports['edge']}").exists()
    finally:
        cluster("stop")
        shutil.rmtree(pgdata, ignore_errors=True)
        shutil.rmtree(f"{pgdata}-replica", ignore_errors=True)
        shutil.rmtree(mta_dir, ignore_errors=True)
