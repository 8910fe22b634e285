from django.apps import AppConfig


class AcademieConfig(AppConfig):
    name = "academie"
    verbose_name = "Portail"

    def ready(self) -> None:
        from academie import checks  # noqa: F401  (registers system checks)
