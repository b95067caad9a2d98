from django.views.generic import TemplateView


class HomeView(TemplateView):
    """Front page (placeholder until the publishing work lands)."""

    template_name = "articles/home.html"
