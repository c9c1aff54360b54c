"""A service asks the reporter of a signal a question, and the reporter answers from the
link in the mail, without an account.

"Where exactly on the square?", "Is the car still there?": what a description or a photo
did not say, and what an agent would otherwise learn only by going there. The question is
mailed to the reporter in their language, with a link of their own (the token that also
stops their mails, `signals.unsubscribe`, plus the question's number); the answer, and a
photo if they like, go to the agent who asked (or the service's address when that agent has
none), and show on the signal's staff page. Only the reporter is asked: followers' links
open nothing here. A question is answerable while the signal is open; answering again
replaces the answer. Both stay with the services: no public page, export or API shows them,
and `anonymize_reporters` erases the answers with the reporter's address.
"""

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from signals.links import absolute_url
from signals.models import Signal
from signals.photos import CleanPhoto
from signals.storage import atomic_with_files
from signals.unsubscribe import recipient_for_token, reporter_token
from workflow import notifications
from workflow.awaiting import residents_heard
from workflow.feedback import answer_photo_store
from workflow.models import ReporterOptOut, ReporterQuestion, StatusChange
from workflow.services import InvalidAction
from workflow.states import OPEN

QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 2000


class QuestionClosed(Exception):
    """The signal is closed: the service no longer waits for an answer."""


@dataclass(frozen=True)
class AskedQuestion:
    """What an answer link names: the reporter's question, and whether it can be answered."""

    question: ReporterQuestion
    is_open: bool

    @property
    def signal(self) -> Signal:
        return self.question.signal


def question_url(question: ReporterQuestion) -> str:
    path = reverse(
        "publicmap:question",
        kwargs={"token": reporter_token(question.signal), "number": question.pk},
    )
    return absolute_url(path)


def reporter_reachable(signal: Signal) -> bool:
    """Whether a question can reach the reporter: an address, and mails not stopped."""
    return bool(signal.reporter_email) and not ReporterOptOut.objects.filter(signal=signal).exists()


def question_ask(*, signal: Signal, actor, question: str) -> ReporterQuestion:
    """Mail `question` to the reporter of `signal` (an open one), with their answer link.

    A history row says who asked what (internal). It is not a change of the signal: no
    version bump, so a question never makes a colleague's pending action a conflict."""
    question = question.strip()
    if not question:
        raise InvalidAction({"question": [_("Write the question.")]})
    if signal.status not in OPEN:
        raise InvalidAction({"question": [_("The signal is closed: reopen it to ask.")]})
    if not reporter_reachable(signal):
        raise InvalidAction(
            {
                "question": [
                    _(
                        "The reporter cannot be asked: they left no e-mail address, or stopped "
                        "the mails about this signal."
                    )
                ]
            }
        )
    with transaction.atomic():
        residents_heard(signal)  # whoever asks again has read the earlier answers
        asked = ReporterQuestion.objects.create(signal=signal, asked_by=actor, question=question)
        StatusChange.objects.create(
            signal=signal,
            kind=StatusChange.Kind.QUESTION,
            from_state=signal.status,
            to_state=signal.status,
            actor=actor,
            note=question,
        )
        notifications.question_queue(question=asked, url=question_url(asked))
    return asked


def question_for_link(*, token: str, number: int) -> AskedQuestion | None:
    """The question the reporter's link names; None when the link names no question of
    theirs (a follower's token, another signal's question, a forged link)."""
    recipient = recipient_for_token(token=token)
    if recipient is None or not recipient.is_reporter:
        return None
    question = (
        ReporterQuestion.objects.select_related("signal__category__parent", "photo")
        .filter(pk=number, signal=recipient.signal)
        .first()
    )
    if question is None:
        return None
    return AskedQuestion(question=question, is_open=question.signal.status in OPEN)


def question_answer(
    *, asked: AskedQuestion, answer: str, photo: CleanPhoto | None = None
) -> ReporterQuestion:
    """Store the reporter's answer (replacing an earlier one) and tell whoever asked.

    A new photo replaces the earlier answer's; an answer without one keeps it (a browser
    cannot send back a file it was given)."""
    if not asked.is_open:
        raise QuestionClosed
    answer = answer.strip()
    if not answer and photo is None:
        raise InvalidAction({"answer": [_("Write your answer, or send a photo.")]})
    with atomic_with_files():  # a rollback also removes the photo's file
        question = ReporterQuestion.objects.select_for_update().get(pk=asked.question.pk)
        question.answer = answer
        question.answered_at = timezone.now()
        question.awaiting_agent = True
        if photo is not None:
            question.photo = answer_photo_store(
                signal_id=question.signal_id, photo=photo, replacing=question.photo_id
            )
        question.save(update_fields=["answer", "answered_at", "awaiting_agent", "photo"])
        notifications.answer_queue(question=question)
    return question
