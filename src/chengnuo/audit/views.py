from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from chengnuo.core.errors import NotFound

from .selectors import history_for, history_target_get


@login_required
def history(request, target_type: str, pk: str):
    try:
        target = history_target_get(request.user, target_type, pk)
    except NotFound as exc:
        raise Http404 from exc
    events = history_for(request.user, target)
    return render(
        request,
        "audit/history.html",
        {"target": target, "events": events, "target_type": target_type},
    )
