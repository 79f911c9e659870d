"""Rate limits key on the client's address, also behind the municipality's TLS proxy."""

from __future__ import annotations

from django.test import RequestFactory

from organisation.http import client_address


def test_without_a_proxy_the_client_is_the_remote_address(settings) -> None:
    settings.FORWARDED_PROXY_HOPS = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.66"
    )
    assert client_address(request) == "198.51.100.7"


def test_behind_one_proxy_the_client_is_the_address_that_proxy_appended(settings) -> None:
    settings.FORWARDED_PROXY_HOPS = 1
    # The client forged the first entry; the proxy appended the address it really saw.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"


def test_a_request_that_bypassed_the_proxy_falls_back_to_the_remote_address(settings) -> None:
    settings.FORWARDED_PROXY_HOPS = 2
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="192.0.2.66")
    assert client_address(request) == "192.0.2.10"
