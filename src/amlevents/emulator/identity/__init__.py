"""What the emulator fakes of Microsoft Entra ID: the bearer tokens it accepts and the token endpoints that issue
them to azure-identity's credentials.

    auth.py       ``mint_token``, ``EmulatorCredential``, and the checks on every request's bearer token
    endpoints.py  the cloud metadata, OpenID configuration and token endpoints a sign-in uses
    caller.py     who a request comes from (its token's claims) and the ``systemData`` ARM records for it
"""
