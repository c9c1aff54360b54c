from django.shortcuts import render


def home(request):
    # A placeholder until the public map lands (issue: residents' map and form).
    return render(request, "publicmap/home.html")
