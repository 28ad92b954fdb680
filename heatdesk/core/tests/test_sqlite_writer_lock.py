"""The SQLite backend's writer lock: held from BEGIN to COMMIT/ROLLBACK, none for in-memory databases, and
many threads writing one file at once all get through without "database is locked"."""

import fcntl
import os
import threading

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as DjangoSqlite

from heatdesk.core.sqlite_backend.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_files(django_db_blocker):
    """These tests open their own scratch databases, outside the test database pytest-django guards."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path) -> DatabaseWrapper:
    settings = {
        **connection.settings_dict,
        "ENGINE": "heatdesk.core.sqlite_backend",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"},
        "CONN_MAX_AGE": 0,
    }
    return DatabaseWrapper(settings, alias="writer_lock_test")


def _locked_elsewhere(path) -> bool:
    fd = os.open(f"{path}.writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_lock_is_held_for_the_transaction_and_dropped_at_commit_and_rollback(tmp_path):
    db = _wrapper(tmp_path / "a.sqlite3")
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    assert not _locked_elsewhere(tmp_path / "a.sqlite3")
    for outcome in ("commit", "rollback"):
        db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        assert _locked_elsewhere(tmp_path / "a.sqlite3")
        getattr(db, outcome)()
        db.set_autocommit(True)
        assert not _locked_elsewhere(tmp_path / "a.sqlite3")
    with db.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == 1  # the committed row, not the rolled back one
    db.close()


def test_an_in_memory_database_takes_no_lock():
    db = _wrapper(":memory:")
    assert db._writer_lock_path() is None
    assert issubclass(DatabaseWrapper, DjangoSqlite)


def _transaction(db: DatabaseWrapper, *statements: tuple[str, list]) -> None:
    """What transaction.atomic does on the outermost block, on a wrapper outside django.db.connections."""
    db.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with db.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.set_autocommit(True)


def test_many_writers_at_once_all_commit(tmp_path):
    path = tmp_path / "b.sqlite3"
    setup = _wrapper(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        db = _wrapper(path)
        try:
            for n in range(25):
                _transaction(db, ("SELECT COUNT(*) FROM t", []), ("INSERT INTO t VALUES (%s)", [index * 100 + n]))
        except BaseException as error:
            errors.append(error)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = _wrapper(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == 8 * 25
    check.close()
    assert not _locked_elsewhere(path)
