"""Incident transitions and attachments take the kernel's shapes; every row is kept.

- IncidentTransition: from/to widen to the kernel's 20 characters; `channel` is added
  (empty on the rows recorded before: where those came from was not kept).
- IncidentAttachment: `filename` is renamed `original_name` (values kept); stored files
  keep their (already random) names; new ones go under the kernel's storage names.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import kernel.acting
import kernel.attachments


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_kpi_period_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="incidenttransition",
            name="from_status",
            field=models.CharField(blank=True, help_text="Empty on creation.", max_length=20),
        ),
        migrations.AlterField(
            model_name="incidenttransition",
            name="to_status",
            field=models.CharField(max_length=20),
        ),
        migrations.AddField(
            model_name="incidenttransition",
            name="channel",
            field=models.CharField(blank=True, default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="incidenttransition",
            name="channel",
            field=models.CharField(
                blank=True, choices=kernel.acting.Channel.choices,
                default=kernel.acting.current_channel,
                help_text="Where the change came from; empty on rows recorded before channels "
                          "were kept.", max_length=8),
        ),
        migrations.RenameField(
            model_name="incidentattachment",
            old_name="filename",
            new_name="original_name",
        ),
        migrations.AlterField(
            model_name="incidentattachment",
            name="original_name",
            field=models.CharField(help_text="The uploader's file name, used for downloads.",
                                   max_length=200),
        ),
        migrations.AlterField(
            model_name="incidentattachment",
            name="file",
            field=models.FileField(max_length=300, upload_to=kernel.attachments.storage_name),
        ),
        migrations.AlterField(
            model_name="incidentattachment",
            name="content_type",
            field=models.CharField(max_length=120),
        ),
        migrations.AlterField(
            model_name="incidentattachment",
            name="uploaded_by",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
    ]
