from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:article_pk>/", views.comment_post, name="post"),
    path("comments/form-time/", views.form_time, name="form_time"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
