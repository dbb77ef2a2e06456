import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "switching_sm.settings")
application = get_wsgi_application()

# Register every app's Celery tasks now, before the first request: a web process queues
# tasks by name (kernel.after_commit), and discovering them on first need from several
# request threads at once (gthread) races in Celery's autodiscovery, which then returns
# nothing to all but one of them.
from .celery import app as _celery_app  # noqa: E402

_celery_app.autodiscover_tasks(force=True)
