"""Photo files that follow their transaction: written inside it, removed if it rolls back.

A photo's file is written when its `Photo` row is saved, inside the
transaction that creates the signal (or moves it to resolved). If that
transaction then rolls back — a later insert fails, the database goes away —
the rows vanish but the file would stay in `MEDIA_ROOT`, an orphan that no
one can see and no one will delete. The services that write photos open their
transaction with `atomic_with_files()`: the default storage notes each file
written inside it, and if the block fails, the files go too.

Only the outermost `atomic_with_files()` decides, because only it knows
whether the transaction really ended: nested in another transaction (a
service calling another, a test's transaction), it is a plain savepoint and
leaves its files to the outer one. A failure *at* COMMIT keeps the files: the
commit may have landed (a lost acknowledgement), and an orphan file is better
than a stored signal whose photo was deleted.
"""

import contextlib
import contextvars
import logging

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction

log = logging.getLogger(__name__)

# The names written in the current outermost atomic_with_files() block, if any.
_written: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "photo_files_written", default=None
)


class TransactionalFileSystemStorage(FileSystemStorage):
    """The file system storage, noting what it writes for `atomic_with_files()`."""

    def _save(self, name, content):
        name = super()._save(name, content)
        written = _written.get()
        if written is not None:
            written.append(name)
        return name


@contextlib.contextmanager
def atomic_with_files():
    """`transaction.atomic()`, and the files written inside are removed if it rolls back."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    written: list[str] = []
    token = _written.set(written)
    rolled_back = False
    try:
        with transaction.atomic():
            try:
                yield
            except BaseException:
                rolled_back = True
                raise
    except BaseException:
        if rolled_back:
            for name in written:
                try:
                    default_storage.delete(name)
                except OSError:  # the original error matters more; the file is logged
                    log.exception("Could not remove %s after a rollback", name)
        raise
    finally:
        _written.reset(token)


def photos_delete(photos) -> int:
    """Delete the photos of a queryset: their rows now (inside the caller's transaction),
    their files once it commits, so that a rollback keeps both. Returns how many."""
    names = [name for name in photos.values_list("image", flat=True) if name]
    deleted = photos.delete()[0]
    transaction.on_commit(lambda: _files_delete(names))
    return deleted


def _files_delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the row is gone; a file left behind is logged, not raised
            log.exception("Could not remove %s", name)
