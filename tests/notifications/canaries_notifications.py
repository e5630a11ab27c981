from tests import factories as f

CANARY = "CANARY-B"

BUILDERS = {
    "notifications.notification": lambda org, rows: f.NotificationFactory(
        organization=org, recipient=rows["tenancy.membership"].user, title=f"{CANARY} notification",
        body=f"{CANARY} body"),
    "notifications.chatwebhook": lambda org, rows: f.ChatWebhookFactory(
        organization=org, name=f"{CANARY} hook", last_error=f"{CANARY} error"),
    "notifications.chatdelivery": lambda org, rows: f.ChatDeliveryFactory(
        organization=org, webhook=rows["notifications.chatwebhook"], error=f"{CANARY} error"),
}
SAMPLES = {
    "notification_id": lambda rows: rows["notifications.notification"].pk,
    "webhook_id": lambda rows: rows["notifications.chatwebhook"].pk,
}
