"""Work that runs after a transaction commits, isolated from the request that committed it.

Every after-commit hook in the project (status cache refreshes, task enqueues, signals
sent once a change is saved) goes through `run_after_commit` or `send_after_commit`. The
change is already saved when the hook runs, so a broker or cache error there must never
turn the client's 201 into a 500: it is logged, counted, and the work is left to the
beat sweep named by `sweep` (every hook here has one, e.g. the outbox sweep delivers an
email whose task could not be enqueued).

`failures()` returns the counts this process has seen since it started, by hook name;
`/readyz` shows them so an operator can see that sweeps are doing the work.
"""

import logging
import threading
from collections import Counter

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

_failures = Counter()
_lock = threading.Lock()


def _count(name):
    with _lock:
        _failures[name] += 1


def failures():
    """Return {hook name: failures} seen by this process since it started."""
    with _lock:
        return dict(_failures)


def _isolated(func, *, name, sweep):
    def run():
        try:
            func()
        except Exception:
            _count(name)
            logger.warning("After-commit work %r failed; %s will do it", name, sweep,
                           exc_info=True)

    return run


def run_after_commit(func, *, name, sweep, using=None):
    """Run `func()` once the current transaction commits (at once outside one); never raise.

    `name` identifies the hook in logs and counts; `sweep` says, in words, which beat
    sweep does the work if this fails (e.g. "the outbox sweep (every minute)").
    """
    transaction.on_commit(_isolated(func, name=name, sweep=sweep), using=using)


def send_after_commit(signal, *, sender, name, sweep, **kwargs):
    """Send `signal` after commit; each receiver's error is logged and counted, not raised.

    Uses `send_robust`, so one failing receiver does not stop the others.
    """

    def send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                _count(name)
                logger.warning("Receiver %r of %r failed after commit; %s will do it",
                               getattr(receiver, "__qualname__", receiver), name, sweep,
                               exc_info=(type(result), result, result.__traceback__))

    transaction.on_commit(_isolated(send, name=name, sweep=sweep))


_discovering = threading.Lock()


def _registered(name):
    """Return the Celery task registered as `name` (KeyError if none is).

    A worker registers every app's tasks when it starts and the WSGI module when it loads;
    any other process (a management command) discovers the apps' tasks modules on first
    need, one thread at a time: Celery's autodiscovery returns nothing to a second caller
    while a first is still importing.
    """
    if name not in current_app.tasks:
        with _discovering:
            if name not in current_app.tasks:
                current_app.autodiscover_tasks(force=True)
    return current_app.tasks[name]


def enqueue_after_commit(task, *args, name=None, sweep, countdown=None, **kwargs):
    """Enqueue Celery `task` with `args`/`kwargs` after commit; a broker outage is left to `sweep`.

    `task` is the task or its registered name ("notifications.tasks.deliver_email"): by name,
    the module whose work a task runs can queue that task without importing the tasks
    module that imports it back. A name no task is registered under fails here, at once.
    `countdown` (seconds) delays the task's start.
    """
    if isinstance(task, str):
        task = _registered(task)
    def send():
        if countdown is None:
            task.delay(*args, **kwargs)
        else:
            task.apply_async(args, kwargs, countdown=countdown)

    run_after_commit(send, name=name or task.name, sweep=sweep)
