"""HR's organisation import: upload, preview, confirm. (Being built.)"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from organisation import access


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    access.require(access.can_import_organisation(request.user))
    raise NotImplementedError


@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(access.can_import_organisation(request.user))
    raise NotImplementedError
