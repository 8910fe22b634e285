"""Sign-in, second factor, lockout and "my security" pages (owned by the sign-in work)."""

from django.urls import path

from academie import security_views, signin_views

app_name = "accounts"

urlpatterns = [
    path("connexion/", signin_views.login_view, name="login"),
    path("connexion/code/", signin_views.code_view, name="code"),
    path("connexion/enrolement/", signin_views.enrol_view, name="enrol"),
    path("connexion/verrouille/", signin_views.locked_view, name="locked"),
    path("connexion/mot-de-passe/", signin_views.password_reset_view, name="password_reset"),
    path(
        "connexion/mot-de-passe/<uidb64>/<token>/",
        signin_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("deconnexion/", signin_views.logout_view, name="logout"),
    path("securite/", security_views.overview, name="security_overview"),
    path("securite/sessions/", security_views.sessions, name="security_sessions"),
    path("securite/navigateurs/oublier/", security_views.forget_browser, name="security_forget_browser"),
    path("securite/historique/", security_views.history, name="security_history"),
    path("securite/mot-de-passe/", security_views.change_password, name="security_password"),
    path("securite/appareils/", security_views.devices, name="security_devices"),
    path("securite/appareils/application/", security_views.add_totp, name="security_add_totp"),
    path("securite/appareils/sms/", security_views.add_sms, name="security_add_sms"),
]
