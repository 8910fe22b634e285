app_name = "annuaire"
urlpatterns: list = []
