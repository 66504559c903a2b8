"""How fast the emulator answers: sequential GETs over one connection, and many concurrent clients (issue: keep-alive).

Starts `amlevents emulator serve` in its own process, then
  1. sequential: one ``requests.Session`` sends ``--sequential`` GETs of a workspace's event subscription list, one
     after another; prints the median, p90 and max latency per request and whether the connection was reused
     (``Connection: close`` in every answer means a new TCP + TLS handshake per request);
  2. concurrent: ``--clients`` threads, each with its own ``requests.Session``, send GETs for ``--seconds`` seconds;
     prints requests per second (the median of ``--rounds`` rounds).

Usage: python bench/emulator_requests.py [--sequential 300] [--clients 16] [--seconds 3] [--rounds 3]

The client runs in this process and shares its CPU with the server on a small machine, so the figures are the
throughput a test run on the same machine sees, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

from amlevents.emulator.identity.tokens import mint_token

API = "2025-02-15"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequential", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="amlevents-bench-")
    server = subprocess.Popen([sys.executable, "-m", "amlevents", "emulator", "serve", "--cert-dir",
                               os.path.join(tmp, "certs")], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(server.stdout.readline())
        target = Target(info)
        sequential(target, opts.sequential)
        concurrent(target, opts.clients, opts.seconds, opts.rounds)
    finally:
        server.terminate()
        server.wait(timeout=20)


class Target:
    """The URL, headers and CA of one GET against the running emulator."""

    def __init__(self, info: dict) -> None:
        workspace = info["workspaces"][0]
        self.url = f"{info['url']}{workspace['id']}/providers/Microsoft.EventGrid/eventSubscriptions"
        token = mint_token(info["principals"]["owner"], info["tenantId"])
        self.headers = {"Authorization": f"Bearer {token}"}
        self.verify = info["caCert"]

    def get(self, session: requests.Session) -> requests.Response:
        response = session.get(self.url, params={"api-version": API}, headers=self.headers, verify=self.verify,
                               timeout=30)
        response.raise_for_status()
        return response


def sequential(target: Target, count: int) -> None:
    with requests.Session() as session:
        target.get(session)  # the first request pays for the TCP + TLS handshake
        samples, closes = [], 0
        for _ in range(count):
            start = time.perf_counter()
            response = target.get(session)
            samples.append((time.perf_counter() - start) * 1000)
            closes += response.headers.get("Connection", "").lower() == "close"
    samples.sort()
    print(f"| sequential GET, one requests.Session ({count}) | median {statistics.median(samples):.1f} ms | "
          f"p90 {samples[int(0.9 * len(samples))]:.1f} ms | max {samples[-1]:.1f} ms | "
          f"answers with Connection: close {closes}/{count} |")


def concurrent(target: Target, clients: int, seconds: float, rounds: int) -> None:
    rates = [_round(target, clients, seconds) for _ in range(rounds)]
    print(f"| {clients} concurrent clients, {seconds:g} s x {rounds} | median {statistics.median(rates):.0f} "
          f"requests/s | min {min(rates):.0f} | max {max(rates):.0f} |")


def _round(target: Target, clients: int, seconds: float) -> float:
    counts = [0] * clients
    errors: list[BaseException] = []
    go, stop = threading.Barrier(clients + 1), threading.Event()

    def client(slot: int) -> None:
        with requests.Session() as session:
            try:
                target.get(session)  # connect before the clock starts
                go.wait()
                while not stop.is_set():
                    target.get(session)
                    counts[slot] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below, the round is then invalid
                errors.append(exc)
                go.abort()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    go.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"a client failed: {errors[0]!r}")
    return sum(counts) / elapsed


if __name__ == "__main__":
    main()
