"""Who is asking: the client's address for rate limits and login throttling.

Behind the municipality's TLS proxy every request comes from the proxy's address, so limits
keyed on REMOTE_ADDR alone would throttle everybody together. Each trusted proxy appends the
address it saw to X-Forwarded-For; with FORWARDED_PROXY_HOPS trusted proxies in front, the
entry that many places from the right was written by our outermost proxy and cannot be forged
by the client (anything further left can). Without a proxy, REMOTE_ADDR is the client.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    hops = settings.FORWARDED_PROXY_HOPS
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
