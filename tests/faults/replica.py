"""A real ``so8t serve`` process for tests that need one (faults, two replicas): started on a free port
with the tiny model, stopped with ``kill()`` (SIGKILL: no shutdown code runs, as when the machine or the
OOM killer takes it) or ``stop()`` (SIGTERM, then SIGKILL if it lingers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 120.0
SECRET_KEY = "fault-test-signing-key"
ADMIN_PASSWORD = "fault-admin-password"


@dataclass(frozen=True)
class ReplicaConfig:
    database_url: str
    model_dir: Path  # the tiny base model
    head_dir: Path  # a forced head (tests/conftest.py make_forced_head)
    work_dir: Path  # var/, the spool and the server's log go here
    max_new_tokens: int = 8
    extra_env: tuple[tuple[str, str], ...] = ()  # settings on top of (or instead of) the defaults below
    migrate: bool = True  # False: ``serve --no-migrate`` (the schema was upgraded once, beforehand)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Replica:
    """Started at construction; ``wait=False`` returns at once (call ``wait_healthy()``), so several
    replicas can load their models at the same time."""

    def __init__(self, config: ReplicaConfig, name: str = "replica", *, wait: bool = True) -> None:
        self.config, self.name, self.port = config, name, free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config.work_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = config.work_dir / f"{name}.log"
        env = {
            **os.environ,
            "SO8T_DATABASE_URL": config.database_url,
            "SO8T_MODEL_NAME_OR_PATH": str(config.model_dir),
            "SO8T_HEAD_DIR": str(config.head_dir),
            "SO8T_MAX_NEW_TOKENS": str(config.max_new_tokens),
            "SO8T_VAR_DIR": str(config.work_dir / "var"),
            "SO8T_AUDIT_SPOOL_PATH": str(config.work_dir / "audit-spool.jsonl"),
            "SO8T_SECRET_KEY": SECRET_KEY,
            "SO8T_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SO8T_PII_NER": "false",
            "SO8T_PRECEDENTS": "false",
            "SO8T_RATE_LIMIT_PER_USER": "0",
            "SO8T_RATE_LIMIT_PER_IP": "0",
            "SO8T_MODEL_RELOAD_INTERVAL_SECONDS": "0",
            "SO8T_LOG_LEVEL": "WARNING",
            "GRADIO_ANALYTICS_ENABLED": "False",
            **dict(config.extra_env),
        }
        so8t = Path(sys.executable).with_name("so8t")
        serve = [str(so8t), "serve", *([] if config.migrate else ["--no-migrate"])]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [*serve, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=config.work_dir,  # no .env from the repository
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_healthy()

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz in {STARTUP_TIMEOUT_S:.0f}s:\n{self.log()}")

    def token(self, username: str, password: str) -> dict[str, str]:
        r = httpx.post(
            f"{self.base_url}/v1/auth/token", data={"username": username, "password": password}, timeout=30
        )
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def kill(self) -> None:
        """SIGKILL, then reap it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def full_log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log(self) -> str:
        """The end of the server's output (for failure messages)."""
        return self.full_log()[-4000:]
