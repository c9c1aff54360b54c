"""A member of staff who forgot their password sets a new one from a link mailed to the
address of their account (Django's password reset, through our outbox and rate limits).

The page answers the same whether or not the address belongs to an account, so it tells
nobody who works here. The link is Django's: it holds no password, is valid
`PASSWORD_RESET_TIMEOUT` seconds and only once (it is signed with the password's hash), and
leaves the address bar at once (Django swaps it for a session key). Setting the password
ends the account's other sessions and lifts a lockout after too many failed logins: the
agent who was locked out is the one who most needs the reset.
"""

import hashlib

import axes.utils
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.client_ip import client_ip
from opendata.open311.throttles import RateLimit
from signals.links import absolute_url
from workflow.models import OutgoingMail
from workflow.notifications import queue_mails


class StaffPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("Your account's e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Write the mail to the outbox instead of sending it in the request: a mail server
        that is down delays the link instead of losing it (`send_pending_mail`)."""
        link = reverse(
            "workflow:password-reset-confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        context = {**context, "reset_url": absolute_url(link), "minutes": _lifetime_minutes()}
        subject = render_to_string(subject_template_name, context)
        queue_mails(
            [
                OutgoingMail(
                    to=to_email,
                    subject=" ".join(subject.split())[:255],
                    body=render_to_string(email_template_name, context),
                )
            ]
        )


def _lifetime_minutes() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 60


def _wait(request, email: str) -> int | None:
    """Seconds to wait when this client, or this address, asked too often (else None).
    The address is counted under a digest: the cache holds no address."""
    rate = settings.PASSWORD_RESET_RATE
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return RateLimit("password-reset-ip", rate).hit(client_ip(request)) or RateLimit(
        "password-reset-address", rate
    ).hit(address)


class PasswordReset(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "workflow/password_reset.html"
    subject_template_name = "workflow/mail/password_reset_subject.txt"
    email_template_name = "workflow/mail/password_reset_body.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        wait = _wait(self.request, email)
        if wait is not None:
            form.add_error(
                None,
                _("Too many links asked for: try again in %(minutes)s minutes.")
                % {"minutes": -(-wait // 60)},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        form.save(
            request=self.request,
            use_https=self.request.is_secure(),
            token_generator=self.token_generator,
            subject_template_name=self.subject_template_name,
            email_template_name=self.email_template_name,
        )
        messages.success(
            self.request,
            _(
                "If %(email)s is the address of an account, we have just sent it a link to "
                "choose a new password. It is valid for %(minutes)s minutes; look in that "
                "mailbox (and its spam folder)."
            )
            % {"email": email, "minutes": _lifetime_minutes()},
        )
        return redirect("workflow:login")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "workflow/password_reset_confirm.html"
    success_url = reverse_lazy("workflow:login")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # The page carries the link's token until Django moves it into the session: it must
        # not leak to another site through the Referer header. Not "no-referrer": with it,
        # browsers send `Origin: null` with the form, and Django's CSRF check refuses it.
        response["Referrer-Policy"] = "same-origin"
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        axes.utils.reset(username=form.user.get_username())
        messages.success(self.request, _("Your password is changed: you can log in with it."))
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
