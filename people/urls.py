from django.urls import path

from people import views

app_name = "people"

urlpatterns: list[object] = [
    # The People page (admins): invite, change, deactivate, reactivate
    path("people/", views.person_list, name="person_list"),
    path("people/invite/", views.person_invite, name="person_invite"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path(
        "people/<int:pk>/invitation/", views.person_invitation_send, name="person_invitation_send"
    ),
]
