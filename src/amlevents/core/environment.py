"""The environment variables amlevents reads, in one registry: the source of docs/environment.md.

Every ``AMLEVENTS_*`` name the code reads is listed here (``tests/test_docs.py`` fails on one that is not), with
the Azure variables amlevents honours through azure-identity or its own workspace lookup and the few general ones
(``COLUMNS``, ``NO_COLOR``). ``amlevents.cli.docgen`` renders the table; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, what it does, and the group it is listed under."""

    name: str
    meaning: str
    group: str


WORKSPACE = "Which workspace"
CONNECTION = "Where amlevents connects"
SIGN_IN = "Signing in"
BEHAVIOUR = "Behaviour and output"
TESTS = "The project's tests only"

GROUPS = (WORKSPACE, CONNECTION, SIGN_IN, BEHAVIOUR, TESTS)

VARIABLES: tuple[Variable, ...] = (
    Variable("AZURE_SUBSCRIPTION_ID", "Default Azure subscription of the workspace (after `--subscription/-s`, "
             "before `config.json`).", WORKSPACE),
    Variable("AMLEVENTS_RESOURCE_GROUP", "Default resource group of the workspace (after `--resource-group/-g`, "
             "before `config.json`).", WORKSPACE),
    Variable("AMLEVENTS_WORKSPACE", "Default workspace name (after `--workspace/-w`, before `config.json`).",
             WORKSPACE),
    Variable("AMLEVENTS_CLOUD", "`AzureCloud` (default), `AzureChinaCloud` or `AzureUSGovernment`, like `--cloud`.",
             CONNECTION),
    Variable("AMLEVENTS_LOCAL", "`1` behaves like `--local`: the embedded emulator, state kept between runs.",
             CONNECTION),
    Variable("AMLEVENTS_LOCAL_STATE", "The SQLite state file of `--local` (default "
             "`$AMLEVENTS_DATA_DIR/local/state.sqlite3`); safe to share between parallel runs.", CONNECTION),
    Variable("AMLEVENTS_LOCAL_ALLOW_HTTP_LOOPBACK", "`1`: the `--local` emulator accepts `http://` webhooks on "
             "127.0.0.1/localhost/::1, as `emulator serve --allow-http-loopback` does (a deviation: Azure refuses "
             "every `http://` endpoint; amlevents refuses it in Azure mode).", CONNECTION),
    Variable("AMLEVENTS_EMULATOR", "URL of a running `amlevents emulator serve`, like `--emulator URL`.",
             CONNECTION),
    Variable("AMLEVENTS_EMULATOR_CA", "The emulator's CA certificate (the `caCert` path of its ready line).",
             CONNECTION),
    Variable("AMLEVENTS_EMULATOR_PRINCIPAL", "The seeded principal to act as in both emulator modes (default "
             "`owner`; also `contributor`, `reader`, `eventsub-contributor`, `nobody`).", CONNECTION),
    Variable("AMLEVENTS_DATA_DIR", "Where amlevents keeps its files (emulator certificates, `--local` state); "
             "default: the user data directory (`~/.local/share/amlevents` on Linux).", CONNECTION),
    Variable("AZURE_TENANT_ID", "Tenant of a service-principal or workload-identity sign-in (azure-identity).",
             SIGN_IN),
    Variable("AZURE_CLIENT_ID", "Client id of a service principal or workload identity (azure-identity).",
             SIGN_IN),
    Variable("AZURE_CLIENT_SECRET", "Service-principal secret (azure-identity's `EnvironmentCredential`).", SIGN_IN),
    Variable("AZURE_CLIENT_CERTIFICATE_PATH", "Service-principal certificate instead of a secret (azure-identity).",
             SIGN_IN),
    Variable("AZURE_FEDERATED_TOKEN_FILE", "A federated token file (GitHub Actions OIDC, AKS workload identity): "
             "workload-identity sign-in.", SIGN_IN),
    Variable("AZURE_AUTHORITY_HOST", "The Entra ID authority host (azure-identity's variable). In Azure mode it "
             "applies unless `--cloud`/`AMLEVENTS_CLOUD` is given; with `--emulator`, set to the emulator's URL, "
             "amlevents signs in at the emulator as the service principal of `AZURE_CLIENT_ID`.", SIGN_IN),
    Variable("AMLEVENTS_AUTH", "Force one sign-in method: `environment`, `workload`, `managed`, `cli` (`default`: "
             "the chain). With `--emulator`, `environment` or `workload` signs in at the emulator for real.",
             SIGN_IN),
    Variable("AMLEVENTS_TOKEN_CACHE", "`0` turns off the persistent token cache (by default a service-principal "
             "or workload-identity sign-in keeps its token, 0600, as az does, so the next command makes no token "
             "request).", SIGN_IN),
    Variable("AMLEVENTS_DEBUG", "`1` behaves like `--debug` (tracebacks and redacted HTTP logs on stderr).",
             BEHAVIOUR),
    Variable("AMLEVENTS_TIMEOUT", "Seconds for the whole command, waits included, like `--timeout` (default: no "
             "limit); exit 1 when exceeded.", BEHAVIOUR),
    Variable("AMLEVENTS_MAX_RETRY_AFTER", "The longest single wait granted to Azure's `Retry-After` (default 60 "
             "seconds).", BEHAVIOUR),
    Variable("COLUMNS", "Table width when stdout is not a terminal (default: wide enough for one line per row).",
             BEHAVIOUR),
    Variable("NO_COLOR", "Set (to anything non-empty) to turn colour off on a terminal (https://no-color.org); "
             "colour is always off when the output is not a terminal.", BEHAVIOUR),
    Variable("AMLEVENTS_FUZZ", "`long` runs the fuzz suite's long profile (10,000 examples per target); a number "
             "runs that many.", TESTS),
    Variable("AMLEVENTS_TEST_SHARED_DIR", "Another copy of the project's `shared/` folder (swagger specs, az "
             "recordings) for the conformance and replay tests (default `../shared`).", TESTS),
    Variable("AMLEVENTS_AZ", "The Azure CLI executable for `tests/az` (default: `az` on `PATH`; without one those "
             "tests skip).", TESTS),
    Variable("AMLEVENTS_UPDATE_GOLDEN", "`1` re-records `tests/cli/golden/readme_outputs.json` (run with "
             "`-n 0`).", TESTS),
)


def by_name() -> dict[str, Variable]:
    """The registry keyed by variable name."""
    return {variable.name: variable for variable in VARIABLES}
