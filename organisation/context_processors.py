from __future__ import annotations

from django.http import HttpRequest

from organisation.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    current = request.path
    items = []
    for item in items_for(user):
        url = item.url  # a reverse() per item and request: once, not three times
        items.append(
            {
                "label": item.label,
                "url": url,
                "current": current == url or (url != "/" and current.startswith(url)),
            }
        )
    return {"nav_items": items}
