from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.states import State


class StatusChange(models.Model):
    """One row per move of a signal: its history, never rewritten.

    The creation of a signal is the first row (from_state empty, to_state new).
    `message` is public; `note` is internal to the services and never leaves
    the staff side. Transfers, category changes and comments are history rows
    too (`kind`), with from_state = to_state: the history is one timeline.
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        TRANSFER = "transfer", _("Transfer")
        CATEGORY = "category", _("Category change")
        COMMENT = "comment", _("Internal comment")
        ASSIGNMENT = "assignment", _("Assignment")
        QUESTION = "question", _("Question to the reporter")

    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STATUS)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        db_index=False,  # partial index in Meta
    )
    message = models.TextField(_("public message"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    # Set on a move to `scheduled`.
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    # Set on a move to `duplicate`: the signal this one repeats.
    duplicate_of = models.ForeignKey(
        "signals.Signal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate of"),
        db_index=False,  # partial index in Meta
    )
    # Set on transfers and category changes (re-routing).
    from_service = models.ForeignKey(
        "geo.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    to_service = models.ForeignKey(
        "geo.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    # Set on assignments: the agent given the signal (None: nobody any more).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
        db_index=False,  # partial index in Meta
    )
    # Not indexed: history is always read per signal (its signal_id index), and an index
    # on the date alone, which no query used, cost every report and transition a write.
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        # The optional links are empty on most rows (every report's first row among them):
        # partial indexes skip those rows, so writing them costs no index entry, and the
        # look-ups that need the indexes (`= id`, the cascades when a user, signal or
        # service goes) use them all the same.
        indexes = [
            models.Index(
                fields=[name],
                name=f"statuschange_{name}",
                condition=Q(**{f"{name}__isnull": False}),
            )
            for name in ("actor", "duplicate_of", "from_service", "to_service", "assignee")
        ]

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.from_state or '∅'} → {self.to_state}"

    @property
    def is_public_status_change(self) -> bool:
        return self.kind == self.Kind.STATUS and bool(self.from_state)


class Membership(models.Model):
    """A staff member's place in a technical service: what they see and may act on."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    service = models.ForeignKey(
        "geo.Service",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("service"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.AGENT)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="membership_once_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.service} ({self.role})"


class ReporterOptOut(models.Model):
    """The reporter of this signal asked for no more e-mails about it."""

    signal = models.OneToOneField(
        "signals.Signal", on_delete=models.CASCADE, related_name="reporter_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"opt-out of signal {self.signal_id}"


class OutgoingMail(models.Model):
    """Transactional outbox: written in the transaction of the change it announces.

    A mail row exists if and only if the change committed; sending happens after
    commit, and what could not be sent stays here until `send_pending_mail`
    delivers it.
    """

    signal = models.ForeignKey(
        "signals.Signal", on_delete=models.CASCADE, null=True, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    unsubscribe_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outgoingmail_pending",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"mail #{self.pk} ({'sent' if self.sent_at else 'pending'})"


class StatusCount(models.Model):
    """How many signals of one service, category and status there are (see workflow.queue_counts).

    Plain keys, no foreign keys: rows are written by a trigger on every signal write, and a
    constraint check each time would cost every report. `service_id` 0 stands for signals
    routed to no service (a unique key treats NULLs as all different).
    """

    service_id = models.BigIntegerField()
    category_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    count = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.service_id}/{self.category_id}/{self.status}: {self.count:+d}"


class QueueCount(StatusCount):
    """The folded counts, kept by a database trigger through `QueueCountChange`."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service_id", "category_id", "status"], name="queuecount_key"
            )
        ]


class QueueCountChange(StatusCount):
    """A +1 or -1 on a `QueueCount`, appended by the trigger on every signal write.

    Appending rather than updating the count in place: two reports to one service made at
    once never wait on each other's lock of the service's row.
    """


class Feedback(models.Model):
    """A resident's answer to "is it fixed?" after a signal was resolved.

    Asked of whoever the "resolved" e-mail went to (the reporter, the confirmed
    followers), through the link it carries. One answer per recipient and per
    resolution: answering again replaces it. `giver` is a digest of the
    recipient's link, not the address: the answer stays personal-data free, and
    a follower who stops following cannot be traced back from it. The comment is
    for the services only; it never appears on a public page.
    """

    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="feedback")
    # The move to `resolved` this answers: a signal reopened then resolved again asks afresh.
    resolution = models.ForeignKey(
        StatusChange, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    giver = models.CharField(max_length=64)
    from_reporter = models.BooleanField(_("from the reporter"), default=False)
    is_fixed = models.BooleanField(_("fixed"))
    comment = models.TextField(_("comment"), blank=True)
    # What the resident saw, if they sent a photo: private (`Photo.is_public` false), shown
    # to the services with the answer; an answer again with a new photo replaces it.
    photo = models.OneToOneField(
        "signals.Photo",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("photo"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    # A "not fixed" that no agent has acted on yet: the queue's "contested" list. The next
    # action on the signal (a transition, a transfer, a category change, a comment) clears it.
    awaiting_reply = models.BooleanField(_("awaiting a reply"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident feedback")
        verbose_name_plural = _("resident feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "giver"], name="feedback_once_per_resolution"
            )
        ]
        indexes = [
            # Read on every queue page: only the few answers awaiting a reply are in it.
            models.Index(
                fields=["signal"], name="feedback_awaiting_reply", condition=Q(awaiting_reply=True)
            )
        ]

    def __str__(self) -> str:
        return f"feedback on signal {self.signal_id}: {'fixed' if self.is_fixed else 'not fixed'}"


class ReporterQuestion(models.Model):
    """A service's question to the person who reported a signal ("where exactly?", "is it
    still there?"), mailed to them with a link to answer (`workflow.questions`).

    Only the reporter is asked, through their own link; the question and the answer are
    for the services alone: no public page, export or API shows them.
    """

    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # What the reporter saw, if they sent a photo with the answer: private, as the answer.
    photo = models.OneToOneField(
        "signals.Photo",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answer",
        verbose_name=_("photo"),
    )

    # An answer no agent has acted on yet: its signal's row in the queue says so. The next
    # action on the signal (a transition, a transfer, a category change, a comment, another
    # question) clears it.
    awaiting_agent = models.BooleanField(_("answer not acted on yet"), default=False)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("question to the reporter")
        verbose_name_plural = _("questions to the reporter")
        indexes = [
            # Probed for each row of a queue page: only the few unread answers are in it.
            models.Index(
                fields=["signal"], name="question_answer_unread", condition=Q(awaiting_agent=True)
            )
        ]

    def __str__(self) -> str:
        return f"question #{self.pk} on signal {self.signal_id}"


class StaffSettings(models.Model):
    """What a member of staff chooses for themselves on their account page (the rest of
    their account, services and role, is the administrators')."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="staff_settings",
    )
    mail_when_assigned = models.BooleanField(
        _("e-mail me when someone assigns me a signal"), default=True
    )
    # The language of the mails written to this person alone (assignments, answers to their
    # questions); blank: the site's. Mails to a service's address stay in the site's.
    mail_language = models.CharField(
        _("language of my e-mails"), max_length=8, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("staff settings")
        verbose_name_plural = _("staff settings")

    def __str__(self) -> str:
        return f"settings of user {self.user_id}"
