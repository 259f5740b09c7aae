from django.urls import path

from budgets import views

app_name = "budgets"

urlpatterns = [
    path("quarters/", views.quarter_list, name="quarter_list"),
    path("quarters/new/", views.quarter_create, name="quarter_create"),
    path("quarters/<str:label>/", views.quarter_detail, name="quarter_detail"),
    path("quarters/<str:label>/edit/", views.quarter_edit, name="quarter_edit"),
    path("settings/", views.settings_edit, name="settings"),
]
