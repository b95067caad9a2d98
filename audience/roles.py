"""Who sees the audience's figures ("Now"): editors all, journalists their
own stories' (audience/now.py narrows it)."""

ROLES = {
    "Journalist": ["audience.view_viewcount"],
    "Editor": ["audience.view_viewcount"],
}
