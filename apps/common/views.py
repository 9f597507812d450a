"""Small helpers every list and action view uses."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from apps.common.forms import apply_errors

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: QuerySet) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def run_action(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Call a service for a button press; its refusal becomes the flash message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True


def save_model_form(
    request: HttpRequest, form: ModelForm, save: Callable[..., Model]
) -> Model | None:
    """On a valid POST, pass the form's fields to one service call and say "Saved …"; the
    service's refusals go beside the fields. None while the form is to be shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(**{name: form.cleaned_data[name] for name in form.Meta.fields})
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, f"Saved {saved}.")
    return saved
