"""Connection settings from flags and AMLEVENTS_* variables, the credential chain, and the Session cli.wiring
connects (Azure or an emulator)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from amlevents.arm.concurrency import concurrently
from amlevents.arm.credentials import SharedCredential, build_credential
from amlevents.arm.session import Session
from amlevents.arm.settings import ConnectionSettings
from amlevents.arm.transport import SharedContextAdapter, shared_ssl_context
from amlevents.cli.wiring import DEFAULT_EMULATOR_WORKSPACE, connect
from amlevents.core.errors import AuthenticationError, ExitCode, InvalidInputError
from amlevents.emulator import EmulatorCredential

AUTHORITY = "https://login.microsoftonline.com"
EMULATOR = "https://127.0.0.1:8443"


@pytest.mark.parametrize(
    ("kwargs", "env", "mode"),
    [
        ({}, {}, "azure"),
        ({"local": True}, {}, "local"),
        ({}, {"AMLEVENTS_LOCAL": "1"}, "local"),
        ({}, {"AMLEVENTS_LOCAL": "TRUE"}, "local"),
        ({}, {"AMLEVENTS_LOCAL": "0"}, "azure"),
        ({"emulator_url": EMULATOR}, {}, "emulator"),
        ({}, {"AMLEVENTS_EMULATOR": EMULATOR}, "emulator"),
    ],
)
def test_mode_comes_from_flags_or_environment(kwargs, env, mode):
    assert ConnectionSettings.from_env(**kwargs, env=env).mode == mode


@pytest.mark.parametrize(
    ("kwargs", "env"),
    [
        ({"local": True, "emulator_url": EMULATOR}, {}),
        ({"local": True}, {"AMLEVENTS_EMULATOR": EMULATOR}),
        ({"emulator_url": EMULATOR}, {"AMLEVENTS_LOCAL": "yes"}),
    ],
)
def test_local_and_emulator_together_are_refused(kwargs, env):
    with pytest.raises(InvalidInputError, match="--local and --emulator cannot be used together"):
        ConnectionSettings.from_env(**kwargs, env=env)


def test_emulator_settings_come_from_the_environment():
    env = {"AMLEVENTS_EMULATOR": EMULATOR + "/", "AMLEVENTS_EMULATOR_CA": "/ca.pem",
           "AMLEVENTS_EMULATOR_PRINCIPAL": "reader"}
    settings = ConnectionSettings.from_env(env=env)
    assert (settings.emulator_url, settings.emulator_ca, settings.emulator_principal) == (EMULATOR, "/ca.pem", "reader")


def test_the_emulator_principal_defaults_to_owner():
    assert ConnectionSettings.from_env(env={"AMLEVENTS_EMULATOR": EMULATOR}).emulator_principal == "owner"


@pytest.mark.parametrize(
    ("value", "auth"), [("cli", "cli"), ("Managed", "managed"), ("DEFAULT", "default"), ("", None)]
)
def test_amlevents_auth_names_a_sign_in_method(value, auth):
    assert ConnectionSettings.from_env(env={"AMLEVENTS_AUTH": value}).auth == auth


def test_an_unknown_amlevents_auth_is_refused():
    with pytest.raises(InvalidInputError, match="AMLEVENTS_AUTH=browser is not a sign-in method") as caught:
        ConnectionSettings.from_env(env={"AMLEVENTS_AUTH": "browser"})
    assert "environment, workload, managed, cli, default" in caught.value.hint


@pytest.mark.parametrize(
    ("flag", "env", "cloud"),
    [(None, {}, "AzureCloud"), (None, {"AMLEVENTS_CLOUD": "AzureChinaCloud"}, "AzureChinaCloud"),
     ("AzureUSGovernment", {"AMLEVENTS_CLOUD": "AzureChinaCloud"}, "AzureUSGovernment")],
)
def test_the_cloud_flag_wins_over_the_environment(flag, env, cloud):
    assert ConnectionSettings.from_env(cloud=flag, env=env).cloud == cloud


@pytest.mark.parametrize(("flag", "env"), [("Mars", {}), (None, {"AMLEVENTS_CLOUD": "AzureGermanCloud"})])
def test_an_unknown_cloud_is_refused(flag, env):
    with pytest.raises(InvalidInputError, match="unknown cloud"):
        ConnectionSettings.from_env(cloud=flag, env=env)


def chain_types(credential) -> list[str]:
    return [type(c).__name__ for c in credential.credentials]


def test_the_default_chain_never_opens_a_browser():
    assert chain_types(build_credential(None, AUTHORITY)) == [
        "EnvironmentCredential", "ManagedIdentityCredential", "AzureCliCredential"]


def test_a_federated_token_file_adds_workload_identity_second(monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c1")
    monkeypatch.setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-0000000000e1")
    assert chain_types(build_credential("default", AUTHORITY)) == [
        "EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential", "AzureCliCredential"]


def test_an_incomplete_workload_identity_in_the_chain_is_not_a_crash(monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(tmp_path / "token"))
    try:
        build_credential(None, AUTHORITY)
    except AuthenticationError:
        pass


@pytest.mark.parametrize(
    ("method", "kind"),
    [("environment", "EnvironmentCredential"), ("managed", "ManagedIdentityCredential"), ("cli", "AzureCliCredential")],
)
def test_amlevents_auth_picks_one_credential(method, kind):
    assert type(build_credential(method, AUTHORITY)).__name__ == kind


def test_workload_identity_without_its_variables_is_an_authentication_error():
    with pytest.raises(AuthenticationError, match="AMLEVENTS_AUTH=workload cannot be used") as caught:
        build_credential("workload", AUTHORITY)
    assert caught.value.exit_code == ExitCode.AUTH_FAILED


def test_workload_identity_with_its_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c1")
    monkeypatch.setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-0000000000e1")
    assert type(build_credential("workload", AUTHORITY)).__name__ == "WorkloadIdentityCredential"


@pytest.mark.parametrize(
    ("cloud", "base_url"),
    [("AzureCloud", "https://management.azure.com"), ("AzureChinaCloud", "https://management.chinacloudapi.cn")],
)
def test_an_azure_session_targets_the_clouds_resource_manager(cloud, base_url):
    session = connect(ConnectionSettings(cloud=cloud))
    assert (session.base_url, session.scopes) == (base_url, [base_url + "/.default"])


def test_an_emulator_session_trusts_the_emulator_ca_and_signs_as_the_principal(emulator, emulator_session):
    session = emulator_session("reader")
    try:
        client = session.eventgrid(emulator.subscription_id)
        scope = DEFAULT_EMULATOR_WORKSPACE
        assert list(client.event_subscriptions.list_by_resource(
            scope.resource_group, "Microsoft.MachineLearningServices", "workspaces", scope.name)) == []
        assert session.token_claims()["oid"] == emulator.principals["reader"]
    finally:
        session.close()
    (request,) = emulator.app.requests()
    assert (request["principal"], request["status"]) == ("reader", 200)
    assert (session.base_url, session.verify) == (emulator.url, emulator.ca_cert_path)


def test_an_emulator_session_signs_as_owner_by_default(emulator, emulator_session):
    session = emulator_session()
    assert session.token_claims()["oid"] == emulator.principals["owner"]
    assert session.default_workspace == DEFAULT_EMULATOR_WORKSPACE


def test_clients_are_cached_per_subscription(emulator, emulator_session):
    session = emulator_session()
    first = session.authorization(emulator.subscription_id)
    assert session.authorization(emulator.subscription_id.upper()) is first
    assert session.eventgrid(emulator.subscription_id) is not first


def test_an_unknown_emulator_principal_is_an_authentication_error(emulator, emulator_session):
    session = emulator_session("mallory")
    expected = "AMLEVENTS_EMULATOR_PRINCIPAL: unknown principal 'mallory'"
    with pytest.raises(AuthenticationError, match=expected) as caught:
        session.token_claims()
    assert caught.value.exit_code == 3


def test_an_emulator_url_must_be_https():
    with pytest.raises(InvalidInputError, match="must start with https://"):
        connect(ConnectionSettings(emulator_url="http://127.0.0.1:8080"))


class _CountingCredential:
    """A token credential that says how often it was asked (as a real one would go to Entra ID each time)."""

    def __init__(self, lifetime: int) -> None:
        self.calls: list[tuple] = []
        self.lifetime = lifetime

    def get_token(self, *scopes, **kwargs):
        import time

        from azure.core.credentials import AccessToken

        self.calls.append((scopes, kwargs))
        return AccessToken(f"token-{len(self.calls)}", int(time.time()) + self.lifetime)


def test_shared_credential_signs_in_once_for_all_threads():
    from concurrent.futures import ThreadPoolExecutor

    inner = _CountingCredential(3600)
    shared = SharedCredential(inner)
    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: shared.get_token("https://management.azure.com/.default").token, range(32)))
    assert tokens == {"token-1"} and len(inner.calls) == 1
    info = shared.get_token_info("https://management.azure.com/.default")  # the test credential has no _info
    assert info.token == "token-1" and len(inner.calls) == 1
    shared.get_token("https://graph.microsoft.com/.default")  # another scope is another token
    assert len(inner.calls) == 2


def test_shared_credential_renews_near_expiry_and_never_caches_a_claims_challenge():
    inner = _CountingCredential(SharedCredential.REFRESH_MARGIN - 1)  # already inside the refresh margin
    shared = SharedCredential(inner)
    assert shared.get_token("s").token == "token-1"
    assert shared.get_token("s").token == "token-2"
    long_lived = SharedCredential(_CountingCredential(3600))
    long_lived.get_token("s")
    long_lived.get_token("s", claims='{"access_token":{"nbf":{"essential":true}}}')
    long_lived.get_token("s", claims='{"access_token":{"nbf":{"essential":true}}}')
    assert len(long_lived.inner.calls) == 3


def test_shared_credential_does_not_retry_a_refused_sign_in():
    from azure.core.exceptions import ClientAuthenticationError

    class Refusing:
        calls = 0

        def get_token(self, *scopes, **kwargs):
            Refusing.calls += 1
            raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided.")

    shared = SharedCredential(Refusing())
    for _ in range(3):
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
            shared.get_token("https://management.azure.com/.default")
    assert Refusing.calls == 1


# --- one SSL context per CA bundle per process (arm/transport.py) ----------------------------------------------

def _list_workspace(session, emulator):
    scope = DEFAULT_EMULATOR_WORKSPACE
    return list(session.eventgrid(emulator.subscription_id).event_subscriptions.list_by_resource(
        scope.resource_group, "Microsoft.MachineLearningServices", "workspaces", scope.name))


def _owner_session(emulator, ca: str) -> Session:
    return Session(emulator.url, ca, lambda: EmulatorCredential("owner", emulator.principals, emulator.tenant_id))


def test_sessions_read_the_ca_file_once_per_process(emulator, tmp_path, monkeypatch):
    ca = tmp_path / "ca.pem"  # a path no earlier test has loaded
    ca.write_bytes(Path(emulator.ca_cert_path).read_bytes())
    loads = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):
        loads.append(args or kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    sessions = [_owner_session(emulator, str(ca)) for _ in range(2)]
    try:
        for session in sessions:  # two sessions: two pools, at least two connections, several threads each
            assert concurrently([lambda s=session: _list_workspace(s, emulator) for _ in range(4)]) == [[]] * 4
    finally:
        for session in sessions:
            session.close()
    assert len(emulator.app.requests()) == 8
    assert len(loads) == 1


def test_the_shared_context_still_refuses_a_server_its_bundle_does_not_trust(emulator):
    import certifi
    from azure.core.exceptions import ServiceRequestError

    session = _owner_session(emulator, certifi.where())  # public CAs only: not the emulator's
    try:
        with pytest.raises(ServiceRequestError, match="CERTIFICATE_VERIFY_FAILED"):
            _list_workspace(session, emulator)
    finally:
        session.close()


@pytest.mark.parametrize(("verify", "shared"), [(True, True), (False, False)])
def test_verify_true_shares_the_context_of_requests_default_bundle(verify, shared):
    import requests
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    request = requests.Request("GET", "https://management.azure.com/subscriptions").prepare()
    _host, pool = SharedContextAdapter().build_connection_pool_key_attributes(request, verify)
    assert (pool.get("ssl_context") is shared_ssl_context(DEFAULT_CA_BUNDLE_PATH)) is shared
    assert "ca_certs" not in pool


def test_a_ca_file_rewritten_in_place_is_read_again(tmp_path, emulator):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(Path(emulator.ca_cert_path).read_bytes())
    first = shared_ssl_context(str(ca))
    assert shared_ssl_context(str(ca)) is first
    ca.write_bytes(Path(emulator.ca_cert_path).read_bytes() * 2)  # as an emulator making new certificates would
    assert shared_ssl_context(str(ca)) is not first


def test_threads_asking_at_once_build_one_credential_and_one_client(emulator):
    import threading

    built = []
    second_builder = threading.Barrier(2, timeout=0.5)  # passes only if a second thread builds one too

    def factory():
        built.append(1)
        try:
            second_builder.wait()
        except threading.BrokenBarrierError:
            pass
        return EmulatorCredential("owner", emulator.principals, emulator.tenant_id)

    session = Session(emulator.url, emulator.ca_cert_path, factory)
    try:
        clients = concurrently([lambda: session.eventgrid(emulator.subscription_id) for _ in range(8)])
    finally:
        session.close()
    assert len(built) == 1 and len({id(c) for c in clients}) == 1


def test_a_missing_emulator_ca_file_is_bad_input(tmp_path):
    with pytest.raises(InvalidInputError, match="AMLEVENTS_EMULATOR_CA '.*missing.pem' is not a file") as caught:
        connect(ConnectionSettings(emulator_url=EMULATOR, emulator_ca=str(tmp_path / "missing.pem")))
    assert caught.value.exit_code == ExitCode.INVALID_INPUT


def test_memo_computes_each_key_once_and_different_keys_at_the_same_time():
    import threading

    from amlevents.arm.session import Session

    session = Session("https://example.invalid", True, lambda: None, scopes=["x"])
    both_started = threading.Barrier(2, timeout=10)  # breaks (and fails the test) if the keys run one by one
    calls: list[str] = []

    def compute(key: str):
        def run():
            calls.append(key)
            both_started.wait()
            return key.upper()
        return run

    results: dict[str, list[str]] = {"a": [], "b": []}
    threads = [threading.Thread(target=lambda k=k: results[k].append(session.memo(k, compute(k))))
               for k in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert results == {"a": ["A"], "b": ["B"]} and sorted(calls) == ["a", "b"]
    assert session.memo("a", compute("never")) == "A"  # computed once
