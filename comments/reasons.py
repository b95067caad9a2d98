"""The rejection reasons a new site starts with (moderators edit the list
in the admin: "Moderation reasons")."""

DEFAULT_REASONS = [
    ("off-topic", "Off topic: it is not about the story."),
    ("abusive", "Abusive or insulting towards a person or group."),
    ("personal-data", "It shares someone's personal information."),
    ("advertising", "Advertising or links to other sites."),
    ("unlawful", "It may break the law (defamation, threats, contempt)."),
]


def add_default_reasons(model) -> None:
    """Create the default reasons that are missing (idempotent); `model` is
    ModerationReason, or its historical version in a migration."""
    for position, (code, label) in enumerate(DEFAULT_REASONS):
        model.objects.get_or_create(
            code=code, defaults={"label": label, "position": position}
        )
