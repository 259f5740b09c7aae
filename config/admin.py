from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and ledgers the app writes through its services: read in the admin, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
