"""The embedded broker never hands a worker a message that is still being written."""

import logging
import threading

from kombu import Connection

from portal import folder_broker


def test_a_reader_polling_while_messages_are_written_gets_each_one_whole(tmp_path):
    folder_broker.install()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "processed_folder": str(tmp_path),
        "store_processed": False,
    }
    sent = [{"n": n, "padding": "x" * 20_000} for n in range(300)]
    received, errors = [], []

    with Connection("filesystem://", transport_options=options) as connection:
        assert isinstance(connection.transport, folder_broker.Transport)
        queue = connection.SimpleQueue("work")

        def read() -> None:
            while len(received) < len(sent):
                try:
                    received.append(queue.get(timeout=10).payload)
                except Exception as exc:  # noqa: BLE001 - any failure fails the test
                    errors.append(exc)
                    return

        reader = threading.Thread(target=read)
        reader.start()
        with Connection("filesystem://", transport_options=options) as writer_connection:
            writer = writer_connection.SimpleQueue("work")
            for message in sent:
                writer.put(message)
        reader.join(timeout=60)

    assert errors == []
    assert sorted(m["n"] for m in received) == list(range(300))


def test_publishing_tasks_to_the_folder_broker_logs_no_warning(tmp_path, caplog, monkeypatch):
    """kombu warned "No hostname was supplied" for each new publishing connection made
    from `filesystem://`, a URL with no host because a folder has none."""
    from celery import Celery

    # Celery prefers CELERY_BROKER_URL to the app's own broker (CI's Redis run sets it).
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    folder_broker.install()
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    # Not made the current app: monitoring reads the broker through the current one.
    app = Celery("folder-broker-test", broker="filesystem://", set_as_current=False)
    app.conf.broker_transport_options = options

    with caplog.at_level(logging.WARNING):
        for n in range(3):
            app.send_task("integration.example", args=[n])
            with app.connection_for_write() as connection:
                connection.clone().release()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert len(list(tmp_path.glob("*.msg"))) == 3
