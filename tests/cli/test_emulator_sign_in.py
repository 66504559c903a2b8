"""`--emulator` with a real service-principal sign-in: azure-identity's environment credential runs the
client-credentials flow against the emulator's token endpoint, and amlevents acts as that principal.

No test credential is involved here: ``EmulatorCredential`` is made to fail if anything constructs it.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from amlevents.arm.settings import ConnectionSettings
from amlevents.emulator.identity import tokens

TENANT = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


@pytest.fixture
def sign_in(cli_emulator, monkeypatch):
    """Point azure-identity's environment variables at the emulator; returns a function choosing the principal."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the test credential must not be used when signing in for real")

    monkeypatch.setattr(tokens.EmulatorCredential, "__init__", refuse)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", cli_emulator.url)

    def as_principal(name: str, *, secret: str | None = None, tenant: str = TENANT) -> None:
        client_id, right = cli_emulator.clients[name]
        monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
        monkeypatch.setenv("AZURE_CLIENT_SECRET", right if secret is None else secret)
        monkeypatch.setenv("AZURE_TENANT_ID", tenant)
        cli_emulator.app.clear_requests()

    return as_principal


def _login_requests(emulator):
    return [e for e in emulator.app.requests() if e.get("service") == "login"]


def _arm_requests(emulator):
    return [e for e in emulator.app.requests() if e.get("service") != "login"]


def test_reader_signed_in_as_service_principal_is_refused_with_exit_4(run, cli_emulator, sent_requests, sign_in):
    sign_in("reader")
    result = run("subscription", "create", "reader-attempt", "--endpoint", "https://example.com/hook")
    assert result.exit_code == 4, result.stderr
    assert "application c3333333-3333-4333-8333-333333333333" in result.stderr  # who, as Azure would name it
    assert "Microsoft.EventGrid/eventSubscriptions/write" in result.stderr
    tokens = [e for e in _login_requests(cli_emulator) if e["path"].endswith("/token")]
    assert [(e["status"], e["principal"]) for e in tokens] == [(200, "reader")]  # one sign-in per process
    arm = _arm_requests(cli_emulator)
    assert arm and {e["principal"] for e in arm} == {"reader"}
    assert not sent_requests(login=False)


@pytest.mark.parametrize("tenant", [TENANT, "adfs"])
def test_owner_signed_in_as_service_principal_creates(run, cli_emulator, sign_in, tenant):
    sign_in("owner", tenant=tenant)
    result = run("subscription", "create", "signed-in-for-real", "--endpoint", "https://example.com/hook",
                 "-o", "json")
    assert result.exit_code == 0, result.stderr
    puts = [e for e in _arm_requests(cli_emulator) if e["method"] == "PUT"]
    assert [e["principal"] for e in puts] == ["owner"]
    token_paths = [e["path"] for e in _login_requests(cli_emulator) if e["method"] == "POST"]
    assert token_paths == [f"/{TENANT}/oauth2/v2.0/token" if tenant == TENANT else "/adfs/oauth2/token"]


def test_eventsub_contributor_lists_as_itself(run, cli_emulator, sign_in):
    sign_in("eventsub-contributor")
    assert run.json("subscription", "list") == []
    assert {e["principal"] for e in _arm_requests(cli_emulator)} == {"eventsub-contributor"}


def test_wrong_secret_exits_3_with_a_clear_message_and_sends_nothing_to_arm(run, cli_emulator, sign_in):
    sign_in("owner", secret="not-the-secret")
    result = run("subscription", "list")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "sign-in failed" in result.stderr and "AADSTS7000215" in result.stderr
    assert "Hint: AZURE_CLIENT_SECRET is not a valid secret of AZURE_CLIENT_ID" in result.stderr
    assert result.stderr.count("Error:") == 1
    assert "get_token" not in result.stderr  # azure-identity's own warning lines stay off stderr
    assert "Traceback" not in result.stderr and "not-the-secret" not in result.stderr
    assert [e["status"] for e in _login_requests(cli_emulator) if e["method"] == "POST"] == [401]
    assert _arm_requests(cli_emulator) == []


def test_unknown_client_exits_3_naming_the_variables_to_check(run, cli_emulator, sign_in, monkeypatch):
    sign_in("owner")
    monkeypatch.setenv("AZURE_CLIENT_ID", "c9999999-9999-4999-8999-999999999999")
    result = run("subscription", "list")
    assert result.exit_code == 3
    assert "AADSTS700016" in result.stderr and "AZURE_CLIENT_ID is not an application" in result.stderr


def test_auth_environment_without_the_variables_exits_3(run, cli_emulator, sign_in, monkeypatch):
    monkeypatch.delenv("AZURE_AUTHORITY_HOST")
    monkeypatch.setenv("AMLEVENTS_AUTH", "environment")
    result = run("subscription", "list")
    assert result.exit_code == 3
    assert "sign-in failed" in result.stderr and "AZURE_CLIENT_ID" in result.stderr
    assert cli_emulator.app.requests() == []


def test_auth_environment_signs_in_at_the_emulator_without_an_authority_host(run, cli_emulator, sign_in,
                                                                              monkeypatch):
    sign_in("contributor")
    monkeypatch.delenv("AZURE_AUTHORITY_HOST")
    monkeypatch.setenv("AMLEVENTS_AUTH", "environment")
    assert run.json("subscription", "list") == []
    assert {e["principal"] for e in _login_requests(cli_emulator) if e["method"] == "POST"} == {"contributor"}


def test_workload_identity_signs_in_with_a_federated_token_file(run, cli_emulator, sign_in, monkeypatch, tmp_path,
                                                                federated_token):
    sign_in("eventsub-contributor")
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    token_file = tmp_path / "github-oidc-token"
    token_file.write_text(federated_token())
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    result = run("subscription", "create", "from-github-actions", "--endpoint", "https://example.com/hook")
    assert result.exit_code == 0, result.stderr
    puts = [e for e in _arm_requests(cli_emulator) if e["method"] == "PUT"]
    assert [e["principal"] for e in puts] == ["eventsub-contributor"]
    token_file.write_text(federated_token(aud="https://wrong.example"))
    monkeypatch.setenv("AMLEVENTS_AUTH", "workload")  # forced: the same path, chosen explicitly
    monkeypatch.setenv("AMLEVENTS_TOKEN_CACHE", "0")  # else the token kept by the first run is used, as az would
    refused = run("subscription", "list")
    assert refused.exit_code == 3
    assert "AADSTS700212" in refused.stderr


def test_methods_that_cannot_reach_an_emulator_are_refused(run, cli_emulator, sign_in, monkeypatch):
    sign_in("owner")
    monkeypatch.setenv("AMLEVENTS_AUTH", "cli")
    result = run("subscription", "list")
    assert result.exit_code == 3
    assert "AMLEVENTS_AUTH=cli cannot sign in at an emulator" in result.stderr


# --- when the real sign-in applies ---------------------------------------------------------------------------------

URL = "https://127.0.0.1:8443"


@pytest.mark.parametrize(("env", "expected"), [
    ({"AZURE_AUTHORITY_HOST": URL}, True),
    ({"AZURE_AUTHORITY_HOST": URL + "/"}, True),
    ({"AZURE_AUTHORITY_HOST": "https://localhost:8443"}, True),
    ({"AZURE_AUTHORITY_HOST": "https://127.0.0.1:9443"}, False),  # another server: keep the test credential
    ({"AZURE_AUTHORITY_HOST": "https://login.microsoftonline.com"}, False),
    ({"AMLEVENTS_AUTH": "environment"}, True),
    ({"AMLEVENTS_AUTH": "workload"}, True),
    ({"AMLEVENTS_AUTH": "cli"}, False),
    ({}, False),
])
def test_emulator_sign_in_applies_when_the_authority_is_the_emulator(env, expected):
    settings = ConnectionSettings.from_env(emulator_url=URL, env=env)
    assert settings.emulator_sign_in is expected


def test_local_mode_never_signs_in_for_real():
    settings = ConnectionSettings.from_env(local=True, env={"AZURE_AUTHORITY_HOST": URL,
                                                            "AMLEVENTS_AUTH": "environment"})
    assert settings.emulator_sign_in is False


@pytest.mark.parametrize(("cloud", "env", "authority"), [
    (None, {}, "https://login.microsoftonline.com"),
    (None, {"AZURE_AUTHORITY_HOST": "https://login.example.test/"}, "https://login.example.test"),
    ("AzureChinaCloud", {"AZURE_AUTHORITY_HOST": "https://login.example.test"}, "https://login.chinacloudapi.cn"),
])
def test_azure_mode_authority_honours_azure_authority_host_unless_a_cloud_is_given(cloud, env, authority):
    assert ConnectionSettings.from_env(cloud=cloud, env=env).authority == authority


# --- the persistent token cache ------------------------------------------------------------------------------------

def _token_posts(emulator):
    return [e for e in _login_requests(emulator) if e["method"] == "POST" and e["path"].endswith("/token")]


def test_the_next_process_reads_the_cached_token_instead_of_signing_in(run, cli_emulator, sign_in):
    sign_in("owner")
    run.ok("subscription", "list")
    assert len(_token_posts(cli_emulator)) == 1
    cli_emulator.app.clear_requests()
    run.ok("subscription", "list")
    assert _token_posts(cli_emulator) == []
    assert {e["principal"] for e in _arm_requests(cli_emulator)} == {"owner"}


def test_amlevents_token_cache_0_signs_in_every_time(run, cli_emulator, sign_in, monkeypatch):
    sign_in("owner")
    monkeypatch.setenv("AMLEVENTS_TOKEN_CACHE", "0")
    run.ok("subscription", "list")
    run.ok("subscription", "list")
    assert len(_token_posts(cli_emulator)) == 2
    assert not (Path.home() / ".IdentityService").exists()


def test_the_token_cache_file_is_private(run, cli_emulator, sign_in):
    sign_in("owner")
    run.ok("subscription", "list")
    caches = sorted((Path.home() / ".IdentityService").glob("amlevents.*cae"))
    assert caches and {stat.S_IMODE(p.stat().st_mode) for p in caches} == {0o600}
    assert stat.S_IMODE(caches[0].parent.stat().st_mode) == 0o700


def test_a_cache_file_readable_by_others_is_made_private_again(run, cli_emulator, sign_in):
    sign_in("owner")
    run.ok("subscription", "list")
    (cache,) = (Path.home() / ".IdentityService").glob("amlevents.*cae")
    cache.chmod(0o644)
    run.ok("subscription", "list")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_debug_shows_no_traceback_for_a_cache_without_a_keyring(run, cli_emulator, sign_in):
    sign_in("owner")
    result = run.ok("--debug", "subscription", "list")
    assert "DEBUG " in result.stderr and "Traceback" not in result.stderr
