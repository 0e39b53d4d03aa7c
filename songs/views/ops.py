"""Operators' endpoints: /health/ for load balancers and /metrics for Prometheus."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck, HealthCheckResult
from health_check.views import HealthCheckView

from songs import metrics, monitor

# Headers a proxy adds: behind one, REMOTE_ADDR is the proxy's own (often loopback) address.
_PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


class StudioHealthView(HealthCheckView):
    """200 when every check passes, 500 otherwise. Anyone sees the verdicts; only staff see the reasons."""

    checks = (
        "health_check.checks.Database",
        "songs.health.Broker",
        "songs.health.Gateway",
        "songs.health.Poller",
        "songs.health.Queue",
        "songs.health.Processes",
    )

    async def get(self, request, *args, **kwargs):
        try:
            self.details = (await request.auser()).is_staff
        except Exception:  # the session store is the database, which may be the thing that is down
            self.details = False
        return await super().get(request, *args, **kwargs)

    def get_checks(self) -> Iterator[HealthCheck]:
        for check in super().get_checks():
            yield check if self.details else _VerdictOnly(check)


@dataclasses.dataclass(repr=False)
class _VerdictOnly(HealthCheck):
    """A check whose failure reads only "Unavailable" (or "Warning"): its message is for staff."""

    check: HealthCheck

    def __repr__(self) -> str:
        return repr(self.check)

    @property
    def labels(self) -> dict[str, str]:
        return self.check.labels

    async def run(self) -> None:  # get_result runs the wrapped check instead
        raise NotImplementedError

    async def get_result(self, executor=None) -> HealthCheckResult:
        result = await self.check.get_result(executor)
        if result.error is not None:
            result.error = type(result.error)("details for staff only", timestamp=result.error.timestamp)
        result.check = self
        return result


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text: what every process recorded, plus tasks by status and the queue, read now."""
    if not _metrics_allowed(request):
        return HttpResponseForbidden("Metrics are for the monitoring system and staff.\n")
    body, content_type = metrics.exposition([monitor.StudioCollector()])
    return HttpResponse(body, content_type=content_type)


def _metrics_allowed(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.METRICS_TOKEN
    if token and constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return True
    if any(header in request.headers for header in _PROXY_HEADERS):
        return False
    return _address_allowed(request.META.get("REMOTE_ADDR", ""), settings.METRICS_ALLOWED_IPS)


def _address_allowed(address: str, allowed: list[str]) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(entry, strict=False) for entry in allowed)
