from __future__ import annotations

from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("duplicates/", views.customer_duplicates, name="duplicates"),
    path("merge/", views.customer_merge, name="merge"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/card-payment/", views.card_payment, name="card_payment"),
]
