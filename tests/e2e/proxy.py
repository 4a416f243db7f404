"""Debian's nginx running deploy/nginx.conf in front of a running LK, as a production server puts it, for tests."""

import datetime
import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp.abc import AbstractResolver
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.processes import free_port, stop_process_group, wait_until_listens

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = "/usr/sbin/nginx"
SERVER_NAME = "lk.test"
START_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Proxy:
    """Where the nginx in front of LK answers, and the certificate a client must trust to reach it."""

    server_name: str
    https_port: int
    http_port: int
    certificate: Path

    @property
    def url(self) -> str:
        return f"https://{self.server_name}:{self.https_port}"

    def client_session(self) -> aiohttp.ClientSession:
        """An HTTP session that finds `server_name` on 127.0.0.1 and checks nginx's certificate against ours."""
        trusted = ssl.create_default_context(cafile=str(self.certificate))
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusted, resolver=_Loopback()))


class _Loopback(AbstractResolver):
    """Every name is 127.0.0.1: the client speaks to `server_name` (its Host, SNI and certificate) without /etc/hosts."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[dict]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


def render_site(
    sample: str, *, https_port: int, http_port: int, upstream_port: int, certificate: Path, key: Path
) -> str:
    """The shipped config with only what differs on a test machine replaced: ports, name, certificate."""
    replacements = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "server 127.0.0.1:3000;": f"server 127.0.0.1:{upstream_port};",
        "server_name lk.example.ru;": f"server_name {SERVER_NAME};",
        "/etc/ssl/lk/fullchain.pem": str(certificate),
        "/etc/ssl/lk/privkey.pem": str(key),
    }
    for shipped, local in replacements.items():
        if shipped not in sample:
            raise ValueError(f"deploy/nginx.conf no longer says {shipped!r}: tell tests/e2e/proxy.py what replaced it")
        sample = sample.replace(shipped, local)
    return sample


def _main_config(directory: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with every path inside `directory`."""
    # Run as root (CI's containers), nginx would hand its workers to `nobody`, who cannot enter pytest's tmp dirs.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {directory / 'nginx.pid'};
error_log {directory / 'error.log'} notice;
{user}
events {{
    worker_connections 256;
}}
http {{
    access_log {directory / 'access.log'};
{temp}
    include lk.conf;
}}
"""


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for SERVER_NAME and its key, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER_NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # What Python 3.13's strict verification asks of a certificate that is its own authority.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_path, key_path


@contextmanager
def running_nginx(upstream_port: int, directory: Path, sample: Path = DEPLOY / "nginx.conf") -> Iterator[Proxy]:
    """nginx as the current user with `sample` (and the snippets beside it) in front of 127.0.0.1:`upstream_port`."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: `apt-get install -y nginx` (make test does it).")
    certificate, key = _self_signed_certificate(directory)
    https_port, http_port = free_port(), free_port()
    (directory / "snippets").mkdir()
    for snippet in DEPLOY.glob("lk_*.conf"):
        shutil.copy(snippet, directory / "snippets" / snippet.name)
    (directory / "lk.conf").write_text(render_site(sample.read_text(), https_port=https_port, http_port=http_port,
                                                   upstream_port=upstream_port, certificate=certificate, key=key))
    (directory / "nginx.conf").write_text(_main_config(directory))
    log_path = directory / "error.log"
    # -e: the log for what happens before the config is read (the compiled-in /var/log/nginx is root's).
    command = [NGINX, "-e", str(log_path), "-p", f"{directory}/", "-c", str(directory / "nginx.conf")]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        for port in (https_port, http_port):
            wait_until_listens(port, process, log_path, START_TIMEOUT_SECONDS)
        yield Proxy(server_name=SERVER_NAME, https_port=https_port, http_port=http_port, certificate=certificate)
    finally:
        stop_process_group(process)
