"""Run the same work in many threads released at one moment (concurrency tests share this)."""
from __future__ import annotations

import threading

WRITERS = 20


def run_together(app, work, writers: int = WRITERS):
    """Run ``work(i)`` in ``writers`` threads released together; return (results, errors)."""
    from deliberate.extensions import db

    barrier = threading.Barrier(writers)
    results, errors = [None] * writers, []

    def target(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as error:  # collected and asserted on by the caller
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    db.session.rollback()  # end this thread's read snapshot to see what the writers committed
    return results, errors
