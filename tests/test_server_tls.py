"""``ucsql serve --certfile --keyfile``: https only, for remote stock clients and for local
processes, which verify the server with its own certificate (``<metastore>.serving``)."""

from __future__ import annotations

import datetime
import ipaddress
import subprocess
import sys
import time

import pytest
import requests

import ucsql
from tests.serve_helpers import Server

pytest.importorskip("flask", reason="the server needs the 'server' extra (full mlflow)")
x509 = pytest.importorskip("cryptography.x509")


def _self_signed(folder) -> tuple[str, str]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(certfile), str(keyfile)


class TlsServer(Server):
    def start(self) -> None:
        self.certfile, self.keyfile = _self_signed(self.folder)
        self.extra = ["--certfile", self.certfile, "--keyfile", self.keyfile]
        super().start()
        self.url = self.url.replace("http://", "https://")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = TlsServer(tmp_path_factory.mktemp("tls"))
    yield s
    s.stop()


def test_https_with_the_certificate_and_nothing_in_clear(server):
    assert server.banner.split(" at ")[1].startswith("https://"), server.banner
    headers = {"Authorization": f"Bearer {server.tokens['alice']}"}
    answer = requests.get(server.url + "/api/2.0/mlflow/registered-models/search",
                          headers=headers, verify=server.certfile, timeout=60)
    assert answer.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):  # a certificate nobody vouched for
        requests.get(server.url + "/health", headers=headers, timeout=60)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url.replace("https://", "http://") + "/health", headers=headers,
                     timeout=60)


def test_a_stock_client_and_a_local_process_over_https(server):
    env = server.client_env("bob")
    env["MLFLOW_TRACKING_SERVER_CERT_PATH"] = server.certfile
    done = subprocess.run([sys.executable, "-c", "import sys; sys.modules['ucsql'] = None\n"
                           "from mlflow import MlflowClient\n"
                           "print(len(MlflowClient().search_registered_models()))"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "0", done.stderr[-2000:]
    started = time.monotonic()
    with ucsql.connect(server.path, principal="alice") as cat:  # verified with the server's cert
        assert cat.sql("SELECT current_user").scalar() == "alice"
    assert time.monotonic() - started < 60
