"""The reporter answers a service's question from the link in its mail (workflow.questions)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from publicmap.forms import AnswerForm
from workflow.questions import QuestionClosed, question_answer, question_for_link


def _private(response):
    # The page shows a question meant for one person: kept out of caches, search engines
    # and other sites' logs. Not "no-referrer": with it, browsers send `Origin: null` with
    # the answer's form, and Django's CSRF check refuses it.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def question(request, token: str, number: int):
    asked = question_for_link(token=token, number=number)
    if asked is None:
        return _private(render(request, "publicmap/question.html", {"invalid": True}, status=404))
    form = AnswerForm(initial={"answer": asked.question.answer})
    status = 200
    if request.method == "POST" and asked.is_open:
        form = AnswerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                question_answer(
                    asked=asked,
                    answer=form.cleaned_data["answer"],
                    photo=form.cleaned_data["photo"],
                )
            except QuestionClosed:  # closed between the page and the answer
                asked = question_for_link(token=token, number=number)
            else:
                form.forget_held_photo()
                messages.success(request, _("Thank you: your answer is sent to the service."))
                return redirect("publicmap:signal-detail", reference=asked.signal.reference)
        else:
            form.keep_photo()
            status = 400
    elif request.method == "POST":
        status = 409
    context = {"form": form, "asked": asked, "signal": asked.signal}
    return _private(render(request, "publicmap/question.html", context, status=status))
