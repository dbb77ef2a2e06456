"""Article transitions and attachments take the kernel's shapes; every row and file is kept.

- ArticleTransition gains `channel` (empty on the rows recorded before).
- ArticleAttachment gains the kernel's original name, content type and size, filled from
  each stored file, and each stored file moves from `knowledge/<article>/<the uploader's
  name>` to a random name, so an uploader's choice of name no longer reaches the storage.
  A row whose file is missing keeps its path (size 0), so nothing is lost.
"""

import unicodedata
import uuid
from pathlib import PurePosixPath

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models, transaction
from django.utils import timezone

import kernel.acting
import kernel.attachments

# Frozen here: the mapping and name rules as they were when this migration was written.
TYPES = {
    ".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _original_name(path):
    name = unicodedata.normalize("NFC", path.rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .") or "file"
    suffix = PurePosixPath(name).suffix
    return name if len(name) <= 200 else name[:200 - len(suffix)] + suffix


def describe_and_rename_files(apps, schema_editor):
    ArticleAttachment = apps.get_model("knowledge", "ArticleAttachment")
    for attachment in ArticleAttachment.objects.all():
        old = attachment.file.name
        suffix = PurePosixPath(old).suffix.lower()
        attachment.original_name = _original_name(old)
        attachment.content_type = TYPES.get(suffix, "application/octet-stream")
        storage = attachment.file.storage
        if storage.exists(old):
            attachment.size = storage.size(old)
            new = f"knowledge/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"
            with storage.open(old, "rb") as handle:
                attachment.file.name = storage.save(new, handle)
            # Only once the rows point at the copies for good: a failed migration leaves
            # the old files (and harmless copies), never rows pointing at nothing.
            transaction.on_commit(lambda old=old: storage.delete(old),
                                  using=schema_editor.connection.alias)
        attachment.save(update_fields=["original_name", "content_type", "size", "file"])


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0003_problem_transition_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="articletransition",
            name="channel",
            field=models.CharField(blank=True, default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="channel",
            field=models.CharField(
                blank=True, choices=kernel.acting.Channel.choices,
                default=kernel.acting.current_channel,
                help_text="Where the change came from; empty on rows recorded before channels "
                          "were kept.", max_length=8),
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="by",
            field=models.ForeignKey(blank=True, help_text="Empty when the system acted.",
                                    null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="from_status",
            field=models.CharField(blank=True, help_text="Empty on creation.", max_length=20),
        ),
        migrations.AlterField(
            model_name="articletransition",
            name="to_status",
            field=models.CharField(max_length=20),
        ),
        migrations.AddField(
            model_name="articleattachment",
            name="original_name",
            field=models.CharField(default="", help_text="The uploader's file name, used for "
                                   "downloads.", max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="articleattachment",
            name="content_type",
            field=models.CharField(default="", max_length=120),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="articleattachment",
            name="size",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="articleattachment",
            name="file",
            field=models.FileField(max_length=300, upload_to=kernel.attachments.storage_name),
        ),
        migrations.RunPython(describe_and_rename_files, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="articleattachment",
            name="uploaded_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="articleattachment",
            name="uploaded_by",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
    ]
