import html


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def text(response) -> str:
    """The response body as a person reads it (HTML entities decoded)."""
    return html.unescape(response.content.decode())
