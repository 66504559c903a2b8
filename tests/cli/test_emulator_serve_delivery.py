"""`amlevents emulator serve` delivery options: --time-scale, --dead-letter-dir, --spool-dir, --route-function."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import requests

FUNCTION = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlevents-local/providers/"
            "Microsoft.Web/sites/app/functions/OnModel")


def test_serve_applies_the_delivery_options(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "amlevents", "emulator", "serve", "--cert-dir", str(tmp_path / "certs"),
         "--time-scale", "0.01", "--dead-letter-dir", str(tmp_path / "dl"), "--spool-dir", str(tmp_path / "sp"),
         "--route-function", f"{FUNCTION}=http://localhost:7071/runtime/webhooks/EventGrid?functionName=OnModel"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        info = json.loads(line)
        config = requests.get(f"{info['url']}/_emulator/config", verify=info["caCert"], timeout=10).json()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert (config["timeScale"], config["deadLetterDir"], config["spoolDir"]) == (
        0.01, str(tmp_path / "dl"), str(tmp_path / "sp"))
    assert list(config["functionRoutes"].values()) == [  # query values redacted: a function key may be there
        "http://localhost:7071/runtime/webhooks/EventGrid?functionName=REDACTED"]


@pytest.mark.parametrize("args,needle", [
    (("--route-function", "not-a-route"), "is not RESOURCE_ID=URL"),
    (("--route-function", f"{FUNCTION}=ftp://x"), "is not RESOURCE_ID=URL"),
    (("--time-scale", "0"), "--time-scale"),
])
def test_serve_refuses_bad_delivery_options(run, args, needle):
    result = run("emulator", "serve", *args)
    assert result.exit_code == 2 and needle in result.stderr
