"""The durable outbox and the embedded JSON-lines publisher."""

import json

from gridcollect.errors import NotifierUnavailable
from gridcollect.notifiers import Notification
from gridcollect.notifiers.jsonl import JsonLinesPublisher
from gridcollect.notifiers.outbox import Outbox


def note(n: int) -> Notification:
    return Notification(
        dataset="d",
        environment="dev",
        urn=f"urn:x:{n}",
        location=f"file:///{n}",
        version=None,
        etag=None,
        metadata={"n": n},
    )


class Switchable:
    """A publisher whose availability the test turns on and off."""

    def __init__(self) -> None:
        self.up = False
        self.delivered: list[Notification] = []

    def publish(self, notifications):
        if not self.up:
            raise NotifierUnavailable("down")
        self.delivered.extend(notifications)

    def connect(self): ...

    def close(self): ...

    def describe(self):
        return "switchable"


def test_notifications_wait_while_the_publisher_is_down_and_go_once_it_is_back(tmp_path):
    """Nothing is lost during an outage, and each is delivered once afterwards."""
    outbox, publisher = Outbox(tmp_path / "o.db"), Switchable()
    for n in range(3):
        outbox.enqueue(note(n))
    assert outbox.flush(publisher) == 0 and outbox.pending() == 3
    publisher.up = True
    assert outbox.flush(publisher) == 3 and outbox.pending() == 0
    assert [n.urn for n in publisher.delivered] == ["urn:x:0", "urn:x:1", "urn:x:2"]
    assert outbox.flush(publisher) == 0


def test_outbox_survives_a_restart(tmp_path):
    """Queued notifications are on disk, not in memory."""
    Outbox(tmp_path / "o.db").enqueue(note(1))
    assert Outbox(tmp_path / "o.db").pending() == 1


def test_enqueueing_the_same_urn_twice_keeps_one(tmp_path):
    """A repeated announcement of one object replaces itself."""
    outbox = Outbox(tmp_path / "o.db")
    outbox.enqueue(note(1))
    outbox.enqueue(note(1))
    assert outbox.pending() == 1


def test_jsonl_publisher_appends_one_line_per_notification(tmp_path):
    """Local consumers read one JSON object per line."""
    path = tmp_path / "n.jsonl"
    JsonLinesPublisher(path).publish([note(1), note(2)])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["urn"] for line in lines] == ["urn:x:1", "urn:x:2"]


def test_an_outbox_only_delivers_what_was_queued_for_its_destination(tmp_path):
    """A notification queued for Kafka waits there when the outbox is opened for a file."""
    Outbox(tmp_path / "o.db", destination="kafka:b:9092/t").enqueue(note(1))
    local, publisher = Outbox(tmp_path / "o.db", destination="jsonl:/n.jsonl"), Switchable()
    publisher.up = True
    assert local.flush(publisher) == 0 and publisher.delivered == []
    assert local.elsewhere() == {"kafka:b:9092/t": 1} and local.pending() == 1
    kafka = Outbox(tmp_path / "o.db", destination="kafka:b:9092/t")
    assert kafka.elsewhere() == {} and kafka.flush(publisher) == 1


def test_an_outbox_of_an_older_release_is_upgraded_and_its_rows_go_anywhere(tmp_path):
    """Rows written before destinations were recorded are unknown: any publisher takes them."""
    import sqlite3

    with sqlite3.connect(tmp_path / "o.db") as db:
        db.execute("CREATE TABLE outbox (urn TEXT PRIMARY KEY, body BLOB NOT NULL,"
                   " enqueued_at REAL NOT NULL)")
        db.execute("INSERT INTO outbox VALUES (?, ?, 1.0)", ("urn:x:1", note(1).to_json()))
    outbox, publisher = Outbox(tmp_path / "o.db", destination="jsonl:/n.jsonl"), Switchable()
    publisher.up = True
    assert outbox.elsewhere() == {}
    assert outbox.flush(publisher) == 1 and [n.urn for n in publisher.delivered] == ["urn:x:1"]
