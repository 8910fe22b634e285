from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnuaireConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annuaire"
    verbose_name = _("Annuaire")

    def ready(self) -> None:
        from annuaire import signals  # noqa: F401  (search index follows saves)
