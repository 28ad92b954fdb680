"""Pages. Views parse the request, call one service or selector, and render."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from heatdesk.accounts import selectors as account_selectors
from heatdesk.accounts.signin import credentials_check
from heatdesk.core.errors import DomainError
from heatdesk.web import selectors
from heatdesk.web.access import workspace_url


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名或工号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.user_cache = credentials_check(
                request=self.request, username=cleaned["username"], password=cleaned["password"]
            )
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from error
        return cleaned

    def get_user(self):
        return self.user_cache


class LoginPage(LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        login(self.request, form.get_user())
        return redirect(self.get_success_url())


@require_POST
def logout_page(request):
    logout(request)
    return redirect("web:login")


@login_required
def home(request):
    """Each role lands in its workspace (DESIGN §1); others see their scope's recent tickets."""
    target = workspace_url(request.user)
    if target:
        return redirect(target)
    scope = account_selectors.user_scope(user=request.user)
    rows = list(selectors.ticket_find(user=request.user, query="", limit=30))
    return render(request, "web/home.html", {"scope": scope, "rows": rows})
