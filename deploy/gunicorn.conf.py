"""gunicorn settings for one Deliberate web process.

systemd starts one process per port (deploy/deliberate-web@.service: ``deliberate-web@5001`` serves
127.0.0.1:5001) and nginx spreads people over them with ``ip_hash``. Each process has ONE worker:
Socket.IO keeps a connection's state in the process that accepted it, so a second worker behind
the same port would receive half of a client's long-polling requests without knowing the client.

The worker is gthread: one thread per request, and one per open WebSocket for as long as it is
open. ``GUNICORN_THREADS`` must therefore exceed the WebSockets one process holds at its busiest;
threads are started only when needed, so a high ceiling costs nothing while idle. Measured in
bench/sockets_gunicorn.py and explained in docs/deployment.md ("Why gthread").

Every setting comes from the environment (the unit loads /etc/deliberate/deliberate.env):

  PORT                       the port (the unit sets it from its instance name)
  HOST                       the address to bind, 127.0.0.1 by default: only nginx reaches it
  GUNICORN_THREADS           threads of the worker, 1500 by default
  GUNICORN_WORKER_CONNECTIONS  connections the worker holds at once, GUNICORN_THREADS + 500 by default
  GUNICORN_TIMEOUT           seconds before a stuck worker is restarted, 60 by default
  GUNICORN_GRACEFUL_TIMEOUT  seconds a stopping worker lets requests finish, 20 by default
  GUNICORN_ACCESS_LOG        "-" for an access log on stdout (off by default: it holds addresses)
  GUNICORN_LOG_LEVEL         info by default
"""
import os

import gunicorn.http.wsgi

# The app factory; the package carries everything it needs (templates, static files, migrations).
wsgi_app = "deliberate:create_app()"

bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{int(os.environ.get('PORT', '5001'))}"]
workers = 1
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1500"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(threads + 500)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# nginx keeps its connections to this process open between requests (deliberate.conf: keepalive,
# keepalive_timeout 60s). This process must hold them longer than nginx does: if it closed an idle
# one first, a request nginx had just sent on it would be reset, and nginx answers a reset POST
# with 502 (it never resends a form). bench/load.py met that when this was 5 s.
keepalive = 75
# The app (ProxyFix, TRUSTED_PROXIES) reads the proxy's headers itself; gunicorn trusts only nginx on
# this machine for the scheme.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = f"deliberate-web-{os.environ.get('PORT', '5001')}"
# Never recycle the worker by request count: that would drop every open WebSocket.
max_requests = 0

# gunicorn names itself in a Server header on every response. Say only what the service is, with no
# software name or version for a scanner to match (nginx in front drops it anyway, and says "nginx"
# without a version: server_tokens off).
gunicorn.http.wsgi.SERVER = "Deliberate"

# gunicorn's control socket (gunicornc) would be one path in $HOME shared by every process of the
# host; systemd starts and stops these processes, and a process has one worker to manage.
control_socket_disable = True
