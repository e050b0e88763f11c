"""What the server does per reader when it sends an event (deliberate/realtime/fanout.py): frames are
not deflated per reader, and an event goes through Redis before any process's sockets."""
from deliberate.realtime import fanout


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
