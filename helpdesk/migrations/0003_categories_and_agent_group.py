"""Seed the categories and the "Assistance" group holding the agents' permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from helpdesk.defaults import AGENT_GROUP, AGENT_PERMISSIONS, CATEGORIES


def seed(apps, schema_editor):
    Category = apps.get_model("helpdesk", "Category")
    for slug, name, help_text, sla, priority, account_related, position in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": help_text,
                "sla_hours": sla,
                "default_priority": priority,
                "account_related": account_related,
                "position": position,
            },
        )
    # Permissions are normally created after migrate; create them now so the group can hold them.
    app_config = apps.get_app_config("helpdesk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=AGENT_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="helpdesk", codename__in=AGENT_PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0002_audit_append_only_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
