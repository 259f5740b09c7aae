from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import Notification, User

# django-stubs makes these classes generic in the model; Django's own take no subscript at
# runtime, so the parametrised bases exist for the type checker only.
if TYPE_CHECKING:
    _UserCreationFormBase = AdminUserCreationForm[User]
    _UserChangeFormBase = UserChangeForm[User]
    _UserAdminBase = DjangoUserAdmin[User]
    _NotificationAdminBase = admin.ModelAdmin[Notification]
else:
    _UserCreationFormBase = AdminUserCreationForm
    _UserChangeFormBase = UserChangeForm
    _UserAdminBase = DjangoUserAdmin
    _NotificationAdminBase = admin.ModelAdmin


class UserCreationForm(_UserCreationFormBase):
    class Meta:
        model = User
        fields = ["email", "full_name", "role", "manager"]


class UserEditForm(_UserChangeFormBase):
    class Meta:
        model = User
        fields = ["email", "full_name", "role", "manager", "is_active"]
        field_classes = {"email": forms.EmailField}


@admin.register(User)
class UserAdmin(_UserAdminBase):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ["email", "full_name", "role", "manager", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    ordering = ["full_name"]
    filter_horizontal = []
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "role", "manager", "is_active"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "role",
                    "manager",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Notification)
class NotificationAdmin(_NotificationAdminBase):
    list_display = ["created_at", "user", "message", "read_at", "emailed_at"]
    list_filter = ["read_at", "emailed_at"]
    search_fields = ["message", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]
