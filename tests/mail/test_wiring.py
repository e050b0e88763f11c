"""The mail feature registers its parts in init_app, never on import, and once per process."""
from __future__ import annotations

import json
import subprocess
import sys

from deliberate import create_app, worker
from deliberate.members import rights
from deliberate.members import services as members

_PROBE = """
import json
from deliberate.mail import compose, digest, digests, kinds, message, outbox, queries, schedule, sender, services, tokens, views
from deliberate.members import rights, services as members
print(json.dumps({"link_hooks": len(members.LINK_HOOKS), "export": sorted(rights.EXPORT_HOOKS)}))
"""


def test_importing_the_mail_modules_registers_nothing():
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {"link_hooks": 0, "export": []}


def test_the_factory_registers_the_mail_parts_once(app):
    from deliberate.mail import outbox, sender, services

    assert members.LINK_HOOKS.count(outbox.queue_link) == 1
    assert services.erase_mail in rights.ERASURE_HOOKS and rights.EXPORT_HOOKS["mail"] is services.export_mail
    job = worker.jobs(app)["mail"]
    assert job.tick is sender.tick and job.wake is outbox._wake and job.interval(app) == 10
    assert {"mail.unsubscribe", "mail.unsubscribe_page", "auth.save_notifications"} <= set(app.view_functions)
    create_app(dict(app.config))
    assert members.LINK_HOOKS.count(outbox.queue_link) == 1 and rights.ERASURE_HOOKS.count(services.erase_mail) == 1


def test_the_worker_runs_the_mail_job(app):
    assert "mail" in worker.run_once(app, ["mail"])
    app.config["MAIL_WORKER_SECONDS"] = 0
    assert worker.jobs(app)["mail"].interval(app) == 0
