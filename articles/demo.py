"""Demo accounts and content for `make run` (idempotent)."""

from django.contrib.auth import get_user_model

DEMO_ACCOUNTS = {
    # username: (first name, last name, is_superuser, group)
    "admin": ("Ada", "Admin", True, None),
    "editor": ("Erin", "Editor", False, "Editor"),
    "journalist": ("Julia", "Santos", False, "Journalist"),
    "moderator": ("Max", "Moderator", False, "Moderator"),
}


def ensure_accounts(*, password: str) -> dict:
    """Create the demo users if missing; reset their password to `password`."""
    User = get_user_model()
    users = {}
    for username, (first, last, is_superuser, _group) in DEMO_ACCOUNTS.items():
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
            },
        )
        user.is_staff = True
        user.is_superuser = is_superuser
        user.set_password(password)
        user.save()
        users[username] = user
    return users


def ensure_content(*, users: dict) -> int:
    """Demo articles arrive with the publishing work."""
    return 0
