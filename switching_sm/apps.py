from django.contrib.admin.apps import AdminConfig


class SwitchingAdminConfig(AdminConfig):
    """Use the branded agent console as Django's default admin site."""

    default_site = "switching_sm.admin_site.ConsoleSite"
