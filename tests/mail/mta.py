"""A throw-away Postfix instance, a sink and filter processes on loopback, for end-to-end tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[2]
POSTFIX = Path("/usr/sbin/postfix")
PIPE_USER = "nobody"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, step: float = 0.1) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(step)
    raise TimeoutError("condition not met in time")


@dataclass(frozen=True)
class Delivered:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


class _SinkHandler:
    def __init__(self, store: list[Delivered], lock: threading.Lock) -> None:
        self.store, self.lock = store, lock

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        item = Delivered(envelope.mail_from or "", tuple(envelope.rcpt_tos),  # type: ignore[attr-defined]
                         envelope.original_content)  # type: ignore[attr-defined]
        with self.lock:
            self.store.append(item)
        return "250 2.0.0 stored"


class Sink:
    """The final hop: an SMTP server keeping every message it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.items: list[Delivered] = []
        self.controller = Controller(_SinkHandler(self.items, self.lock), hostname="127.0.0.1",
                                     port=self.port, decode_data=False, enable_SMTPUTF8=True,
                                     data_size_limit=None)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[Delivered]:
        with self.lock:
            return list(self.items)

    def find(self, marker: bytes) -> list[Delivered]:
        return [m for m in self.messages() if marker in m.data]

    def wait(self, marker: bytes, timeout: float = 20.0) -> Delivered:
        wait_for(lambda: self.find(marker), timeout)
        return self.find(marker)[0]


def pipe_runtime(work: Path) -> tuple[str, dict[str, str]]:
    """An interpreter and PYTHONPATH the unprivileged pipe(8) user can execute.

    A venv whose interpreter lives under a root-only home cannot be run by ``nobody``;
    then the code and its dependencies are copied to a world-readable directory and run
    with the system interpreter (same Python minor version).
    """
    probe = [sys.executable, "-c", "import scrubber.cli"]
    if _runs_as(PIPE_USER, probe, {}):
        return sys.executable, {}
    lib = work / "pylib"
    site = Path(sysconfig.get_paths()["purelib"])
    lib.mkdir()
    needed = _core_modules()
    for entry in site.iterdir():
        if entry.name.split(".")[0] in needed or (
                entry.name.startswith("scrubber-") and entry.name.endswith(".dist-info")):
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, lib / entry.name)
    shutil.copytree(REPO / "scrubber", lib / "scrubber")
    shutil.copytree(REPO / "rules", lib / "rules")
    subprocess.run(["chmod", "-R", "a+rX", str(work)], check=True)
    python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    env = {"PYTHONPATH": str(lib)}
    if not _runs_as(PIPE_USER, [python, "-c", "import scrubber.cli"], env):
        raise RuntimeError(f"the pipe user cannot run scrubber with {python}")
    return python, env


def _core_modules() -> set[str]:
    """Top-level modules of scrubber's own (non-extra) dependencies."""
    import importlib.metadata as md
    import re

    wanted = {re.split(r"[<>=!~; \[]", r)[0].lower().replace("_", "-")
              for r in md.requires("scrubber") or () if "extra ==" not in r}
    return {mod for mod, dists in md.packages_distributions().items()
            if any(d.lower().replace("_", "-") in wanted for d in dists)}


def _runs_as(user: str, argv: Sequence[str], env: dict[str, str]) -> bool:
    cmd = ["setpriv", "--reuid", user, "--regid", "nogroup", "--clear-groups",
           "env", *[f"{k}={v}" for k, v in env.items()], *argv]
    return subprocess.run(cmd, capture_output=True, cwd="/").returncode == 0


class Postfix:
    """A Postfix instance under a temp dir: listeners for each front end, relay to the sink."""

    def __init__(self, sink: Sink) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="scrubber-postfix-"))
        os.chmod(self.work, 0o755)
        self.etc = self.work / "etc"
        self.sink = sink
        names = ("cf_in", "reinject", "filter", "milter_in", "milter_queue", "milter",
                 "pipe_in", "pipe_slow_in", "pipe_hang_in")
        self.ports = {name: free_port() for name in names}
        self.pack_dir = self.work / "piperules"
        self.pack_dir.mkdir()
        os.chmod(self.pack_dir, 0o755)
        self.python, self.pipe_env = pipe_runtime(self.work)

    # -- configuration --------------------------------------------------------------------

    def main_cf(self) -> str:
        w = self.work
        return f"""compatibility_level = 3.6
config_directory = {self.etc}
queue_directory = {w}/spool
data_directory = {w}/data
maillog_file = {w}/log/postfix.log
maillog_file_prefixes = {w}/log
myhostname = scrubtest.localdomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = example.test
relayhost = [127.0.0.1]:{self.sink.port}
smtpd_relay_restrictions = permit_mynetworks, reject
receive_override_options = no_address_mappings
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
delay_warning_time = 0
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s
milter_connect_timeout = 5s
milter_default_action = tempfail
# a killed filter must not throttle its destination past the test's flush
default_destination_concurrency_failed_cohort_limit = 1000
transport_retry_time = 1s
"""

    def _pipe(self, name: str, scan: float, deadline: float) -> str:
        env = " ".join(f"{k}={v}" for k, v in self.pipe_env.items())
        return (f"{name} unix - n n - 4 pipe\n"
                f"  flags=Rq user={PIPE_USER} null_sender=\n"
                f"  argv=/usr/bin/env {env} {self.python} -m scrubber mail filter"
                f" --reinject 127.0.0.1:{self.ports['reinject']} --rules {self.pack_dir}"
                f" --scan-timeout {scan} --deadline {deadline} -f ${{sender}} -- ${{recipient}}\n")

    def master_cf(self) -> str:
        p = self.ports
        listener = "127.0.0.1:{} inet n - n - - smtpd\n"
        return (
            listener.format(p["cf_in"]) + f"  -o content_filter=scrub:[127.0.0.1]:{p['filter']}\n"
            + listener.format(p["milter_in"]) + "  -o content_filter=\n"
            + f"  -o smtpd_milters=inet:127.0.0.1:{p['milter']}\n"
            + "  -o milter_default_action=tempfail\n"
            + listener.format(p["milter_queue"])
            + f"  -o content_filter=tomilter:[127.0.0.1]:{p['milter_in']}\n"
            + listener.format(p["pipe_in"]) + "  -o content_filter=pipefilt:dummy\n"
            + listener.format(p["pipe_slow_in"]) + "  -o content_filter=pipeslow:dummy\n"
            + listener.format(p["pipe_hang_in"]) + "  -o content_filter=pipehang:dummy\n"
            + "scrub unix - - n - 4 smtp\n  -o smtp_send_xforward_command=yes\n"
            + "  -o disable_mime_output_conversion=yes\n"
            + "tomilter unix - - n - 4 smtp\n  -o disable_mime_output_conversion=yes\n"
            + self._pipe("pipefilt", 0.5, 30) + self._pipe("pipeslow", 60, 2)
            + self._pipe("pipehang", 60, 120)
            + f"127.0.0.1:{p['reinject']} inet n - n - 10 smtpd\n  -o content_filter=\n"
            + "  -o receive_override_options=no_unknown_recipient_checks,"
              "no_header_body_checks,no_milters\n"
            + "  -o smtpd_relay_restrictions=permit_mynetworks,reject\n"
            + "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8\n"
            + _STOCK_SERVICES)

    # -- control --------------------------------------------------------------------------

    def postfix(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(POSTFIX), "-c", str(self.etc), *args], capture_output=True,
                              text=True, timeout=60)

    def start(self) -> None:
        self.etc.mkdir()
        (self.work / "log").mkdir()
        for d in ("spool", "data"):
            (self.work / d).mkdir()
        shutil.chown(self.work / "data", "postfix")
        (self.etc / "main.cf").write_text(self.main_cf())
        (self.etc / "master.cf").write_text(self.master_cf())
        self.postfix("set-permissions")
        check = self.postfix("check")
        started = self.postfix("start")
        if started.returncode != 0:
            raise RuntimeError(f"postfix start failed: {check.stderr} {started.stderr}"
                               f" {self.log()[-2000:]}")
        for name in ("cf_in", "reinject", "milter_in", "milter_queue", "pipe_in"):
            wait_port(self.ports[name])

    def stop(self) -> None:
        self.postfix("stop")
        shutil.rmtree(self.work, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.work / "log" / "postfix.log").read_text(errors="replace")
        except OSError:
            return ""

    def flush(self) -> None:
        subprocess.run(["/usr/sbin/postqueue", "-c", str(self.etc), "-f"], check=True,
                       capture_output=True, timeout=30)

    def queue(self) -> list[dict[str, object]]:
        out = subprocess.run(["/usr/sbin/postqueue", "-c", str(self.etc), "-j"],
                             capture_output=True, text=True, timeout=30).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def deferred(self, marker: str) -> list[dict[str, object]]:
        """Queue entries whose recipients carry a deferral reason naming ``marker``'s id."""
        return [q for q in self.queue() if q.get("queue_name") == "deferred"
                and any(marker in str(r.get("address", "")) for r in q.get("recipients", []))]

    def send(self, port_name: str, data: bytes, rcpt: str,
             sender: str = "jane@example.test") -> None:
        import smtplib
        with smtplib.SMTP("127.0.0.1", self.ports[port_name], timeout=60) as smtp:
            options = [] if data.isascii() else ["BODY=8BITMIME"]
            smtp.sendmail(sender, [rcpt], data, mail_options=options)


class Daemon:
    """A ``scrubber mail smtp-filter|milter`` process this test started (killed by pid only)."""

    def __init__(self, verb: str, port: int, *extra: str, env: dict[str, str] | None = None):
        self.argv = [sys.executable, "-m", "scrubber", "mail", verb,
                     "--listen", f"127.0.0.1:{port}", *extra]
        self.port = port
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Daemon:
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        wait_port(self.port)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> Daemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_STOCK_SERVICES = """pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


@contextlib.contextmanager
def running_postfix() -> Iterator[Postfix]:
    """A throw-away Postfix on loopback delivering to a fresh sink, stopped afterwards."""
    sink = Sink()
    sink.start()
    pf = Postfix(sink)
    try:
        pf.start()
        yield pf
    finally:
        pf.stop()
        sink.stop()
