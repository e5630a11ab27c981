"""What the environments app tells the apps above it, which it may not import: apps that read
bookings (releases' "booking held" gate rule) connect to these."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by every booking service inside its transaction, with `environment_ids`: the bookings of
# those environments changed (requested, decided, cancelled, extended or released). Receivers
# queue their work with vsm.tenancy.tasks.enqueue, which sends after commit.
bookings_changed = Signal()


def bookings_changed_send(environment_ids) -> None:
    bookings_changed.send(sender=None, environment_ids=sorted(set(environment_ids)))
