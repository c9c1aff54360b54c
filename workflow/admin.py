from django.contrib import admin

from workflow.models import Membership, OutgoingMail


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "service", "role"]
    list_filter = ["service", "role"]
    search_fields = ["user__username", "service__name"]
    autocomplete_fields = ["user"]


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """To see what the outbox holds when a mail server misbehaves; mails are not edited here."""

    list_display = ["created_at", "subject", "sent_at", "attempts"]
    list_filter = ["sent_at"]
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]

    def has_add_permission(self, request):
        return False
