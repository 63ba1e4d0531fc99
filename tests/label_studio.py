"""A real Label Studio server on loopback for the review test: started from `.venv-review` (make review-install) or
EMER_LABEL_STUDIO, with a fresh SQLite data folder, an admin user with a legacy API token, local-file serving from one
document root, and no calls home; its REST API called with urllib."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EMAIL, PASSWORD, TOKEN = "reviewer@emer.test", "review-pass-1", "emer-review-token-1"


def find_label_studio() -> str | None:
    """The label-studio command: EMER_LABEL_STUDIO, the project's .venv-review, or one on PATH."""
    for candidate in (os.environ.get("EMER_LABEL_STUDIO"), str(ROOT / ".venv-review" / "bin" / "label-studio")):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("label-studio")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudio:
    """One Label Studio process; `start()` returns at once (the first start migrates its database for about a
    minute), `wait()` blocks until it answers."""

    def __init__(self, binary: str, data_dir: Path, document_root: Path) -> None:
        self.binary, self.data_dir, self.document_root = binary, data_dir, document_root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> LabelStudio:
        env = {**os.environ, "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
               "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(self.document_root),
               "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true", "LATEST_VERSION_CHECK": "false",
               "COLLECT_ANALYTICS": "false", "CONVERTER_DOWNLOAD_RESOURCES": "false"}
        self.log = open(self.data_dir.parent / "label-studio.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [self.binary, "start", "--no-browser", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir",
             str(self.data_dir), "--username", EMAIL, "--password", PASSWORD, "--user-token", TOKEN,
             "--enable-legacy-api-token"], env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        return self

    def wait(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"label-studio exited ({self.proc.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        raise RuntimeError(f"label-studio did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def api(self, method: str, path: str, body: Any = None, raw: bool = False) -> Any:
        """Call the REST API with the admin's token; JSON in and out (raw: the response bytes)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                data = r.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:1000]!r}") from e
        return data if raw else json.loads(data or b"null")
