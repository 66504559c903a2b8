"""A local certificate authority and the emulator's server certificate, made with ``cryptography``.

``ensure_certificates(dir)`` writes (or reuses) in ``dir``:

- ``ca.pem`` / ``ca-key.pem``: a CA, created once and reused on every later start, so a client that trusts
  ``ca.pem`` (``connection_verify=...``, ``REQUESTS_CA_BUNDLE``) keeps working across restarts;
- ``server.pem`` / ``server-key.pem``: a server certificate for ``IP:127.0.0.1`` and ``DNS:localhost`` signed by
  that CA, reused while it is valid for at least another day, renewed otherwise.

Keys are EC P-256 (fast to generate), files are written atomically with mode 0600 for keys, and a lock file
serialises processes that start at the same time with the same directory. The extensions (basic constraints,
key usage, subject/authority key ids) satisfy OpenSSL's strict X.509 checks that newer Pythons enable.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "amlevents emulator local CA"


@dataclass(frozen=True)
class CertPaths:
    """Where the CA certificate and the server's certificate and key are."""

    ca_cert: Path
    server_cert: Path
    server_key: Path


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: concurrent first starts with one directory are not guarded
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, private: bool = False) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "amlevents")])


def _new_ca(now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME)).issuer_name(_name(CA_NAME))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _new_server(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate,
                now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost")).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _reusable(cert_path: Path, key_path: Path, ca: x509.Certificate, now: dt.datetime) -> bool:
    if not (cert_path.exists() and key_path.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):  # unreadable, or signed by another CA: make a new one
        return False
    return cert.not_valid_after_utc > now + dt.timedelta(days=1)


def ensure_certificates(cert_dir: str | Path) -> CertPaths:
    """Create or reuse the CA and a valid server certificate in ``cert_dir``; returns their paths."""
    directory = Path(cert_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = CertPaths(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca_key_path = directory / "ca-key.pem"
    now = dt.datetime.now(dt.timezone.utc)
    with _locked(directory / ".lock"):
        if paths.ca_cert.exists() and ca_key_path.exists():
            ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
            ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
            if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{ca_key_path} is not an EC private key")
        else:
            ca_key, ca = _new_ca(now)
            _write(ca_key_path, _key_pem(ca_key), private=True)
            _write(paths.ca_cert, ca.public_bytes(serialization.Encoding.PEM))
        if not _reusable(paths.server_cert, paths.server_key, ca, now):
            key, cert = _new_server(ca_key, ca, now)
            _write(paths.server_key, _key_pem(key), private=True)
            _write(paths.server_cert, cert.public_bytes(serialization.Encoding.PEM))
    return paths


def server_context(paths: CertPaths) -> ssl.SSLContext:
    """A TLS 1.2+ server context with the emulator's certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(paths.server_cert), str(paths.server_key))
    return context
