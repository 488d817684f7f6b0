"""The connections under httpx: public addresses only, and a total deadline per request.

httpx's timeouts apply to each socket operation, so a server that sends its headers or body one
byte a second never trips them. Inside `deadline(seconds)`, every connect, read and write of the
thread's requests gets at most the time left until the deadline, so a request ends by then,
headers included, however the server drips.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from worker.errors import DiscoverError
from worker.urls import Resolver, check_public

_local = threading.local()  # `until`: this thread's deadline (time.monotonic), or absent


class NonPublicAddressError(httpcore.ConnectError):
    """A connection refused because the host resolved to a non-public address."""


class DeadlineExceeded(httpcore.ReadTimeout):
    """The whole request ran past its deadline (httpx reports it as a ReadTimeout)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Requests made by this thread inside the block end within `seconds` from now."""
    outer = getattr(_local, "until", None)
    until = time.monotonic() + seconds
    _local.until = until if outer is None else min(outer, until)
    try:
        yield
    finally:
        _local.until = outer


def _left(timeout: float | None) -> float | None:
    """The socket timeout to use: the given one, cut to what is left of the deadline."""
    until = getattr(_local, "until", None)
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the request's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _left(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """Wraps a network backend so that its connections keep the thread's `deadline`."""

    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _left(timeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PublicOnlyBackend(httpcore.SyncBackend):
    """Opens TCP connections to public addresses only, checking the very addresses it
    connects to: a host whose DNS answer changes between a check and the connection (DNS
    rebinding) cannot slip through. TLS still verifies the certificate against the host name.
    """

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = check_public(host, self._resolver)
        except DiscoverError as exc:
            raise NonPublicAddressError(str(exc)) from None
        failure: httpcore.ConnectError | None = None
        for address in dict.fromkeys(addresses):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # check_public returned at least one address
        raise failure


def public_only_transport(resolver: Resolver | None = None) -> httpx.HTTPTransport:
    """An httpx transport whose connections can only reach public addresses, within the
    thread's deadline."""
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(  # the documented pool, with our backend
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=DeadlineBackend(PublicOnlyBackend(resolver)),
    )
    return transport


def keep_deadlines(client: httpx.Client) -> httpx.Client:
    """Make the connection pools of `client` (proxies included) keep the thread's deadline.

    httpx builds its default transports from the environment (proxies among them); their
    pools are httpcore's, whose backend is the one documented seam for this.
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(backend)  # type: ignore[union-attr]
    return client
