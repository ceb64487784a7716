"""The baselines of bench/realtime: the least a Flask-SocketIO server can do per message.

``--mode bare``   the handler only re-emits to the room (gevent, TCP_NODELAY, stdlib json);
``--mode redis``  the same with python-socketio's Redis message queue (run two of them);
``--mode naive``  one PostgreSQL transaction per message (INSERT ... RETURNING id, COMMIT), then
                  the re-emit: what persisting "the obvious way" costs.

Each connection says which room it belongs to (``auth: {room}``); ``message.send {text}`` is
acknowledged with ``{ok: true, id}`` and re-emitted as ``message.new {message: {text}}`` to the
room, so the load client treats a baseline and Chinwag the same way.
"""

from gevent import monkey

monkey.patch_all()  # before psycopg, redis and sockets are imported

import argparse  # noqa: E402
import contextlib  # noqa: E402
import queue  # noqa: E402
import socket  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["bare", "redis", "naive"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--channel", default="bench-realtime")
    parser.add_argument("--pg-dsn")
    args = parser.parse_args()

    app = Flask("baseline")
    options: dict[str, Any] = {"async_mode": "gevent", "cors_allowed_origins": "*"}
    if args.mode == "redis":
        import socketio

        options["client_manager"] = socketio.RedisManager(
            args.redis_url,
            channel=args.channel,
            redis_options={"max_connections": 1000},  # redis-py's default 100 loses messages
        )
    sio = SocketIO(app, **options)
    pool: queue.LifoQueue[Any] = queue.LifoQueue()

    if args.mode == "naive":
        import psycopg

        with psycopg.connect(args.pg_dsn, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_message (id bigserial PRIMARY KEY, "
                "room text NOT NULL, text text NOT NULL, created_at timestamptz DEFAULT now())"
            )
        for _ in range(20):
            pool.put(psycopg.connect(args.pg_dsn))

    rooms: dict[str, str] = {}

    @sio.on("connect")
    def connect(auth: Any = None) -> bool:
        from flask import request

        room = str((auth or {}).get("room", "lobby"))
        rooms[request.sid] = room  # type: ignore[attr-defined]
        join_room(room)
        return True

    @sio.on("disconnect")
    def disconnect(*_args: Any) -> None:
        from flask import request

        rooms.pop(request.sid, None)  # type: ignore[attr-defined]

    @sio.on("message.send")
    def send(data: dict[str, Any]) -> dict[str, Any]:
        from flask import request

        room = rooms[request.sid]  # type: ignore[attr-defined]
        text = data["text"]
        msg_id = 0
        if args.mode == "naive":
            conn = pool.get()
            try:
                with conn.transaction():
                    row = conn.execute(
                        "INSERT INTO bench_message (room, text) VALUES (%s, %s) RETURNING id",
                        (room, text),
                    ).fetchone()
                msg_id = row[0]
            finally:
                pool.put(conn)
        sio.emit("message.new", {"message": {"id": msg_id, "text": text}}, to=room)
        return {"ok": True, "id": msg_id}

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    from gevent import pywsgi

    class Server(pywsgi.WSGIServer):  # type: ignore[misc]
        def handle(self, sock: Any, address: Any) -> None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle(sock, address)

    print(f"baseline {args.mode} on {args.port}", flush=True)
    Server(("127.0.0.1", args.port), app, log=None).serve_forever()


if __name__ == "__main__":
    main()
