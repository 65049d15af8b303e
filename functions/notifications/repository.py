"""Notifications table access: one record per `order.updated` event, written once.

Table layout: pk = NOTIFICATION#<event id>, so a duplicate delivery of an event finds
its notification recorded already.
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from shared.dynamodb import ClientSettings, condition_failed, table_name_from_env, translate_outages

DEPENDENCY = "notifications table"


class NotificationEntry(Model):
    class Meta(ClientSettings):
        table_name = table_name_from_env("NOTIFICATIONS_TABLE")

    pk = UnicodeAttribute(hash_key=True)  # NOTIFICATION#<event id>
    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    correlation_id = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()


def record_once(entry: NotificationEntry) -> bool:
    """Store the notification unless its event's is stored already; whether it was new."""
    try:
        with translate_outages(DEPENDENCY):
            entry.save(condition=NotificationEntry.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return False
    return True
