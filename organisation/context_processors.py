from __future__ import annotations

from django.http import HttpRequest

from organisation.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": []}
    current = request.path
    items = [
        {
            "label": item.label,
            "url": item.url,
            "current": current == item.url or (item.url != "/" and current.startswith(item.url)),
        }
        for item in items_for(user)
    ]
    return {"nav_items": items}
