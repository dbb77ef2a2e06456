import contextlib

import pytest
from celery.signals import task_postrun, task_prerun
from django.db import connection


class Phases:
    """SQL statements sent during a block, split into the request's own and those of the
    Celery tasks it queued (tests run tasks eagerly, inline; production runs them in a
    worker, so each side has its own budget)."""

    def __init__(self):
        self.request, self.tasks = [], []
        self._in_task = 0

    def _prerun(self, **kwargs):
        self._in_task += 1

    def _postrun(self, **kwargs):
        self._in_task -= 1

    def _record(self, execute, sql, params, many, context):
        (self.tasks if self._in_task else self.request).append(sql)
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
