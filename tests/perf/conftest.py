import contextlib

import pytest
from celery.signals import task_postrun, task_prerun
from django.db import connection


class Phases:
    """SQL statements sent during a block, split into the request's own and those of the
    Celery tasks it queued (tests run tasks eagerly, inline; production runs them in a
    worker, so each side has its own budget). `by_task` keeps each task's own statements
    under its name (a task run inside another counts for the inner one)."""

    def __init__(self):
        self.request, self.by_task = [], {}
        self._running = []

    @property
    def tasks(self):
        return [sql for statements in self.by_task.values() for sql in statements]

    def _prerun(self, task=None, **kwargs):
        self._running.append(task.name if task is not None else "?")

    def _postrun(self, **kwargs):
        self._running.pop()

    def _record(self, execute, sql, params, many, context):
        if self._running:
            self.by_task.setdefault(self._running[-1], []).append(sql)
        else:
            self.request.append(sql)
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def capture(self):
        task_prerun.connect(self._prerun, weak=False)
        task_postrun.connect(self._postrun, weak=False)
        try:
            with connection.execute_wrapper(self._record):
                yield self
        finally:
            task_prerun.disconnect(self._prerun)
            task_postrun.disconnect(self._postrun)


@pytest.fixture
def queries(django_capture_on_commit_callbacks):
    """Return a function: queries(call) -> (response, Phases) of one request, including the
    work it does once its transaction commits."""

    def run(call):
        phases = Phases()
        with phases.capture(), django_capture_on_commit_callbacks(execute=True):
            response = call()
        return response, phases

    return run
