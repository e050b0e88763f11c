"""What the server does per reader when it sends an event (deliberate/realtime/fanout.py): frames are
not deflated per reader, and an event goes through Redis before any process's sockets."""
import contextlib
import json
import logging
import threading
import time
import uuid

import redis
import socketio

from deliberate.realtime import fanout


@contextlib.contextmanager
def caplog_errors(errors: list):
    """Collect the error records logged meanwhile (threads included)."""
    class Collect(logging.Handler):
        def emit(self, record):
            errors.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)


def test_a_websocket_upgrade_arrives_without_the_deflate_offer_and_other_requests_keep_their_headers():
    seen = []
    app = fanout.NoDeflate(lambda environ, start_response: seen.append(dict(environ)) or [b""])
    offer = "permessage-deflate; client_max_window_bits"
    app({"HTTP_UPGRADE": "websocket", "HTTP_SEC_WEBSOCKET_EXTENSIONS": offer, "PATH_INFO": "/socket.io/"}, None)
    app({"HTTP_SEC_WEBSOCKET_EXTENSIONS": offer, "PATH_INFO": "/standards"}, None)
    assert "HTTP_SEC_WEBSOCKET_EXTENSIONS" not in seen[0]
    assert seen[1]["HTTP_SEC_WEBSOCKET_EXTENSIONS"] == offer


def test_the_middleware_is_transparent_to_what_it_wraps(app):
    assert app.wsgi_app.engineio_app is not None  # realtime/disconnect.py reaches the socket server so


def test_an_event_is_published_for_every_process_and_not_sent_here_first(monkeypatch):
    queue = fanout.RedisQueue("redis://127.0.0.1:6379/15", channel="deliberate-test-fanout")
    published, handled = [], []
    monkeypatch.setattr(queue, "_publish", published.append)
    monkeypatch.setattr(queue, "_handle_emit", handled.append)
    queue.emit("comment_posted", {"id": 7}, namespace="/", room="standard:1")
    assert handled == []  # this process's sockets hear it from its listener, like every other process's
    (message,) = published
    assert message["host_id"] == fanout.EVERY_PROCESS != queue.host_id
    assert (message["event"], message["data"], message["room"]) == ("comment_posted", [{"id": 7}], "standard:1")


def test_only_redis_gets_this_queue():
    assert isinstance(fanout.client_manager("redis://127.0.0.1:6379/0", "c"), fanout.RedisQueue)
    assert fanout.client_manager(None, "c") is None
    assert fanout.client_manager("amqp://guest@rabbit//", "c") is None


def test_an_emit_to_one_socket_of_this_process_is_sent_here_not_published(monkeypatch):
    queue = fanout.RedisQueue("redis://127.0.0.1:6379/15", channel="deliberate-test-fanout")
    published, sent = [], []
    monkeypatch.setattr(queue, "_publish", published.append)
    monkeypatch.setattr(queue, "is_connected", lambda sid, namespace: sid == "sid-here")
    monkeypatch.setattr(socketio.manager.Manager, "emit", lambda self, *a, **k: sent.append((a, k)))
    queue.emit("connected", {"person_id": None}, namespace="/", to="sid-here")
    assert published == [] and len(sent) == 1
    queue.emit("connected", {"person_id": None}, namespace="/", to="sid-elsewhere")  # another process's socket
    assert len(published) == 1 and len(sent) == 1


def test_hundreds_of_threads_publishing_at_once_wait_for_a_connection_and_none_is_lost(monkeypatch):
    """redis-py's default pool refused the 101st concurrent publish ("Too many connections"), and
    the library then replaced its listener's connection: every process went deaf for a second."""
    channel = f"deliberate-test-fanout-{uuid.uuid4().hex}"
    queue = fanout.RedisQueue("redis://127.0.0.1:6379/15", channel=channel)
    monkeypatch.setattr(fanout.RedisQueue, "PUBLISH_CONNECTIONS", 4)
    listener = redis.Redis.from_url("redis://127.0.0.1:6379/15").pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    listener.get_message(timeout=1)
    errors = []
    with caplog_errors(errors):
        threads = [threading.Thread(target=queue.emit, args=("comment_posted", {"id": n}), kwargs={"room": "standard:1"})
                   for n in range(300)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    received = set()
    deadline = time.monotonic() + 10
    while len(received) < 300 and time.monotonic() < deadline:
        message = listener.get_message(timeout=1)
        if message:
            received.add(json.loads(message["data"])["data"][0]["id"])
    assert received == set(range(300)) and errors == []
    assert queue._publishing_client().connection_pool.max_connections == 4


def test_a_failed_publish_leaves_the_listeners_connection_alone(monkeypatch, caplog):
    queue = fanout.RedisQueue("redis://127.0.0.1:1/15", channel="deliberate-test-fanout")  # nothing listens there
    monkeypatch.setattr(fanout.RedisQueue, "PUBLISH_WAIT", 0.1)
    queue._redis_connect()  # what the listener thread does before it subscribes
    listening = queue.pubsub
    queue.emit("comment_posted", {"id": 1}, room="standard:1")
    assert queue.pubsub is listening and queue.connected
    assert "could not publish a live event to Redis" in caplog.text
