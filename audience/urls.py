from django.urls import path

from . import views

app_name = "audience"
urlpatterns = [path("most-read/", views.most_read, name="most_read")]
