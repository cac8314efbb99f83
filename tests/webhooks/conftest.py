"""Fixtures: receivers on 127.0.0.1, plain and TLS, and a test certificate authority."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator

import pytest
import trustme

from tests.webhooks.endpoints import RawEndpoint, Receiver, Script

TLS_HOST = "hooks.example.test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def raw_endpoint() -> Iterator[Callable[[Script], RawEndpoint]]:
    endpoints: list[RawEndpoint] = []

    def start(script: Script) -> RawEndpoint:
        endpoints.append(RawEndpoint(script))
        return endpoints[-1]

    yield start
    for endpoint in endpoints:
        endpoint.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context


@pytest.fixture
def tls_receiver(ca: trustme.CA, request: pytest.FixtureRequest) -> Iterator[Receiver]:
    """A receiver with a certificate for ``TLS_HOST`` (or the name the test parametrizes)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(getattr(request, "param", TLS_HOST)).configure_cert(context)
    receiver = Receiver(tls=context)
    yield receiver
    receiver.close()
