"""Sign-in, second factor, lockout and "my security" pages (owned by the sign-in work)."""

app_name = "accounts"
urlpatterns: list = []
