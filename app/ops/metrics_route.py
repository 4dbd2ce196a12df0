"""``GET /metrics``: the Prometheus text exposition of this instance's registry.

Who may scrape (the metrics show traffic, decision mix and queue sizes, not personal data, but they are
not for the public):
- with ``SO8T_METRICS_TOKEN`` set: any client presenting ``Authorization: Bearer <token>`` (compared in
  constant time); no other;
- without it: clients whose address is loopback or private (10/8, 172.16/12, 192.168/16, fc00::/7,
  link-local) -- the host itself, a compose network, a cluster's pod network. A reverse proxy in front
  of the app is such a client too, so the proxy must not forward ``/metrics`` from outside
  (deploy/nginx/nginx.conf answers it 404; Kubernetes sets a token, since the ingress controller is in
  the pod network).
Refused scrapes get 403. The route is left out of the OpenAPI schema (it is not part of the REST API).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import SecretStr

# loopback, RFC 1918, IPv6 unique-local, link-local (Python's is_private also admits documentation and
# benchmarking ranges, so the list is explicit)
MONITORING_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def scrape_allowed(client_host: str | None, authorization: str | None, token: SecretStr | None) -> bool:
    """The access rule above, as a pure function."""
    if token is not None:
        scheme, _, given = (authorization or "").partition(" ")
        expected = token.get_secret_value().encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected)
    try:
        address = ipaddress.ip_address(client_host or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in MONITORING_NETWORKS)


def build_metrics_router(registry: CollectorRegistry, token: SecretStr | None) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        host = request.client.host if request.client else None
        if not scrape_allowed(host, request.headers.get("authorization"), token):
            return Response(
                "metrics are only served to the monitoring network or with the metrics token\n",
                status_code=403,
                media_type="text/plain",
            )
        body = await run_in_threadpool(generate_latest, registry)  # collectors may query the database
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
