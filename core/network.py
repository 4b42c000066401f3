"""The client's address, as far as the configured reverse proxies can be trusted."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the nearest trusted proxy saw (settings.TRUSTED_PROXIES hops
    from the right of X-Forwarded-For; anything further left is whatever the client wrote)."""
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0) or 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
