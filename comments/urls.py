from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:article_pk>/", views.comment_post, name="post"),
    path("comments/<int:comment_pk>/report/", views.comment_report, name="report"),
    path("comments/form-time/", views.form_time, name="form_time"),
    path("comments/<int:comment_pk>/", views.comment_link, name="link"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("comments/confirm/<str:token>/", views.confirm, name="confirm"),
]
