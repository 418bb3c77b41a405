"""Checkpoints, integrity checks, statistics and health."""

import pytest

import treestore


def test_engine_stats_names_every_field_of_the_header(db):
    db.kv_put("t", b"k", b"v")
    stats = db.engine_stats()
    assert set(stats) == {
        "page_size",
        "total_pages",
        "free_pages",
        "pending_pages",
        "used_pages",
        "wal_pages",
        "file_bytes",
        "wal_bytes",
        "last_txid",
        "commits",
        "checkpoints",
        "live_readers",
        "oldest_reader_age_us",
        "last_checkpoint_age_us",
        "uptime_us",
    }
    assert stats["page_size"] == 4096
    assert stats["commits"] >= 1
    assert stats["last_checkpoint_age_us"] is None  # no checkpoint yet in this process


def test_checkpoint_empties_the_wal(db):
    for i in range(20):
        db.kv_put("t", b"k%d" % i, b"v" * 100)
    assert db.engine_stats()["wal_pages"] > 0
    db.checkpoint()
    stats = db.engine_stats()
    assert stats["wal_pages"] == 0
    assert stats["checkpoints"] >= 1
    assert isinstance(stats["last_checkpoint_age_us"], int)


def test_live_readers_count_open_read_transactions(db):
    db.kv_put("t", b"k", b"v")
    with db.transaction():
        assert db.engine_stats()["live_readers"] >= 1


def test_check_integrity_of_a_sound_database(db):
    with db.transaction(write=True):
        for i in range(100):
            db.kv_put("t", b"k%d" % i, b"v")
    assert db.check_integrity() == {"ok": True, "errors": []}


def test_check_integrity_reports_damage(tmp_path):
    path = str(tmp_path / "damaged.tsdb")
    with treestore.TreeStore(path) as db:
        with db.transaction(write=True):
            for i in range(200):
                db.kv_put("t", b"key-%05d" % i, b"some value")
    # One flipped byte in every data page (pages 0-2 are the header and the meta slots).
    with open(path, "r+b") as f:
        size = f.seek(0, 2)
        for at in range(3 * 4096 + 100, size, 4096):
            f.seek(at)
            b = f.read(1)
            f.seek(at)
            f.write(bytes([b[0] ^ 0x5A]))
    try:
        db = treestore.TreeStore(path)
    except treestore.CorruptionError as e:  # opening may already meet the damage
        assert e.status == 300
        return
    with db:
        report = db.check_integrity()
        assert report["ok"] is False
        assert report["errors"] and all(isinstance(e, str) and e for e in report["errors"])
        with pytest.raises(treestore.CorruptionError):
            db.kv_scan("t")


def test_health(db):
    h = db.health()
    assert h["healthy"] is True
    assert h["version"] == treestore.library_version()
    assert isinstance(h["uptime_seconds"], float) and 0 <= h["uptime_seconds"] < 60
