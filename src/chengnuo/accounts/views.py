from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError

from .forms import LoginForm
from .services import login_attempt


def login_view(request):
    form = LoginForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    status = 400 if request.method == "POST" else 200
    retry_after = 0
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except DomainError as exc:
            # the same answer for a name no account has as for a wrong password
            form.add_error(None, exc.message)
            status = exc.status_code
            retry_after = getattr(exc, "retry_after", 0)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or "portal:workbench")
    response = render(
        request, "accounts/login.html", {"form": form, "next": next_url}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request):
    logout(request)
    return redirect("portal:home")
