import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def bare_json(request):
    """The floor for a POST: Django's request cycle, a JSON parse and a JSON reply, no database."""
    body = json.loads(request.body or b"{}")
    return JsonResponse({"received": sorted(body)}, status=201)


urlpatterns = [path("bench/bare/", bare_json), *project_urlpatterns]
