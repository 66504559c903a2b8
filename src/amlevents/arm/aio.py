"""Many small requests at once from one thread: asyncio over azure-core's aiohttp transport (issue 15).

A fleet's plan sends one getFullUrl (or getDeliveryAttributes) per webhook subscription — 5,000 for 1,000
workspaces. Sent from 64 threads over requests, each cost ~2.1 ms of client CPU (against ~1.0 ms for bare requests:
the threads fight for the interpreter lock over azure-core's per-request Python); sent as coroutines on one event
loop over aiohttp, ~0.7 ms. ``post_many`` sends them through an asynchronous pipeline of the same policies as
``Session.lean`` — the client's headers and user-agent, ``async_retry_policy`` (capped, announced ``Retry-After``
waits within the deadline), ARM's authentication over the session's credential, its logging under ``--debug`` —
and hands back each answer's JSON, or the error it raised (as the SDK raises it), in the order asked. ARM counts
these POSTs against the subscription's write bucket: each takes a token of the session's ``WritePacer`` (shared
with an apply's writes) and reports the answer's remaining-writes count to it; once an answer has reported the
bucket, a read waits for a token instead of meeting a 429 (before that, and from a service that never reports it,
a read beyond the starting guess goes without one).

TLS: the session's CA bundle through ``arm.transport.shared_ssl_context`` (the emulator's CA, or requests' bundle,
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` included, as requests verifies); proxies from the environment, as
requests takes them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from amlevents.arm.session import Session


class _AsyncCredential:
    """The session's (synchronous, thread-safe, cached) credential for azure-core's asynchronous auth policy; a
    token it must fetch is fetched on a worker thread, so the loop is not blocked."""

    def __init__(self, credential: Any) -> None:
        self._credential = credential

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        import asyncio

        return await asyncio.to_thread(self._credential.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        """The session closes the credential it owns."""


def post_many(session: Session, requests: Sequence[tuple[str, str]], limit: int) -> list[Any]:
    """POST each ``(subscription id, path)`` (an action without a body, its ``api-version`` in the path) with at most
    ``limit`` in flight; each answer's JSON (None when empty) or the exception it raised, in order."""
    if not requests:
        return []
    import asyncio

    return asyncio.run(_post_many(session, requests, limit))


async def _post_many(session: Session, requests: Sequence[tuple[str, str]], limit: int) -> list[Any]:
    import asyncio

    import aiohttp
    from azure.core import AsyncPipelineClient
    from azure.core.pipeline.transport import AioHttpTransport
    from azure.mgmt.core.policies import AsyncARMChallengeAuthenticationPolicy

    from amlevents.arm.pacing import session_pacer, throttled_before
    from amlevents.arm.retry import async_retry_policy
    from amlevents.arm.subscriptions import json_headers, raise_for_status

    connector = aiohttp.TCPConnector(ssl=_ssl(session.verify), limit=limit)
    # proxies from the environment, as requests takes them; aiohttp would read the whole environment per request
    trust_env = any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                                                 "ALL_PROXY", "all_proxy"))
    async with aiohttp.ClientSession(connector=connector, trust_env=trust_env) as http:
        transport = AioHttpTransport(session=http, session_owner=False)
        credential = _AsyncCredential(session.credential)
        pipelines: dict[str, Any] = {}

        def pipeline(subscription_id: str) -> Any:
            key = subscription_id.lower()
            if key not in pipelines:
                config = session.eventgrid(subscription_id)._config  # the client's configured policies
                retry = config.retry_policy
                policies = [config.headers_policy, config.user_agent_policy,
                            async_retry_policy(deadline=retry.deadline, max_wait=retry.max_wait, notice=retry.notice,
                                               retry_backoff_factor=retry.backoff_factor),
                            AsyncARMChallengeAuthenticationPolicy(credential, *session.scopes)]
                if session.debug:
                    policies += [config.logging_policy, config.http_logging_policy]
                pipelines[key] = AsyncPipelineClient(session.base_url, policies=policies, transport=transport)
            return pipelines[key]

        gate = asyncio.Semaphore(limit)
        pacer = session_pacer(session)

        async def token(subscription_id: str) -> int | None:
            """A token of the subscription's write bucket (ARM counts a POST as a write): waited for once an
            answer has reported the bucket; until then, and from a service that never reports it, the read goes
            without one when the starting guess is spent (a plan is not slowed down by a guess)."""
            bucket = pacer.bucket(subscription_id)
            while True:
                wait, ticket = bucket.try_take()
                if ticket is not None or not bucket.learnt:
                    return ticket
                await asyncio.sleep(wait)

        async def one(subscription_id: str, path: str) -> Any:
            from azure.core.rest import HttpRequest

            async with gate:
                ticket = await token(subscription_id)
                client = pipeline(subscription_id)
                answer = None
                try:
                    # not streamed: the transport has read the body (reading an empty one again would raise
                    # azure-core's StreamConsumedError)
                    answer = await client.send_request(HttpRequest("POST", client.format_url(path),
                                                                   headers=json_headers()),
                                                       _return_pipeline_response=True)
                    response = answer.http_response
                finally:  # answered or failed, the read is no longer in flight; its answer reports the bucket
                    pacer.after_write(subscription_id, answer.http_response.headers if answer is not None else None,
                                      throttled=throttled_before(answer), ticket=ticket)
                raise_for_status(response)
                return response.json() if response.content else None

        return await asyncio.gather(*(one(s, p) for s, p in requests), return_exceptions=True)


def _ssl(verify: str | bool) -> Any:
    """What aiohttp verifies TLS with: False, or the shared context of the CA bundle requests would use."""
    from amlevents.arm.transport import default_bundle, shared_ssl_context

    if verify is False:
        return False
    if isinstance(verify, str):
        return shared_ssl_context(verify) if not os.path.isdir(verify) else _directory_context(verify)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or default_bundle()
    return shared_ssl_context(bundle)


def _directory_context(path: str) -> Any:
    import ssl

    return ssl.create_default_context(capath=path)
