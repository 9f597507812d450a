from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from apps.common.admin import OrganisationScopedAdmin

from .merging import customer_merge
from .models import Customer, CustomerMerge
from .services import EDITABLE_FIELDS, customer_create, customer_update, customer_validate


class CustomerAdminForm(forms.ModelForm):
    """The admin's customer form refuses what the services refuse, beside the field."""

    def _post_clean(self):
        super()._post_clean()
        if self.instance.merged_into_id:
            self.add_error(
                None, f"{self.instance} was merged; edit the customer it was merged into."
            )
            return
        try:
            customer_validate(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Customer)
class CustomerAdmin(OrganisationScopedAdmin):
    form = CustomerAdminForm
    list_display = (
        "display_name",
        "email",
        "phone",
        "company_name",
        "organisation",
        "merged_into",
        "updated_at",
    )
    list_filter = ("organisation", ("merged_into", admin.EmptyFieldListFilter), "billing_country")
    search_fields = (
        "display_name",
        "email",
        "phone",
        "company_name",
        "email_normalised",
        "phone_normalised",
    )
    list_select_related = ("organisation", "merged_into")
    readonly_fields = (
        "email_normalised",
        "phone_normalised",
        "name_normalised",
        "merged_into",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("organisation",)
    actions = ["review_merge", "merge_into_oldest"]

    def save_model(self, request, obj, form, change):
        # Through the services, so the matching keys follow the e-mail (one normaliser for every
        # way in) and the change is recorded for sync.
        values = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
        if change:
            customer_update(customer=obj, **values)
        else:
            obj.pk = customer_create(organisation=obj.organisation, **values).pk

    @admin.action(description="Review and merge the selected customers…", permissions=["change"])
    def review_merge(self, request, queryset):
        """Staff pick the one to keep and see what moves on the Customers page's merge flow."""
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(f"{reverse('customers:merge')}?ids={ids}")

    @admin.action(
        description="Merge selected customers into the oldest one", permissions=["change"]
    )
    def merge_into_oldest(self, request, queryset):
        customers = list(queryset.order_by("created_at", "id"))
        if len(customers) < 2:
            self.message_user(request, "Select at least two customers.", messages.WARNING)
            return
        keep, duplicates = customers[0], customers[1:]
        try:
            customer_merge(keep=keep, duplicates=duplicates, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, f"Merged {len(duplicates)} customer(s) into {keep}.")


@admin.register(CustomerMerge)
class CustomerMergeAdmin(OrganisationScopedAdmin):
    list_display = ("merged_at", "duplicate_display_name", "kept", "merged_by", "moved")
    list_filter = ("organisation",)
    search_fields = ("duplicate_display_name", "kept__display_name")
    list_select_related = ("kept", "merged_by", "organisation")
    readonly_fields = (
        "organisation",
        "kept",
        "duplicate",
        "duplicate_display_name",
        "merged_by",
        "moved",
        "merged_at",
    )

    def has_add_permission(self, request):
        return False  # history is written by the merge service only
