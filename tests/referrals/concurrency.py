"""Races, played deterministically in one test transaction."""

from django.db import transaction


class _Recorded:
    """An atomic block that records how it ended (None, or the exception's type)."""

    def __init__(self, block, endings):
        self.block = block
        self.endings = endings

    def __enter__(self):
        return self.block.__enter__()

    def __exit__(self, exc_type, exc, tb):
        self.endings.append(exc_type)
        return self.block.__exit__(exc_type, exc, tb)


class RivalFirst:
    """Stands for `django.db.transaction` in `referrals.workflow`: the first time the workflow
    opens a transaction, a rival request (`make_rival()`) commits first; every block records how
    it ended in `endings`.

    With `create_draft`, the rival's draft with the same creation key appears after this
    request's lookup and before its insert: the moment two simultaneous requests collide.
    Use: `monkeypatch.setattr(workflow, "transaction", RivalFirst(make_rival))`."""

    def __init__(self, make_rival):
        self.make_rival = make_rival
        self.started = False
        self.rival = None
        self.endings = []

    def atomic(self, *args, **kwargs):
        if not self.started:
            self.started = True
            self.rival = self.make_rival()
        return _Recorded(transaction.atomic(*args, **kwargs), self.endings)

    def __getattr__(self, name):
        return getattr(transaction, name)
