"""The README's "Test your handler locally" recipe, run as written: `listen` in one process, then the
`subscription create --check-endpoint` and `events publish` lines in others, all on one `--local` emulator state.

Only what a test must change is changed: a free port instead of 8765 (tests run in parallel), `--count 1
--timeout` so the listener ends, and a private data folder (the `--local` state and CA).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TIMEOUT = 120


def recipe() -> list[str]:
    """The shell lines of the block under the "Test your handler locally" heading, comments removed."""
    block = re.search(r"### Test your handler locally\n.*?```bash\n(.+?)\n```", README, re.S)
    assert block, "the README lost its handler recipe"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def argv(line: str, port: int) -> list[str]:
    words = shlex.split(line.replace("8765", str(port)))
    assert words[0] == "amlevents"
    return [sys.executable, "-m", "amlevents", *words[1:]]


def test_the_readme_recipe_delivers_an_event_to_listen(tmp_path):
    listen_line, create_line, publish_line = recipe()
    assert listen_line.startswith("amlevents listen") and "--check-endpoint" in create_line
    port = free_port()
    env = {**os.environ, "AMLEVENTS_DATA_DIR": str(tmp_path / "data"), "AMLEVENTS_CONFIG_DIR": str(tmp_path),
           "AMLEVENTS_TOKEN_CACHE": "0"}
    env.pop("AMLEVENTS_EMULATOR", None)
    listener = subprocess.Popen([*argv(listen_line, port), "--port", str(port), "--count", "1", "--timeout",
                                 str(TIMEOUT), "-o", "json"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "Listening on" in listener.stderr.readline() + listener.stderr.readline()
        created = subprocess.run(argv(create_line, port), env=env, capture_output=True, text=True,
                                 timeout=TIMEOUT, check=False)
        assert created.returncode == 0, created.stderr
        published = subprocess.run([*argv(publish_line, port), "-o", "json"], env=env, capture_output=True,
                                   text=True, timeout=TIMEOUT, check=False)
        assert published.returncode == 0, published.stderr
        out, _ = listener.communicate(timeout=TIMEOUT)
    finally:
        listener.kill()
    [delivery] = json.loads(published.stdout)["deliveries"]
    assert (delivery["subscription"], delivery["outcome"]) == ("demo", "delivered")
    [event] = [json.loads(line) for line in out.splitlines()]
    assert event["eventType"] == "Microsoft.MachineLearningServices.ModelRegistered"
    assert event["data"]["modelName"] == "churn"
    assert listener.returncode == 0
