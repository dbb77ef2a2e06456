"""One attachment policy for every record that carries files (incidents, changes, knowledge).

- Types: a file is accepted by its extension only, and stored and served with
  the content type that extension maps to (never the uploader's header), so a
  download is never served with a browser-executable type.
- Sizes: 1 byte to 10 MB.
- Storage names are random (`<folder>/<yyyy>/<mm>/<32 hex>.<ext>`): never
  guessable and never the uploader's choice, so one upload cannot overwrite or
  reveal another.
- The original name is kept, normalised (no folders, no control characters,
  NFC, length-bounded with its extension kept), for the download's filename.
- Downloads go through `serve`, which asks the attachment's own
  `may_download(user)` (the permission hook each app implements from
  accounts.policy) and answers 404 otherwise, always as a download, never inline.
"""

import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone

MAX_BYTES = 10 * 1024 * 1024
NAME_LENGTH = 200
# Extension -> the content type it is stored and served as.
TYPES = {
    ".pdf": "application/pdf", ".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".json": "application/json", ".xml": "application/xml", ".eml": "message/rfc822",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AttachmentRejected(ValidationError):
    """The file is empty, too large or of a type we do not accept (forms: a field error)."""


@dataclass(frozen=True)
class AttachmentPolicy:
    types: dict
    max_bytes: int

    @property
    def help_text(self):
        return f"Up to {self.max_bytes // (1024 * 1024)} MB: {', '.join(sorted(self.types))}."

    def content_type(self, upload) -> str:
        """Return the content type `upload` is stored as; raise AttachmentRejected if refused."""
        suffix = PurePosixPath(original_name(upload.name)).suffix.lower()
        if suffix not in self.types:
            raise AttachmentRejected(
                f"Files of type '{suffix or 'none'}' are not accepted. Use one of: "
                f"{', '.join(sorted(self.types))}.")
        if upload.size > self.max_bytes:
            raise AttachmentRejected(f"The file is larger than "
                                     f"{self.max_bytes // (1024 * 1024)} MB.")
        if upload.size == 0:
            raise AttachmentRejected("The file is empty.")
        return self.types[suffix]


POLICY = AttachmentPolicy(types=TYPES, max_bytes=MAX_BYTES)


def original_name(name, *, limit=NAME_LENGTH) -> str:
    """Return the uploader's file name made safe to keep and show: no folders, no control
    characters, NFC, single spaces, at most `limit` characters with the extension kept."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(" .") or "file"
    if len(name) > limit:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) < limit // 2 else ""
        name = name[:limit - len(suffix)].rstrip(" .") + suffix
    return name


def storage_name(instance, filename):
    """Return a random storage path under the attachment model's `storage_folder`."""
    suffix = PurePosixPath(original_name(filename)).suffix.lower()
    suffix = suffix if suffix in TYPES else ""
    return f"{instance.storage_folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file kept with a record. Subclasses add the foreign key to the record, set
    `storage_folder`, and implement `may_download(user)` from accounts.policy."""

    storage_folder = "attachments"
    policy = POLICY

    file = models.FileField(upload_to=storage_name, max_length=300)
    original_name = models.CharField(max_length=NAME_LENGTH,
                                     help_text="The uploader's file name, used for downloads.")
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def take(self, upload):
        """Check `upload` against the policy and make it this attachment's file (unsaved)."""
        self.content_type = self.policy.content_type(upload)
        self.original_name = original_name(upload.name)
        self.size = upload.size
        self.file = upload

    def may_download(self, user) -> bool:
        raise NotImplementedError(f"{type(self).__name__} must say who may download it.")


def serve(attachment, user):
    """Return `attachment` as a download if `user` may have it; raise Http404 otherwise
    (a file someone may not see is indistinguishable from one that does not exist)."""
    if not attachment.may_download(user):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
