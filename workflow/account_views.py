"""A member of staff's own account: name, e-mail address (where assignments are mailed),
whether to be mailed, and password. Services and roles stay the administrators'."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from workflow.models import StaffSettings
from workflow.views import _context, staff_required


class AccountForm(forms.ModelForm):
    mail_when_assigned = forms.BooleanField(
        label=gettext_lazy("E-mail me when someone assigns me a signal"), required=False
    )
    mail_language = forms.ChoiceField(
        label=gettext_lazy("Language of my e-mails"),
        # Each in its own words, as the site's language switch shows them.
        choices=[
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ],
        help_text=gettext_lazy("Mails to your service's shared address stay in the site's."),
        required=False,  # not sent: the site's
    )

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email"]
        help_texts = {
            "email": gettext_lazy("Where the signals assigned to you are mailed."),
        }


@staff_required
def account(request):
    chosen = StaffSettings.objects.filter(user=request.user).first()
    initial = {
        "mail_when_assigned": chosen.mail_when_assigned if chosen else True,
        "mail_language": (chosen.mail_language if chosen else "") or settings.LANGUAGE_CODE,
    }
    sent = request.POST if request.method == "POST" else None
    form = AccountForm(sent, instance=request.user, initial=initial)
    if sent is not None and form.is_valid():
        with transaction.atomic():
            form.save()
            StaffSettings.objects.update_or_create(
                user=request.user,
                defaults={
                    "mail_when_assigned": form.cleaned_data["mail_when_assigned"],
                    "mail_language": form.cleaned_data["mail_language"],
                },
            )
        messages.success(request, _("Your account is saved."))
        return redirect("workflow:account")
    status = 400 if form.errors else 200
    return render(request, "workflow/account.html", _context(request, form=form), status=status)


@method_decorator(staff_required, name="dispatch")
class PasswordChange(auth_views.PasswordChangeView):
    template_name = "workflow/password_change.html"
    success_url = reverse_lazy("workflow:account")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps the session: the user stays logged in
        messages.success(self.request, _("Your password is changed."))
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_context(self.request)}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
