from django.db import migrations

GROUP_NAME = "Éditeurs"

PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = {
    ("wagtailimages", "image"): ["add_image", "change_image", "choose_image"],
    ("wagtaildocs", "document"): ["add_document", "change_document", "choose_document"],
}
MODEL_PERMISSIONS = {
    ("wagtailadmin", "admin"): [("access_admin", "Can access Wagtail admin")],
    ("cms", "glossaryterm"): [
        ("add_glossaryterm", "Can add terme du glossaire"),
        ("change_glossaryterm", "Can change terme du glossaire"),
        ("delete_glossaryterm", "Can delete terme du glossaire"),
        ("view_glossaryterm", "Can view terme du glossaire"),
    ],
    ("cms", "keyfigure"): [
        ("add_keyfigure", "Can add chiffre clé"),
        ("change_keyfigure", "Can change chiffre clé"),
        ("delete_keyfigure", "Can delete chiffre clé"),
        ("view_keyfigure", "Can view chiffre clé"),
    ],
    ("cms", "sitesettings"): [("change_sitesettings", "Can change paramètres du site")],
}


def _permission(apps, app_label, model, codename, name=None):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name or codename}
    )
    return permission


def create_editors_group(apps, schema_editor):
    """Editors of the public site: Wagtail admin, pages under the home page, images, documents
    and the site's snippets. Nothing of the Django admin or of the accounts."""
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Site = apps.get_model("wagtailcore", "Site")

    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for (app_label, model), permissions in MODEL_PERMISSIONS.items():
        for codename, name in permissions:
            group.permissions.add(_permission(apps, app_label, model, codename, name))

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    if site is not None:
        for codename in PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page_id=site.root_page_id,
                permission=_permission(apps, "wagtailcore", "page", codename),
            )

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for (app_label, model), codenames in COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=_permission(apps, app_label, model, codename),
                )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_content_model"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
